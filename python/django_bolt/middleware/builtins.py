"""django-bolt's built-in Python middleware."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from ..exceptions import HTTPException, ValidationException
from .python import BaseMiddleware, MiddlewareResponse


class TimingMiddleware(BaseMiddleware):
    """`X-Request-ID` (the client's, else a new one; also `request.state["request_id"]`)
    and `X-Response-Time` (milliseconds) on every response."""

    async def process_request(self, request: Any) -> Any:
        started = time.perf_counter()
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state["request_id"] = request_id
        response = await self.get_response(request)
        response.headers["X-Request-ID"] = request_id
        response.headers["X-Response-Time"] = f"{(time.perf_counter() - started) * 1000:.2f}ms"
        return response


class LoggingMiddleware(BaseMiddleware):
    """One `django_bolt.requests` log line per request: method, path, status, duration."""

    logger = logging.getLogger("django_bolt.requests")

    async def process_request(self, request: Any) -> Any:
        started = time.perf_counter()
        try:
            response = await self.get_response(request)
        except Exception:
            self.logger.exception("%s %s raised", request.method, request.path)
            raise
        self.logger.info("%s %s %s %.2fms", request.method, request.path, response.status_code,
                         (time.perf_counter() - started) * 1000)
        return response


class ErrorHandlerMiddleware(BaseMiddleware):
    """Unexpected exceptions become `{"detail": "Internal Server Error"}` 500s (logged);
    `HTTPException`s and validation errors keep their own answers."""

    logger = logging.getLogger("django_bolt.errors")

    async def process_request(self, request: Any) -> Any:
        try:
            return await self.get_response(request)
        except (HTTPException, ValidationException):
            raise
        except Exception:
            self.logger.exception("unhandled error in %s %s", request.method, request.path)
            return MiddlewareResponse(500, [("content-type", "application/json")],
                                      b'{"detail":"Internal Server Error"}')
