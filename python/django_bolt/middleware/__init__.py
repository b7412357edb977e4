"""Middleware: per-route decorators for the Rust middleware (CORS, rate limits,
compression), compression settings, Python middleware and the Django middleware adapter."""

from .builtins import ErrorHandlerMiddleware, LoggingMiddleware, TimingMiddleware
from .compression import CompressionConfig
from .decorators import cors, no_compress, rate_limit, skip_middleware
from .django_adapter import DjangoMiddleware, DjangoMiddlewareStack
from .python import BaseMiddleware, Middleware, MiddlewareResponse, middleware

__all__ = [
    "cors", "rate_limit", "no_compress", "skip_middleware", "CompressionConfig", "BaseMiddleware", "Middleware",
    "MiddlewareResponse", "middleware", "TimingMiddleware", "LoggingMiddleware", "ErrorHandlerMiddleware",
    "DjangoMiddleware", "DjangoMiddlewareStack",
]
