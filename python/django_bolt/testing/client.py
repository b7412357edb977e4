"""`TestClient(api)`: an `httpx.Client` whose transport calls the Rust pipeline directly.

Handlers run in the calling thread, so they see rows the test wrote in its transaction.
`compiled=True` dispatches through a generated, compiled route table instead of the
interpreted one."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from ..api import BoltAPI
from ..runtime import RuntimeApp, collect_routes, create_app


class BoltTransport(httpx.BaseTransport):
    def __init__(self, runtime: RuntimeApp) -> None:
        self.runtime = runtime

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raw_path = request.url.raw_path.decode("ascii")
        path, _, query = raw_path.partition("?")
        # Decoded as the server decodes them (UTF-8, invalid bytes replaced).
        headers = [(k.decode("latin-1"), v.decode("utf-8", "replace")) for k, v in request.headers.raw]
        status, response_headers, body, stream = self.runtime.test_request(request.method, path, query, headers,
                                                                           request.read())
        if stream is not None:
            return httpx.Response(status, headers=response_headers, stream=PulledStream(*stream), request=request)
        return httpx.Response(status, headers=response_headers, content=body, request=request)


class PulledStream(httpx.SyncByteStream):
    """A streamed response's chunks, each produced when the test reads it (so a test sees
    the first chunk before the generator finishes); closing it closes the generator."""

    def __init__(self, iterator: Any, is_async: bool) -> None:
        self.iterator, self.is_async = iterator, is_async
        # One loop for the generator's whole life: a loop that closes finalizes the async
        # generators that started on it.
        self.loop = asyncio.new_event_loop() if is_async else None

    def __iter__(self):
        if self.loop is None:
            yield from self.iterator
            return
        while True:
            try:
                yield self.loop.run_until_complete(self.iterator.__anext__())
            except StopAsyncIteration:
                return

    def close(self) -> None:
        if self.loop is None:
            self.iterator.close()
            return
        if not self.loop.is_closed():
            self.loop.run_until_complete(self.iterator.aclose())
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()


# Allowed besides ALLOWED_HOSTS, as under Django's test runner (`setup_test_environment`).
TEST_HOSTS = ("testserver",)


class TestClient(httpx.Client):
    __test__ = False  # not a pytest test class

    def __init__(self, api: BoltAPI | list[BoltAPI], base_url: str = "http://testserver",
                 raise_server_exceptions: bool = True, *, compiled: bool | str = False, debug: bool | None = None,
                 django_urls: bool = False, **kwargs: Any) -> None:
        # Accepted for django-bolt compatibility: as there, handler exceptions always come back
        # as 500 responses (logged with their traceback), never as raised exceptions.
        del raise_server_exceptions
        if compiled:
            from .compiled import compiled_project

            # `compiled="release"` builds an optimized extension (benchmarks); True builds dev.
            project, module = compiled_project(api, profile="release" if compiled == "release" else "dev",
                                               django_urls=django_urls)
            self.runtime = create_app(project, compiled=module, debug=debug, extra_hosts=TEST_HOSTS)
        else:
            self.runtime = create_app(collect_routes(api, django_urls=django_urls), debug=debug,
                                      extra_hosts=TEST_HOSTS)
        self.app = self.runtime.app
        self.manifest = self.runtime.project.manifest
        kwargs.setdefault("follow_redirects", True)
        super().__init__(base_url=base_url, transport=BoltTransport(self.runtime), **kwargs)

    def __enter__(self) -> TestClient:
        """`with TestClient(api) as client:` runs the lifespans' startup, and their shutdown
        on the way out."""
        super().__enter__()
        lifespans = self.runtime.project.lifespans
        if lifespans:
            lifespans.run("startup")  # on the runtime's loop, where the app's tasks live
        return self

    def __exit__(self, *exc_info: Any) -> None:
        lifespans = self.runtime.project.lifespans
        try:
            if lifespans:
                lifespans.run("shutdown")
        finally:
            super().__exit__(*exc_info)

    def request(self, method: str, url: Any, *, stream: bool = False, **kwargs: Any) -> httpx.Response:
        """`stream=True` (django-bolt's spelling) returns before the body is read: iterate it
        with `iter_bytes()` / `iter_lines()`, then `close()` it."""
        if not stream:
            return super().request(method, url, **kwargs)
        send_keys = ("auth", "follow_redirects")
        send = {k: kwargs.pop(k) for k in send_keys if k in kwargs}
        return self.send(self.build_request(method, url, **kwargs), stream=True, **send)

    def get(self, url: Any, *, stream: bool = False, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, stream=stream, **kwargs)


class AsyncBoltTransport(httpx.AsyncBaseTransport):
    """The same in-process call, made from a worker thread so the event loop keeps running."""

    def __init__(self, runtime: RuntimeApp) -> None:
        self.sync = BoltTransport(runtime)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response = await asyncio.get_running_loop().run_in_executor(None, self.sync.handle_request, request)
        if isinstance(response.stream, PulledStream):
            chunks = await asyncio.get_running_loop().run_in_executor(None, lambda: list(response.stream))
            return httpx.Response(response.status_code, headers=response.headers, content=b"".join(chunks),
                                  request=request)
        return response


class AsyncTestClient(httpx.AsyncClient):
    """`async with AsyncTestClient(api) as client: await client.get(...)`. Requests run in a
    worker thread (handlers there use that thread's database connection, as under a server);
    streamed bodies are read whole."""

    __test__ = False

    def __init__(self, api: BoltAPI | list[BoltAPI], base_url: str = "http://testserver",
                 raise_server_exceptions: bool = True, *, compiled: bool | str = False, debug: bool | None = None,
                 django_urls: bool = False, **kwargs: Any) -> None:
        del raise_server_exceptions
        self.runtime = TestClient(api, compiled=compiled, debug=debug, django_urls=django_urls).runtime
        self.app = self.runtime.app
        kwargs.setdefault("follow_redirects", True)
        super().__init__(base_url=base_url, transport=AsyncBoltTransport(self.runtime), **kwargs)
