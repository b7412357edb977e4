"""Per-route middleware decorators: `@cors`, `@rate_limit`, `@no_compress`,
`@skip_middleware`. Each records its setting on the handler; the settings are read when the
manifest is built, so the decorators work above or below the route decorator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._strings import string_list

ATTRIBUTE = "__bolt_middleware__"
RUST_MIDDLEWARE = ("cors", "compression", "rate_limit", "*")


def route_settings(fn: Any) -> dict[str, Any]:
    return dict(getattr(fn, ATTRIBUTE, None) or {})


def _record(fn: Callable[..., Any], **settings: Any) -> Callable[..., Any]:
    current = route_settings(fn)
    skip = [*current.get("skip", []), *settings.pop("skip", [])]
    current.update(settings)
    if skip:
        current["skip"] = skip
    setattr(fn, ATTRIBUTE, current)
    return fn


def cors(origins: Any = None, methods: Any = None, headers: Any = None, credentials: bool = False,
         max_age: int = 3600, *, origin_regexes: Any = None, expose_headers: Any = None) -> Callable:
    """This route's CORS policy, instead of the global one. `origins` is required (`["*"]`
    allows any origin; with `credentials` the origin is reflected, never `*`)."""
    if not origins and not origin_regexes:
        raise ValueError("@cors() needs origins=[...] (or origin_regexes=[...])")
    origins = string_list(origins or [], "origins")
    if "*" in origins and credentials:
        import warnings

        warnings.warn("@cors(origins=['*'], credentials=True): browsers refuse a wildcard with credentials, "
                      "so each allowed origin is reflected instead", RuntimeWarning, stacklevel=2)
    if not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0:
        raise ValueError(f"@cors(max_age=...) must be a non-negative int of seconds, not {max_age!r}")
    policy = {
        "origins": [o for o in origins if o != "*"], "allow_all": "*" in origins,
        "origin_regexes": string_list(origin_regexes or [], "origin_regexes"),
        "methods": [m.upper() for m in string_list(methods, "methods")] if methods else list(DEFAULT_METHODS),
        "headers": string_list(headers, "headers") if headers else list(DEFAULT_HEADERS),
        "expose_headers": string_list(expose_headers or [], "expose_headers"),
        "credentials": bool(credentials), "max_age": max_age,
    }
    return lambda fn: _record(fn, cors=policy)


# django-cors-headers' defaults.
DEFAULT_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
DEFAULT_HEADERS = ("accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with")


def rate_limit(rps: int = 100, burst: int | None = None, key: str = "ip") -> Callable:
    """At most `rps` requests per second per key (`burst` at once, default 2 × rps), else
    429 with `Retry-After`. `key`: `"ip"` (the first X-Forwarded-For address, X-Real-IP, the
    peer), `"user"` (the authenticated user id, else the IP), or a header name."""
    for name, value in (("rps", rps), ("burst", burst)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ValueError(f"@rate_limit({name}=...) must be a positive int, not {value!r}")
    if not isinstance(key, str) or not key:
        raise ValueError(f"@rate_limit(key=...) must be 'ip', 'user' or a header name, not {key!r}")
    limit = {"rps": rps, "burst": burst if burst is not None else 2 * rps,
             "key": key if key in ("ip", "user") else key.lower()}
    return lambda fn: _record(fn, rate_limit=limit)


def no_compress(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Never compress this route's responses."""
    return _record(fn, no_compress=True)


def skip_middleware(*names: str) -> Callable:
    """Skip middleware for this route: `"cors"`, `"compression"`, `"rate_limit"`, the class
    name of a Python middleware, or `"*"` for all of them."""
    for name in names:
        if not isinstance(name, str) or not name:
            raise TypeError(f"@skip_middleware() takes middleware names, not {name!r}")
    return lambda fn: _record(fn, skip=list(names))
