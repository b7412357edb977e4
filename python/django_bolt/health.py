"""Health endpoints: `register_health_checks(api)` adds `GET /health` (the process answers)
and `GET /ready` (every check passes: the ones `add_health_check` registers, else the
database connections). A failing `/ready` answers 503, so load balancers and
orchestrators take the instance out (django-bolt answers 200 even then)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async

from .responses import JSON

Check = Callable[[], "tuple[bool, str] | Awaitable[tuple[bool, str]]"]


def check_database() -> tuple[bool, str]:
    """Every configured database answers `SELECT 1`. A connection left broken by an outage
    is dropped first, so the check recovers with the database."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        connection.close_if_unusable_or_obsolete()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:
            connection.close()
            raise
    return True, "databases reachable"


class HealthCheck:
    """A set of named checks, each returning `(healthy, message)` (sync or async); an
    exception counts as unhealthy with its message."""

    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}

    def add_check(self, check: Check, name: str | None = None) -> Check:
        self.checks[name or getattr(check, "__name__", "check")] = check
        return check

    async def run_checks(self) -> dict[str, Any]:
        checks = self.checks or {"check_database": check_database}
        results = await asyncio.gather(*(self._run(check) for check in checks.values()))
        report = {name: {"healthy": healthy, "message": message}
                  for name, (healthy, message) in zip(checks, results, strict=True)}
        healthy = all(r["healthy"] for r in report.values())
        return {"status": "healthy" if healthy else "unhealthy", "checks": report}

    @staticmethod
    async def _run(check: Check) -> tuple[bool, str]:
        try:
            if inspect.iscoroutinefunction(check):
                result = await check()
            else:
                result = await sync_to_async(check)()
            healthy, message = result
            return bool(healthy), str(message)
        except Exception as exc:  # a failing check is an unhealthy answer, never a 500
            return False, f"{type(exc).__name__}: {exc}"


_default = HealthCheck()


def add_health_check(check: Check, name: str | None = None) -> Check:
    """Register a check with the default set (`register_health_checks` serves it)."""
    return _default.add_check(check, name)


async def run_checks() -> dict[str, Any]:
    return await _default.run_checks()


def register_health_checks(api: Any, checks: HealthCheck | None = None, *, health_path: str = "/health",
                           ready_path: str = "/ready") -> None:
    checks = checks or _default

    @api.get(health_path, name="health")
    async def health() -> dict:
        return {"status": "ok"}

    @api.get(ready_path, name="ready")
    async def ready() -> JSON:
        report = await checks.run_checks()
        return JSON(report, status_code=200 if report["status"] == "healthy" else 503)
