"""`SessionAuthentication`: Django's session login as a route's credential. The route runs
behind Django's session and authentication middleware (added when the API has no Django
middleware of its own); a request no token authenticated gets its auth context from Django's
`request.user`, and the route's guards are then checked (by the same Rust code) here."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async

from .. import _core
from ..middleware.django_adapter import DjangoMiddlewareStack
from ..middleware.python import MiddlewareResponse

SESSION_MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
                      "django.middleware.csrf.CsrfViewMiddleware",
                      "django.contrib.auth.middleware.AuthenticationMiddleware"]


class SessionStack(DjangoMiddlewareStack):
    """The Django middleware a session route runs behind when its API has none: sessions,
    CSRF (a cookie session must not be usable from another site's form) and authentication."""


def _session_context(user: Any) -> dict[str, Any]:
    return {"user_id": str(user.pk), "is_staff": bool(user.is_staff), "is_superuser": bool(user.is_superuser),
            "auth_backend": "session", "permissions": sorted(user.get_all_permissions()), "auth_claims": None}


class SessionGuard:
    """The innermost middleware of a `SessionAuthentication` route: the route's guards on the
    request's context (a token's, else the session user's), always: Rust let anonymous
    requests through for it."""

    __name__ = "SessionGuard"

    def __init__(self, guards: list[dict[str, Any]]) -> None:
        self.set_guards(guards)

    def set_guards(self, guards: list[dict[str, Any]]) -> None:
        self.guards = json.dumps(guards)

    def bind(self, get_response: Callable[[Any], Any], view: Any = None) -> Callable[[Any], Any]:
        async def run(request: Any) -> Any:
            if request.context is None:
                user = request.user
                if user is not None and getattr(user, "is_authenticated", False):
                    request.context = await sync_to_async(_session_context)(user)
            context = request.context
            denied = _core.check_guards(self.guards, None if context is None else json.dumps(context))
            if denied is not None:
                status, detail = denied
                return MiddlewareResponse(status, [("content-type", "application/json")],
                                          json.dumps({"detail": detail}, separators=(",", ":")).encode())
            return await get_response(request)

        return run
