"""django-bolt: Django APIs served by a Rust (actix-web) runtime."""

from ._enums import FileSize, MediaType
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
from .param_functions import Body, Cookie, Depends, File, Form, Header, Path, Query
from .request import Request
from .responses import (
    HTML,
    JSON,
    EventSourceResponse,
    FileResponse,
    PlainText,
    Redirect,
    Response,
    ServerSentEvent,
    StreamingResponse,
)
from .uploads import UploadFile

__all__ = [
    "BoltAPI", "Router", "Request", "Response", "JSON", "PlainText", "HTML", "Redirect",
    "HTTPException", "BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict",
    "UnprocessableEntity", "RequestValidationError", "Query", "Path", "Header", "Cookie", "Body", "Depends",
    "Form", "File", "UploadFile", "FileSize", "MediaType", "StreamingResponse", "EventSourceResponse",
    "ServerSentEvent", "FileResponse",
]
