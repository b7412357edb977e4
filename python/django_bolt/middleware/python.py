"""Python middleware: classes (`BaseMiddleware`/`Middleware`, or any `cls(get_response)`
with `async __call__(request)`), functions decorated with `@middleware`, run around a
route's handler in the order global → router → route, and back out in reverse.

Only routes with Python middleware get a chain: a route without any is called directly.
A middleware sees `MiddlewareResponse` objects (`status_code`, `headers`, `body`)."""

from __future__ import annotations

import contextvars
import fnmatch
import inspect
from collections.abc import Callable
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async

from .. import _bridge
from ..responses import Response
from .decorators import ATTRIBUTE, route_settings


class MiddlewareResponse(Response):
    """A handler's result as middleware sees it. `body` is the encoded body (bytes); a
    streamed response keeps its stream (`body` is then `b""`)."""

    media_type = None

    def __init__(self, status_code: int, headers: list[tuple[str, str]] | dict[str, str], body: bytes = b"",
                 stream: tuple[Any, ...] | None = None) -> None:
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
        super().__init__(body, status_code, {k: v for k, v in pairs if k.lower() != "set-cookie"})
        self.body = body
        self._set_cookies = [v for k, v in pairs if k.lower() == "set-cookie"]
        self._stream_spec = stream

    def render_body(self) -> bytes:
        body = self.body
        return body.encode() if isinstance(body, str) else bytes(body)

    def _stream(self) -> tuple[Any, ...] | None:
        return self._stream_spec

    def _render(self) -> tuple[int, list[tuple[str, str]], bytes, tuple[Any, ...] | None]:
        status, headers, body, stream = super()._render()
        return status, headers + [("set-cookie", v) for v in self._set_cookies], body, stream


def as_middleware_response(result: Any, status_code: int, response_type: Any) -> MiddlewareResponse:
    """A handler's return value rendered as the runtime would render it."""
    if isinstance(result, MiddlewareResponse):
        return result
    if isinstance(result, _bridge.RESPONSE_TYPES):
        return MiddlewareResponse(*_bridge.render_response(result))
    if status_code == 204:
        return MiddlewareResponse(204, [], b"")
    if isinstance(result, str):
        return MiddlewareResponse(status_code, [("content-type", "text/plain; charset=utf-8")], result.encode())
    if isinstance(result, bytes):
        return MiddlewareResponse(status_code, [("content-type", "application/octet-stream")], result)
    return MiddlewareResponse(status_code, [("content-type", "application/json")],
                              _bridge.encode_declared(result, response_type))


class BaseMiddleware:
    """A middleware class: override `process_request(request)`, calling
    `await self.get_response(request)` for the rest of the chain. Requests whose path
    matches one of `exclude_paths` (globs) or whose method is in `exclude_methods` skip it."""

    exclude_paths: list[str] = []
    exclude_methods: list[str] = []

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    async def __call__(self, request: Any) -> Any:
        if self._excluded(request):
            return await self.get_response(request)
        return await self.process_request(request)

    def _excluded(self, request: Any) -> bool:
        if request.method in {m.upper() for m in self.exclude_methods}:
            return True
        path = request.path
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.exclude_paths)

    async def process_request(self, request: Any) -> Any:
        return await self.get_response(request)


class Middleware(BaseMiddleware):
    """django-bolt's name for the middleware base class."""


class FunctionMiddleware:
    """`@middleware async def m(request, call_next)`: usable in `middleware=[m]` lists and as
    a route decorator (`@m` under the route decorator)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"@middleware needs an async def (request, call_next), not {fn!r}")
        self.fn = fn
        self.__name__ = getattr(fn, "__name__", "middleware")

    def bind(self, get_response: Callable[[Any], Any], view: Any = None) -> Callable[[Any], Any]:
        fn = self.fn

        async def call(request: Any) -> Any:
            return await fn(request, get_response)

        return call

    def __call__(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        return add_route_middleware(handler, self)


class _ClassOnRoute:
    """`@middleware(MClass)` on a route."""

    def __init__(self, cls: type) -> None:
        check_middleware(cls)
        self.cls = cls

    def __call__(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        return add_route_middleware(handler, self.cls)


def middleware(target: Any) -> Any:
    """`@middleware` on `async def m(request, call_next)`, or `@middleware(MClass)` on a route."""
    if isinstance(target, type):
        return _ClassOnRoute(target)
    return FunctionMiddleware(target)


def add_route_middleware(handler: Callable[..., Any], item: Any) -> Callable[..., Any]:
    settings = route_settings(handler)
    # Decorators apply bottom-up; the topmost runs first, so each one goes in front.
    settings["python"] = [item, *settings.get("python", [])]
    setattr(handler, ATTRIBUTE, settings)
    return handler


def check_middleware(item: Any) -> None:
    """Middleware lists take classes (or `@middleware` functions), as django-bolt does."""
    if isinstance(item, (FunctionMiddleware, DjangoMiddlewareMarker)):
        return
    if not isinstance(item, type):
        raise TypeError(f"middleware must be a class (or an @middleware function), not an instance: {item!r}; "
                        f"pass {type(item).__name__}, not {type(item).__name__}()")


class DjangoMiddlewareMarker:
    """Base of the Django middleware adapters (`DjangoMiddleware`, `DjangoMiddlewareStack`)."""

    def bind(self, get_response: Callable[[Any], Any], view: Any = None) -> Callable[[Any], Any]:
        raise NotImplementedError


def middleware_name(item: Any) -> str:
    """The name `@skip_middleware(...)` knows a middleware by: its class's (or function's)."""
    return getattr(item, "__name__", None) or type(item).__name__


def _instantiate(item: Any, get_response: Callable[[Any], Any], view: Any) -> Callable[[Any], Any]:
    if hasattr(item, "bind") and not isinstance(item, type):
        return item.bind(get_response, view)
    return item(get_response)


_WIRE: contextvars.ContextVar[tuple[Any, ...]] = contextvars.ContextVar("bolt_wire")


def build_chain(items: list[Any], handler_call: Callable[..., Any], is_async: bool, status_code: int,
                response_type: Any, request_index: int, pass_request: bool, view: Any) -> Callable[..., Any]:
    """The route's callable: the middleware chain around `handler_call`, which receives the
    wire values (without the request when the handler does not take one). The chain is
    built once, on the first request; the innermost step finds its request's wire values in
    a context variable, so middleware instances live as long as the app."""
    call = handler_call if is_async else sync_to_async(handler_call)

    async def innermost(request: Any) -> Any:
        wire = _WIRE.get()
        args = wire if pass_request else wire[:request_index] + wire[request_index + 1:]
        result = await call(*args)
        return as_middleware_response(result, status_code, response_type)

    chain: list[Callable[[Any], Any]] = []

    async def run(*wire: Any) -> Any:
        if not chain:
            get_response: Callable[[Any], Any] = innermost
            for item in reversed(items):
                get_response = _instantiate(item, get_response, view)
            chain.append(get_response)
        token = _WIRE.set(wire)
        try:
            # Each request's thread-sensitive sync code (sync handlers, Django's middleware)
            # gets its own thread, as under Django's ASGI handler, instead of one thread for
            # the process; under the TestClient it stays in the test's thread.
            async with ThreadSensitiveContext():
                return await chain[0](wire[request_index])
        finally:
            _WIRE.reset(token)

    return run
