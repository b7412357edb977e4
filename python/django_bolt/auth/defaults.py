"""The settings' defaults for routes that set no `auth=` or `guards=`."""

from __future__ import annotations

from typing import Any

from .guards import AllowAny


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings

    return getattr(settings, name, default) if settings.configured else default


def default_auth() -> list[Any]:
    """`BOLT_AUTHENTICATION_CLASSES` (default: none)."""
    return list(_setting("BOLT_AUTHENTICATION_CLASSES", []) or [])


def default_guards() -> list[Any]:
    """`BOLT_DEFAULT_PERMISSION_CLASSES` (the CHANGELOG's `BOLT_PERMISSION_CLASSES` too;
    default `[AllowAny()]`)."""
    guards = _setting("BOLT_DEFAULT_PERMISSION_CLASSES", None)
    if guards is None:
        guards = _setting("BOLT_PERMISSION_CLASSES", None)
    return list(guards) if guards is not None else [AllowAny()]


def effective_auth(auth: list[Any] | None) -> list[Any]:
    return auth if auth is not None else default_auth()


def effective_guards(guards: list[Any] | None) -> list[Any]:
    return guards if guards is not None else default_guards()
