"""The access log: one line per request, written by the runtime through Python's `logging`
(`LoggingConfig.logger_name`, `django.server` by default, as `runserver` does). It is on
only when it would print: the effective level (`DJANGO_BOLT_LOG_LEVEL`, else DEBUG with
`DEBUG = True` and WARNING without, django-bolt's defaults) admits `log_level` and the
logger is enabled for it. Decided when the app is built: an access log that is off costs a
request nothing (the runtime never takes the GIL for it)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SKIP_PATHS = frozenset({"/health", "/ready", "/metrics"})


@dataclass
class LoggingConfig:
    logger_name: str = "django.server"
    log_level: str = "INFO"
    error_log_level: str = "ERROR"
    skip_paths: set[str] | frozenset[str] = field(default_factory=lambda: set(DEFAULT_SKIP_PATHS))
    skip_status_codes: set[int] = field(default_factory=set)
    sample_rate: float | None = None
    min_duration_ms: float | None = None
    # django-bolt's request/response field options, accepted for compatibility (the line's
    # fields are fixed: method, path, status, duration).
    request_log_fields: set[str] = field(default_factory=lambda: {"method", "path", "status_code"})
    response_log_fields: set[str] = field(default_factory=lambda: {"status_code"})
    obfuscate_headers: set[str] = field(default_factory=set)
    obfuscate_cookies: set[str] = field(default_factory=lambda: {"sessionid", "csrftoken"})
    log_request_body: bool = False
    log_response_body: bool = False
    max_body_log_size: int = 1024

    def __post_init__(self) -> None:
        if self.sample_rate is not None and not 0.0 < self.sample_rate <= 1.0:
            raise ValueError(f"LoggingConfig.sample_rate must be in (0, 1], not {self.sample_rate!r}")
        for name in ("log_level", "error_log_level"):
            if not isinstance(logging.getLevelName(getattr(self, name)), int):
                raise ValueError(f"LoggingConfig.{name}: unknown level {getattr(self, name)!r}")

    def get_logger(self) -> logging.Logger:
        return logging.getLogger(self.logger_name)

    def should_log_request(self, path: str, status_code: int | None = None) -> bool:
        return path not in self.skip_paths and (status_code is None or status_code not in self.skip_status_codes)

    def access_logger(self) -> Callable[[str, str, int, float], None] | None:
        """What the runtime calls after each request, or None when the log is off."""
        from django.conf import settings

        level = logging.getLevelName(self.log_level)
        error_level = logging.getLevelName(self.error_log_level)
        configured = getattr(settings, "DJANGO_BOLT_LOG_LEVEL", None) or ("DEBUG" if settings.DEBUG else "WARNING")
        threshold = logging.getLevelName(str(configured).upper())
        logger = self.get_logger()
        if not isinstance(threshold, int):
            threshold = logging.WARNING
        if level < threshold or not logger.isEnabledFor(level):
            return None
        sample, slow = self.sample_rate, self.min_duration_ms

        def log(method: str, path: str, status: int, duration_ms: float) -> None:
            if not self.should_log_request(path, status):
                return
            if status < 500 and ((slow is not None and duration_ms < slow)
                                 or (sample is not None and random.random() >= sample)):
                return
            logger.log(error_level if status >= 500 else level, '"%s %s" %d %.2fms', method, path, status,
                       duration_ms)

        return log


def access_logger(config: Any) -> Callable[[str, str, int, float], None] | None:
    """The access log of an app: `config` (a `LoggingConfig`), the default one, or off (False)."""
    if config is False:
        return None
    return (config or LoggingConfig()).access_logger()


__all__ = ["LoggingConfig", "access_logger"]
