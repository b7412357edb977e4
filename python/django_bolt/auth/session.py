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
from ..middleware.python import MiddlewareResponse

SESSION_MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
                      "django.contrib.auth.middleware.AuthenticationMiddleware"]


def _session_context(user: Any) -> dict[str, Any]:
    return {"user_id": str(user.pk), "is_staff": bool(user.is_staff), "is_superuser": bool(user.is_superuser),
            "auth_backend": "session", "permissions": sorted(user.get_all_permissions()), "auth_claims": None}


class SessionGuard:
    """The innermost middleware of a `SessionAuthentication` route."""

    __name__ = "SessionGuard"

    def __init__(self, guards: list[dict[str, Any]]) -> None:
        self.guards = json.dumps(guards)

    def bind(self, get_response: Callable[[Any], Any], view: Any = None) -> Callable[[Any], Any]:
        guards = self.guards

        async def run(request: Any) -> Any:
            if request.context is None:
                user = request.user
                if user is not None and getattr(user, "is_authenticated", False):
                    request.context = await sync_to_async(_session_context)(user)
                denied = _core.check_guards(guards, None if request.context is None else json.dumps(request.context))
                if denied is not None:
                    status, detail = denied
                    return MiddlewareResponse(status, [("content-type", "application/json")],
                                              json.dumps({"detail": detail}, separators=(",", ":")).encode())
            return await get_response(request)

        return run
