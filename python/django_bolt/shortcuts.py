"""`render(request, template_name, ...)`: a Django template as an HTML response."""

from __future__ import annotations

from typing import Any

from django.template import loader

from .responses import HTML


def render(request: Any, template_name: str | list[str], context: dict[str, Any] | None = None,
           content_type: str | None = None, status: int = 200, using: str | None = None) -> HTML:
    """As Django's `render`: context processors see `request` (its `META`, `user`...)."""
    content = loader.render_to_string(template_name, context, request, using=using)
    response = HTML(content, status_code=status)
    if content_type is not None:
        response.media_type = content_type
    return response


__all__ = ["render"]
