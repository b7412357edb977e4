"""The project-level build: where generated code lives, `boltgen`, `bolt check`, and choosing
the compiled or the interpreted table when serving."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .. import _core
from ..runtime import ProjectRoutes, RuntimeApp, collect_routes, create_app
from . import compile as driver
from .discovery import discover_apis

logger = logging.getLogger("django_bolt")


def build_dir() -> Path:
    """`settings.BOLT_BUILD_DIR`, else `<BASE_DIR>/.bolt`, else `./.bolt`."""
    configured = getattr(settings, "BOLT_BUILD_DIR", None)
    if configured:
        return Path(configured)
    base = getattr(settings, "BASE_DIR", None)
    return Path(base or ".") / ".bolt"


def project_routes() -> ProjectRoutes:
    """The project's BoltAPI routes and (unless `BOLT_DJANGO_URLS = False`) its Django URLs,
    the admin's left out with `BOLT_NO_ADMIN = True` (`runbolt --no-admin`)."""
    return collect_routes(discover_apis(), django_urls=bool(getattr(settings, "BOLT_DJANGO_URLS", True)),
                          exclude_admin=bool(getattr(settings, "BOLT_NO_ADMIN", False)))


def boltgen(out_dir: Path | None = None, profile: str = "release") -> tuple[ProjectRoutes, driver.BuildResult]:
    project = project_routes()
    result = driver.build(project.text, out_dir or build_dir(), project.project, profile)
    return project, result


def check(out_dir: Path | None = None) -> tuple[bool, str]:
    """(fresh, one-line summary) for the generated code against the live project."""
    project = project_routes()
    stale = driver.check(project.text, out_dir or build_dir(), project.project)
    return not stale, driver.stale_summary(stale)


class CompiledUnavailable(RuntimeError):
    pass


@dataclass
class Selection:
    runtime: RuntimeApp
    note: str


def select_runtime(require_compiled: bool = False, out_dir: Path | None = None) -> Selection:
    """Serve from the compiled table when its fingerprint matches the live manifest; otherwise
    from the interpreted one, or refuse when compiled is required."""
    project = project_routes()
    name = driver.crate_name(project.project)
    module = driver.find_extension(out_dir or build_dir(), name)
    fresh_routes = module is not None and getattr(module, "FINGERPRINT", None) == project.fingerprint
    same_runtime = module is not None and getattr(module, "RUNTIME_ID", None) == _core.RUNTIME_ID
    django_count = len(project.manifest.get("django_routes", []))
    if fresh_routes and same_runtime:
        runtime = create_app(project, compiled=module)
        return Selection(runtime, f"compiled routes: {runtime.app.route_count} BoltAPI, {django_count} Django")
    if module is None:
        reason = "missing"
    elif not fresh_routes:
        reason = "stale (the routes changed since the last build)"
    else:
        reason = "stale (built with another django-bolt runtime)"
    message = (f"compiled route table {name} is {reason}; run `python manage.py boltgen` "
               f"(or `bolt build`) to compile it")
    if require_compiled:
        raise CompiledUnavailable(message)
    logger.warning("%s; serving from the interpreted table", message)
    return Selection(create_app(project),
                     f"interpreted routes: {len(project.routes)} BoltAPI, {django_count} Django ({message})")
