"""`TestClient(api)`: an `httpx.Client` whose transport calls the Rust pipeline directly.

Handlers run in the calling thread, so they see rows the test wrote in its transaction."""

from __future__ import annotations

from typing import Any

import httpx

from .. import _core
from ..api import BoltAPI
from ..runtime import create_app


class BoltTransport(httpx.BaseTransport):
    def __init__(self, app: _core.App) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raw_path = request.url.raw_path.decode("ascii")
        path, _, query = raw_path.partition("?")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        status, response_headers, body = _core.test_request(
            self.app, request.method, path, query, headers, request.read())
        return httpx.Response(status, headers=response_headers, content=body, request=request)


class TestClient(httpx.Client):
    __test__ = False  # not a pytest test class

    def __init__(self, api: BoltAPI | list[BoltAPI], base_url: str = "http://testserver",
                 raise_server_exceptions: bool = True, *, debug: bool | None = None, **kwargs: Any) -> None:
        self.app, self.manifest = create_app(api, debug=debug)
        # Accepted for django-bolt compatibility: as there, handler exceptions always come back
        # as 500 responses (logged with their traceback), never as raised exceptions.
        del raise_server_exceptions
        kwargs.setdefault("follow_redirects", True)
        super().__init__(base_url=base_url, transport=BoltTransport(self.app), **kwargs)
