"""django-bolt: Django APIs served by a Rust (actix-web) runtime."""

from .api import BoltAPI, Router
from .exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    HTTPException,
    NotFound,
    RequestValidationError,
    Unauthorized,
    UnprocessableEntity,
)
from .param_functions import Body, Cookie, Depends, Header, Path, Query
from .request import Request
from .responses import HTML, JSON, PlainText, Redirect, Response

__all__ = [
    "BoltAPI", "Router", "Request", "Response", "JSON", "PlainText", "HTML", "Redirect",
    "HTTPException", "BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict",
    "UnprocessableEntity", "RequestValidationError", "Query", "Path", "Header", "Cookie", "Body", "Depends",
]
