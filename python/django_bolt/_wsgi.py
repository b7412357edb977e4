"""A bolt request as the WSGI request Django's handling reads (`request.META` is already
Django's environ; the body comes in as `wsgi.input`)."""

from __future__ import annotations

import io
from typing import Any


def wsgi_request(request: Any) -> Any:
    from django.core.handlers.wsgi import WSGIRequest

    body = request.body
    environ = dict(request.META)
    # WSGI strings are bytes read as latin-1: Django encodes PATH_INFO back that way.
    for key in ("PATH_INFO", "SCRIPT_NAME"):
        environ[key] = str(environ.get(key, "")).encode("utf-8").decode("latin-1")
    environ.update({"wsgi.input": io.BytesIO(body), "wsgi.url_scheme": environ.get("wsgi.url_scheme", "http"),
                    "CONTENT_LENGTH": str(len(body))})
    django_request = WSGIRequest(environ)
    django_request._body = body
    return django_request
