"""A bolt request as the WSGI request Django's handling reads (`request.META` is already
Django's environ; the body comes in as `wsgi.input`)."""

from __future__ import annotations

import io
from typing import Any


def wsgi_request(request: Any) -> Any:
    from django.core.handlers.wsgi import WSGIRequest

    environ = dict(request.META)
    # WSGI strings are bytes read as latin-1: Django encodes PATH_INFO back that way.
    for key in ("PATH_INFO", "SCRIPT_NAME"):
        environ[key] = str(environ.get(key, "")).encode("utf-8").decode("latin-1")
    environ["wsgi.url_scheme"] = environ.get("wsgi.url_scheme", "http")
    spooled = getattr(request, "_body_file", None)
    if spooled is not None:
        # A large body the server spooled to disk: Django reads it as it reads any wsgi.input.
        path, size = spooled
        stream = open(path, "rb")  # noqa: SIM115 (closed with the request, below)
        environ.update({"wsgi.input": stream, "CONTENT_LENGTH": str(size)})
        django_request = WSGIRequest(environ)
        django_request.close = _closing_also(django_request.close, stream)
        return django_request
    body = request.body
    environ.update({"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
    django_request = WSGIRequest(environ)
    django_request._body = body
    return django_request


def _closing_also(close: Any, stream: Any) -> Any:
    def closed() -> None:
        try:
            close()
        finally:
            stream.close()
    return closed
