"""HTTP exceptions; raising one from a handler produces `{"detail": ...}` with its status."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


def checked_status(status_code: Any) -> int:
    """`status_code` as an int, if it is an HTTP status (100-599); else ValueError, raised
    where the response or exception is made rather than when it is sent."""
    if isinstance(status_code, bool):
        raise ValueError(f"status_code must be an HTTP status code (100-599), not {status_code!r}")
    code = int(status_code)
    if not 100 <= code <= 599:
        raise ValueError(f"status_code must be an HTTP status code (100-599), not {status_code!r}")
    return code


class HTTPException(Exception):
    status_code: int = 500

    def __init__(
        self,
        status_code: int | None = None,
        detail: Any = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        *,
        body: Any = None,
    ) -> None:
        if status_code is not None:
            self.status_code = checked_status(status_code)
        if detail is None or detail == "":
            try:
                detail = HTTPStatus(self.status_code).phrase
            except ValueError:  # a valid but unnamed code, e.g. 599
                detail = f"HTTP {self.status_code}"
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra
        self.body = body
        super().__init__(f"{self.status_code}: {detail}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class ClientException(HTTPException):
    status_code = 400


class ServerException(HTTPException):
    status_code = 500


def _subclass(name: str, base: type[HTTPException], code: int) -> type[HTTPException]:
    def __init__(self, detail: Any = None, headers: dict[str, str] | None = None, extra=None, *, body=None):
        HTTPException.__init__(self, code, detail, headers, extra, body=body)

    return type(name, (base,), {"status_code": code, "__init__": __init__, "__module__": __name__})


BadRequest = _subclass("BadRequest", ClientException, 400)
Unauthorized = _subclass("Unauthorized", ClientException, 401)
Forbidden = _subclass("Forbidden", ClientException, 403)
NotFound = _subclass("NotFound", ClientException, 404)
MethodNotAllowed = _subclass("MethodNotAllowed", ClientException, 405)
NotAcceptable = _subclass("NotAcceptable", ClientException, 406)
Conflict = _subclass("Conflict", ClientException, 409)
Gone = _subclass("Gone", ClientException, 410)
UnprocessableEntity = _subclass("UnprocessableEntity", ClientException, 422)
TooManyRequests = _subclass("TooManyRequests", ClientException, 429)
InternalServerError = _subclass("InternalServerError", ServerException, 500)
NotImplemented = _subclass("NotImplemented", ServerException, 501)  # noqa: A001 (django-bolt's name)
BadGateway = _subclass("BadGateway", ServerException, 502)
ServiceUnavailable = _subclass("ServiceUnavailable", ServerException, 503)
GatewayTimeout = _subclass("GatewayTimeout", ServerException, 504)


class ValidationException(Exception):
    """Carries a list of `{"loc", "msg", "type"}` items; answered as 422."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = list(errors)
        super().__init__(self.errors)


class RequestValidationError(ValidationException):
    def __init__(self, errors: list[dict[str, Any]], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body


class ResponseValidationError(ValidationException):
    pass


__all__ = [
    "HTTPException", "ClientException", "ServerException", "BadRequest", "Unauthorized", "Forbidden",
    "NotFound", "MethodNotAllowed", "NotAcceptable", "Conflict", "Gone", "UnprocessableEntity",
    "TooManyRequests", "InternalServerError", "NotImplemented", "BadGateway", "ServiceUnavailable",
    "GatewayTimeout", "ValidationException", "RequestValidationError", "ResponseValidationError",
]
