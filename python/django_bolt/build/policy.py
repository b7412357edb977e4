"""Each route's Rust middleware for the manifest (`RoutePolicy` in bolt-schema): its
`@cors`/`@rate_limit`/`@no_compress`/`@skip_middleware` settings, its authentication
backends (by index into the manifest's `auth_backends`) and its guards. Route settings win
over the settings' defaults (`BOLT_AUTHENTICATION_CLASSES`, `BOLT_DEFAULT_PERMISSION_CLASSES`)."""

from __future__ import annotations

from typing import Any

from ..api import RouteDef
from ..auth.backends import SessionAuthentication
from ..auth.defaults import effective_auth, effective_guards
from ..auth.guards import guards_manifest
from ..auth.session import SessionGuard
from ..middleware.decorators import RUST_MIDDLEWARE, route_settings


class Backends:
    """The auth backends routes use, each once, in order of first use."""

    def __init__(self) -> None:
        self.objects: list[Any] = []

    def index(self, backend: Any) -> int:
        for i, known in enumerate(self.objects):
            if known is backend:
                return i
        self.objects.append(backend)
        return len(self.objects) - 1


def route_policy(route: RouteDef, backends: Backends) -> dict[str, Any] | None:
    settings = route_settings(route.fn)
    policy: dict[str, Any] = {}
    for key in ("cors", "rate_limit"):
        if key in settings:
            policy[key] = settings[key]
    if settings.get("no_compress"):
        policy["no_compress"] = True
    skip = [name for name in settings.get("skip", []) if name in RUST_MIDDLEWARE]
    if skip:
        policy["skip"] = sorted(set(skip))
    auth = effective_auth(route.auth)
    rust_auth = [b for b in auth if not isinstance(b, SessionAuthentication)]
    if len(rust_auth) != len(auth):
        if not route.session_guard:
            raise TypeError(
                f"{route.handler_name}: SessionAuthentication became a default after the route was registered "
                "(set BOLT_AUTHENTICATION_CLASSES before the API module is imported)")
        policy["session"] = True
    if rust_auth:
        policy["auth"] = [backends.index(b) for b in rust_auth]
    guards = effective_guards(route.guards)
    described = guards_manifest(guards)
    for item in route.middleware:
        if isinstance(item, SessionGuard):  # the guards Rust defers to it: exactly these
            item.set_guards(described)
    if described and described[0] != {"kind": "allow_any"}:
        policy["guards"] = described
    return policy or None


def backend_entries(backends: Backends) -> list[dict[str, Any]]:
    return [b.manifest() for b in backends.objects]
