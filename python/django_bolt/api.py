"""`BoltAPI` and `Router`: route registration. Signatures are compiled here, once."""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ._composition import compile_route
from ._signature import ParamInfo, RouteDefinitionError, check_return_annotation
from ._types import describe
from .auth.backends import BaseAuthentication, SessionAuthentication
from .auth.defaults import effective_auth, effective_guards
from .auth.guards import _guard, guards_manifest
from .auth.session import SESSION_MIDDLEWARE, SessionGuard, SessionStack
from .middleware.compression import CompressionConfig
from .middleware.decorators import route_settings
from .middleware.django_adapter import DjangoMiddlewareStack, resolve_django_middleware
from .middleware.python import build_chain, check_middleware, middleware_name
from .mounts import mount_asgi as _mount_asgi
from .mounts import mount_django as _mount_django

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
TRAILING_SLASH_MODES = ("strip", "append", "keep")
_PATH_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
_UNSET: Any = object()
_UNSUPPORTED_OPTIONS = ("validate_response", "response_class")


@dataclass
class RouteDef:
    method: str
    path: str
    fn: Callable[..., Any]
    status_code: int
    params: list[ParamInfo]
    response_type: Any
    name: str
    is_async: bool
    meta: dict[str, Any] = field(default_factory=dict)
    # What the runtime calls with the wire values when they are not the handler's arguments
    # one to one (dependencies, parameter models, embedded bodies); None: the handler itself.
    invoker: Callable[..., Any] | None = None
    dependencies: list[Any] = field(default_factory=list)  # `dependencies=` (routers' first)
    # `auth=`/`guards=` (the route's, else its router's or API's; None: the settings' default)
    auth: list[Any] | None = None
    guards: list[Any] | None = None
    # The Python middleware around the handler (global, router, route), after skips.
    middleware: list[Any] = field(default_factory=list)
    # `SessionAuthentication`: the chain ends in a session guard (`auth/session.py`).
    session_guard: bool = False

    @property
    def callable(self) -> Callable[..., Any]:
        return self.invoker or self.fn

    @property
    def handler_name(self) -> str:
        return f"{self.fn.__module__}:{self.fn.__qualname__}"

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def path_param_names(path: str) -> list[str]:
    return _PATH_PARAM.findall(path)


def _encode_literals(path: str) -> str:
    """Literal segments as they arrive on the wire: routes are matched against the raw
    (percent-encoded) request path, so `/café` is registered as `/caf%C3%A9`."""
    return "/".join(seg if seg.startswith("{") else quote(seg, safe="!$&'()*+,;=:@-._~%")
                    for seg in path.split("/"))


def normalize_path(path: str, mode: str) -> str:
    if not path.startswith("/"):
        path = "/" + path
    path = _encode_literals(path)
    if path == "/" or mode == "keep" or path.endswith(":path}"):
        return path
    if mode == "strip":
        return path.rstrip("/") or "/"
    return path if path.endswith("/") else path + "/"


class _Registrar:
    """The `@x.get(...)`-style decorators shared by `BoltAPI` and `Router`."""

    def _register(self, method: str, path: str, fn: Callable[..., Any], options: dict[str, Any]) -> None:
        raise NotImplementedError

    def _decorator(self, method: str, path: str, options: dict[str, Any]) -> Callable[[Callable], Callable]:
        for key in _UNSUPPORTED_OPTIONS:
            if options.get(key) is not None:
                raise TypeError(f"@{method.lower()}({path!r}): {key}= is not supported yet")

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            self._register(method, path, fn, options)
            return fn

        return decorate

    def _route(method: str):  # noqa: N805 (builds the methods below)
        def route(self, path: str = "/", *, name: str | None = None, response_model: Any = _UNSET,
                  status_code: int | None = None, tags: list[str] | None = None, summary: str | None = None,
                  description: str | None = None, include_in_schema: bool | None = None, **options: Any):
            return self._decorator(method, path, {
                "name": name, "response_model": response_model, "status_code": status_code, "tags": tags,
                "summary": summary, "description": description, "include_in_schema": include_in_schema,
                **options,
            })

        route.__name__ = method.lower()
        return route

    get = _route("GET")
    post = _route("POST")
    put = _route("PUT")
    patch = _route("PATCH")
    delete = _route("DELETE")
    head = _route("HEAD")
    options = _route("OPTIONS")
    del _route


class Router(_Registrar):
    """A group of routes with a shared prefix, included into an API with `include_router`."""

    def __init__(self, prefix: str = "", tags: list[str] | None = None, dependencies: list[Any] | None = None,
                 auth: list[Any] | None = None, guards: list[Any] | None = None,
                 middleware: list[Any] | None = None, **options: Any) -> None:
        for key in _UNSUPPORTED_OPTIONS:
            if options.pop(key, None) is not None:
                raise TypeError(f"Router({key}=...) is not supported yet")
        if options:
            raise TypeError(f"Router() got unexpected arguments: {', '.join(sorted(options))}")
        self.prefix = prefix.rstrip("/")
        self.tags = tags or []
        self.dependencies = list(dependencies or [])
        self.auth, self.guards = _auth_list(auth, "Router(auth=...)"), _guard_list(guards)
        self.middleware = _middleware_list(middleware)
        self.routes: list[tuple[str, str, Callable[..., Any], dict[str, Any]]] = []

    def _register(self, method: str, path: str, fn: Callable[..., Any], options: dict[str, Any]) -> None:
        self.routes.append((method, self.prefix + path, fn, self._enclose(options)))

    def include_router(self, router: Router, prefix: str = "") -> None:
        for method, path, fn, options in router.routes:
            self.routes.append((method, self.prefix + prefix.rstrip("/") + path, fn, self._enclose(options)))

    def _enclose(self, options: dict[str, Any]) -> dict[str, Any]:
        """A route's options inside this router: its dependencies and middleware first, its
        auth and guards where the route (or an inner router) sets none."""
        options = _with_dependencies(options, self.dependencies)
        if self.middleware:
            options = {**options, "middleware": [*self.middleware, *(options.get("middleware") or [])]}
        for key in ("auth", "guards"):
            if options.get(key) is None and getattr(self, key) is not None:
                options = {**options, key: getattr(self, key)}
        return options


def _with_dependencies(options: dict[str, Any], outer: list[Any]) -> dict[str, Any]:
    """The route's options with the enclosing router's dependencies first."""
    if not outer:
        return options
    return {**options, "dependencies": [*outer, *(options.get("dependencies") or [])]}


def _auth_list(auth: Any, where: str) -> list[Any] | None:
    if auth is None:
        return None
    items = [auth] if isinstance(auth, BaseAuthentication) else list(auth)
    for item in items:
        if isinstance(item, type) and issubclass(item, BaseAuthentication):
            raise TypeError(f"{where}: pass an instance ({item.__name__}()), not the class")
        if not isinstance(item, BaseAuthentication):
            raise TypeError(f"{where}: {item!r} is not an authentication backend")
    return items


def _guard_list(guards: Any) -> list[Any] | None:
    if guards is None:
        return None
    items = [guards] if not isinstance(guards, (list, tuple)) else list(guards)
    items = [_guard(g) for g in items]
    guards_manifest(items)  # a guard Rust cannot evaluate is an error here, not at the first request
    return items


def _middleware_list(middleware: Any) -> list[Any]:
    items = list(middleware or [])
    for item in items:
        check_middleware(item)
    return items


class BoltAPI(_Registrar):
    def __init__(self, prefix: str = "", trailing_slash: str = "strip", namespace: str | None = None, *,
                 middleware: list[Any] | None = None, django_middleware: Any = None, compression: Any = None,
                 auth: list[Any] | None = None, guards: list[Any] | None = None, enable_logging: bool = True,
                 logging_config: Any = None, lifespan: Any = None) -> None:
        if trailing_slash not in TRAILING_SLASH_MODES:
            raise ValueError(f"trailing_slash must be one of {TRAILING_SLASH_MODES}, got {trailing_slash!r}")
        if compression not in (None, False) and not isinstance(compression, CompressionConfig):
            raise TypeError(f"compression must be a CompressionConfig, None or False, not {compression!r}")
        self.compression = compression or None
        # The access log (`django_bolt.logging`): this API's config, or off.
        self.logging_config = logging_config if enable_logging else False
        if lifespan is not None and not callable(lifespan):
            raise TypeError("lifespan must be a function of the API returning an async context manager, "
                            f"not {lifespan!r}")
        self.lifespan = lifespan
        self.asgi_mounts: list[Any] = []  # their lifespan events are sent with the API's
        self.middleware = _middleware_list(middleware)
        self.django_middleware = django_middleware
        self.auth, self.guards = _auth_list(auth, "BoltAPI(auth=...)"), _guard_list(guards)
        self.prefix = prefix.rstrip("/")
        self.trailing_slash = trailing_slash
        self.namespace = namespace
        self.routes: list[RouteDef] = []
        self._by_key: dict[str, RouteDef] = {}

    def _register(self, method: str, path: str, fn: Callable[..., Any], options: dict[str, Any]) -> None:
        full = normalize_path(self.prefix + (path or "/"), self.trailing_slash)
        self.add_route(method, full, fn, options)

    def add_route(self, method: str, full_path: str, fn: Callable[..., Any], options: dict[str, Any]) -> RouteDef:
        if not callable(fn):
            raise RouteDefinitionError(f"{method} {full_path}: handler {fn!r} is not callable")
        call = compile_route(fn, method, full_path, path_param_names(full_path), options.get("dependencies") or ())
        response_model = options.get("response_model", _UNSET)
        if response_model is _UNSET:
            response_model = typing.get_type_hints(fn, include_extras=True).get("return", typing.Any)
        check_return_annotation(f"{fn.__module__}:{fn.__qualname__}", response_model)
        label = f"@{method.lower()}({full_path!r})"
        auth = _auth_list(options.get("auth"), f"{label} auth=")
        guards = _guard_list(options.get("guards"))
        route = RouteDef(
            method=method, path=full_path, fn=fn, status_code=options.get("status_code") or 200,
            params=call.params, response_type=response_model, name=options.get("name") or fn.__name__,
            is_async=call.is_async, invoker=call.invoker, dependencies=list(options.get("dependencies") or []),
            meta={k: v for k, v in options.items() if k in ("tags", "summary", "description") and v},
            auth=auth if auth is not None else self.auth, guards=guards if guards is not None else self.guards,
        )
        if options.get("with_middleware") is not None:  # a mounted API's route, its chain already chosen
            items = list(options["with_middleware"])
        else:
            items = self._python_middleware(fn, options)
        # A mounted route's session guard (and its session stack) are the inner API's: made again here.
        items = [i for i in items if not isinstance(i, (SessionGuard, SessionStack))]
        if any(isinstance(b, SessionAuthentication) for b in effective_auth(route.auth)):
            # Never skipped: without it, a session route's guards would not be checked at all.
            if not any(isinstance(i, (DjangoMiddlewareStack, _LazyDjangoStack)) for i in items):
                items.insert(0, SessionStack(SESSION_MIDDLEWARE))
            # Its guards are set from the manifest's (`build/policy.py`), so Rust and Python agree.
            items.append(SessionGuard(guards_manifest(effective_guards(route.guards))))
            route.session_guard = True
        if items:
            _wrap_in_middleware(route, items)
        existing = self._by_key.get(route.key)
        if existing is not None:
            raise RouteDefinitionError(
                f"duplicate route {route.key}: {existing.handler_name} and {route.handler_name}")
        self._by_key[route.key] = route
        self.routes.append(route)
        return route

    def include_router(self, router: Router, prefix: str = "") -> None:
        for method, path, fn, options in router.routes:
            self._register(method, prefix.rstrip("/") + path, fn, options)

    def mount(self, path: str, api: BoltAPI) -> None:
        if not isinstance(api, BoltAPI):
            raise TypeError(f"mount() expects a BoltAPI, got {type(api).__name__}")
        base = "/" + path.strip("/") if path.strip("/") else ""
        for route in api.routes:
            full = normalize_path(base + route.path, self.trailing_slash)
            skipped = set(route_settings(route.fn).get("skip", []))
            outer = [] if "*" in skipped else [m for m in self._outer_middleware()
                                               if middleware_name(m) not in skipped]
            self.add_route(route.method, full, route.fn, {"status_code": route.status_code,
                                                          "response_model": route.response_type,
                                                          "name": route.name,
                                                          "dependencies": route.dependencies,
                                                          "auth": route.auth, "guards": route.guards,
                                                          "with_middleware": [*outer, *route.middleware]})

    def mount_asgi(self, path: str, app: Any) -> None:
        """Serve the ASGI application `app` (Starlette, another framework) under `path`."""
        _mount_asgi(self, path, app)
        self.asgi_mounts.append(app)

    def mount_django(self, path: str) -> None:
        """Serve the project's Django URLconf under `path` (Django sees it as `SCRIPT_NAME`)."""
        _mount_django(self, path)

    def _outer_middleware(self) -> list[Any]:
        """This API's own Python middleware: its Django middleware adapter first."""
        items = list(self.middleware)
        if self.django_middleware not in (None, False):
            items.insert(0, _LazyDjangoStack(self.django_middleware, DjangoMiddlewareStack, resolve_django_middleware))
        return items

    def _python_middleware(self, fn: Callable[..., Any], options: dict[str, Any]) -> list[Any]:
        """The route's Python middleware (global, router, route, decorators) minus the ones
        `@skip_middleware` names."""
        settings = route_settings(fn)
        items = [*self._outer_middleware(), *_middleware_list(options.get("middleware")),
                 *_middleware_list(settings.get("python"))]
        skipped = set(settings.get("skip", []))
        if "*" in skipped:
            return []
        return [m for m in items if middleware_name(m) not in skipped]

    def response_descriptor(self, route: RouteDef) -> dict[str, Any]:
        return describe(route.response_type)


class _LazyDjangoStack:
    """`django_middleware=` resolved against settings.MIDDLEWARE on first use (an API may be
    built before Django's settings are)."""

    def __init__(self, config: Any, stack: Any, resolve: Any) -> None:
        self.config, self.stack, self.resolve = config, stack, resolve
        self.__name__ = "DjangoMiddleware"

    def bind(self, get_response: Callable[[Any], Any], view: Any = None) -> Callable[[Any], Any]:
        return self.stack(self.resolve(self.config)).bind(get_response, view)


def _wrap_in_middleware(route: RouteDef, items: list[Any]) -> None:
    """Run `route` through its Python middleware chain: the chain needs the request, which
    becomes a hidden parameter when the handler does not take one."""
    request_index = next((i for i, p in enumerate(route.params) if p.source == "request"), None)
    takes_request = request_index is not None
    if request_index is None:
        request_index = len(route.params)
        route.params.append(ParamInfo("_bolt_request", "_bolt_request", "request", {"kind": "any"}, True))
    route.invoker = build_chain(items, route.callable, route.is_async, route.status_code, route.response_type,
                                request_index, takes_request, route.fn)
    route.is_async = True
    route.middleware = items
