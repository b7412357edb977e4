"""django-bolt: Django APIs served by a Rust (actix-web) runtime."""

from ._enums import FileSize, MediaType
from .api import BoltAPI, Router
from .auth import (
    AllowAny,
    APIKeyAuthentication,
    HasAllPermissions,
    HasAnyPermission,
    HasPermission,
    IsAdminUser,
    IsAuthenticated,
    IsStaff,
    JWTAuthentication,
    Requires,
    Token,
    create_jwt_for_user,
    extract_user_id_from_context,
    get_auth_context,
    get_current_user,
)
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
from .middleware import (
    BaseMiddleware,
    CompressionConfig,
    DjangoMiddleware,
    ErrorHandlerMiddleware,
    LoggingMiddleware,
    Middleware,
    TimingMiddleware,
    cors,
    middleware,
    no_compress,
    rate_limit,
    skip_middleware,
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
    "JWTAuthentication", "APIKeyAuthentication", "AllowAny", "IsAuthenticated", "IsAdminUser", "IsStaff",
    "HasPermission", "HasAnyPermission", "HasAllPermissions", "Requires", "Token", "create_jwt_for_user",
    "get_current_user", "extract_user_id_from_context", "get_auth_context", "CompressionConfig",
    "BaseMiddleware", "Middleware", "middleware", "rate_limit", "cors", "skip_middleware", "no_compress",
    "TimingMiddleware", "LoggingMiddleware", "ErrorHandlerMiddleware", "DjangoMiddleware",
]
