"""Other applications under a BoltAPI prefix: `api.mount_asgi(prefix, app)` (any ASGI 3 app,
e.g. Starlette) and `api.mount_django(prefix)` (the project's Django URLconf), each behind one
catch-all route per method. The request is handed over in-process, its body and response
streamed through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from ._bridge import django_dispatch
from .lifespan import state_of
from .middleware.python import MiddlewareResponse
from .responses import StreamingResponse

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _scope(request: Any, root_path: str, app: Any = None) -> dict[str, Any]:
    meta = request.META
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()]
    raw = request.get_full_path()
    host, port = meta.get("SERVER_NAME", "testserver"), meta.get("SERVER_PORT", "80")
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": request.method, "scheme": meta.get("wsgi.url_scheme", "http"), "path": request.path,
            "raw_path": raw.split("?", 1)[0].encode(), "root_path": root_path,
            "query_string": request.query_string.encode(), "headers": headers, "client": None,
            "server": (host, int(port) if str(port).isdigit() else 80),
            **({"state": dict(state)} if (state := state_of(app)) is not None else {})}


async def call_asgi(app: Any, request: Any, root_path: str) -> MiddlewareResponse:
    """`request` through the ASGI app `app`: its response, streamed as the app sends it."""
    body_sent = False
    done = asyncio.Event()
    chunks: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(maxsize=16)  # backpressure
    started: asyncio.Future[tuple[int, list[tuple[bytes, bytes]]]] = asyncio.get_running_loop().create_future()

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not started.done():
            started.set_result((message["status"], list(message.get("headers", []))))
        elif message["type"] == "http.response.body":
            if message.get("body"):
                await chunks.put(bytes(message["body"]))
            if not message.get("more_body", False):
                await chunks.put(None)

    async def run() -> None:
        try:
            await app(_scope(request, root_path, app), receive, send)
        except Exception as exc:
            if not started.done():
                started.set_exception(exc)
            else:
                await chunks.put(exc)  # after the head: the body breaks off, the error is raised
        finally:
            if not started.done():
                started.set_exception(RuntimeError(f"ASGI app {app!r} returned without a response"))
            await chunks.put(None)
            done.set()

    task = asyncio.ensure_future(run())
    status, headers = await started

    async def body() -> AsyncIterator[bytes]:
        try:
            while (chunk := await chunks.get()) is not None:
                if isinstance(chunk, BaseException):
                    raise chunk
                yield chunk
        finally:
            done.set()
            if not task.done():  # the client went away: the app is not waited for
                task.cancel()

    decoded = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in headers]
    # Every header as sent (each Set-Cookie apart), the body streamed as the app sends it.
    return MiddlewareResponse(status, [(k, v) for k, v in decoded if k != "content-length"], b"",
                              StreamingResponse(body())._stream())


def mount_asgi(api: Any, prefix: str, app: Any) -> None:
    base = "/" + prefix.strip("/")

    async def handler(request: Any, asgi_path: str) -> MiddlewareResponse:
        return await call_asgi(app, request, base)

    handler.__qualname__ = handler.__name__ = f"asgi_mount_{base.strip('/').replace('/', '_') or 'root'}"
    for method in METHODS:
        api._register(method, f"{base}/{{asgi_path:path}}", handler, {"name": handler.__name__})


def mount_django(api: Any, prefix: str) -> None:
    """The project's Django URLconf under `prefix` (Django sees `SCRIPT_NAME=prefix`, so
    `reverse()` includes it)."""
    base = "/" + prefix.strip("/")

    def handler(request: Any, django_path: str) -> Any:
        request.META["SCRIPT_NAME"] = base
        request.META["PATH_INFO"] = "/" + django_path  # already decoded by the route's capture
        return django_dispatch(request)

    handler.__qualname__ = handler.__name__ = f"django_mount_{base.strip('/').replace('/', '_') or 'root'}"
    for method in METHODS:
        api._register(method, f"{base}/{{django_path:path}}", handler, {"name": handler.__name__})


