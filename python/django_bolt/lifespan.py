"""Startup and shutdown: `BoltAPI(lifespan=...)` (FastAPI's form: a function of the API
returning an async context manager, code before its `yield` runs at startup and after it at
shutdown) and the ASGI lifespan protocol of applications mounted with `mount_asgi`. Run by
each serving process (every `--processes` worker) before it accepts connections and after it
stops, and by `with TestClient(api):`."""

from __future__ import annotations

import asyncio
from typing import Any

from . import _bridge


class LifespanFailed(RuntimeError):
    pass


SHUTDOWN_TIMEOUT = 30.0  # seconds a mounted app gets to answer lifespan.shutdown


# Each mounted app's lifespan `state`, copied into its requests' scopes (ASGI lifespan state).
_STATES: dict[int, dict[str, Any]] = {}


def state_of(app: Any) -> dict[str, Any] | None:
    return _STATES.get(id(app))


async def _asgi_lifespan(app: Any) -> tuple[asyncio.Queue, asyncio.Queue, asyncio.Task] | None:
    """Start `app`'s lifespan; None when it does not speak the protocol (allowed by ASGI)."""
    to_app: asyncio.Queue = asyncio.Queue()
    from_app: asyncio.Queue = asyncio.Queue()
    state: dict[str, Any] = {}
    _STATES[id(app)] = state
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}

    async def run() -> None:
        try:
            await app(scope, to_app.get, from_app.put)
        except Exception as exc:  # an app without lifespan support raises on the scope type
            await from_app.put({"type": "_raised", "error": exc})

    task = asyncio.ensure_future(run())
    await to_app.put({"type": "lifespan.startup"})
    message = await from_app.get()
    if message["type"] == "_raised":
        return None
    if message["type"] == "lifespan.startup.failed":
        raise LifespanFailed(f"mounted ASGI app {app!r} failed to start: {message.get('message', '')}")
    return to_app, from_app, task


class Lifespans:
    """The APIs' lifespan contexts and the mounted ASGI apps', entered in order and left in
    reverse."""

    def __init__(self, apis: list[Any]) -> None:
        self.apis = [api for api in apis if getattr(api, "lifespan", None) is not None]
        self.asgi_apps = [app for api in apis for app in getattr(api, "asgi_mounts", [])]
        self._entered: list[Any] = []
        self._asgi: list[tuple[asyncio.Queue, asyncio.Queue, asyncio.Task]] = []

    def __bool__(self) -> bool:
        return bool(self.apis or self.asgi_apps)

    async def startup(self) -> None:
        for api in self.apis:
            context = api.lifespan(api)
            await context.__aenter__()
            self._entered.append(context)
        for app in self.asgi_apps:
            started = await _asgi_lifespan(app)
            if started is not None:
                self._asgi.append(started)

    async def shutdown(self) -> None:
        """Every started lifespan is left, in reverse, whatever the others do."""
        errors: list[BaseException] = []
        for to_app, from_app, task in reversed(self._asgi):
            await to_app.put({"type": "lifespan.shutdown"})
            answer = asyncio.ensure_future(from_app.get())
            # The app's task may end (or hang) instead of answering: wait for either, bounded.
            await asyncio.wait({answer, task}, timeout=SHUTDOWN_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
            if answer.done() and answer.result().get("type") == "lifespan.shutdown.failed":
                errors.append(LifespanFailed(answer.result().get("message", "lifespan.shutdown.failed")))
            answer.cancel()
            if not task.done():
                task.cancel()
        self._asgi.clear()
        while self._entered:
            try:
                await self._entered.pop().__aexit__(None, None, None)
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    def run(self, step: str) -> None:
        """`startup` or `shutdown` on the runtime's event loop, from a thread outside it."""
        loop = _bridge.event_loop()
        asyncio.run_coroutine_threadsafe(getattr(self, step)(), loop).result()
