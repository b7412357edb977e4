"""Build the Rust `App` from BoltAPIs: with the interpreted table (`_core`), or with a
project's compiled table (its `<project>_bolt` extension)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from . import _bridge, _core
from ._signature import check_body_decodable, response_encode_type
from .api import BoltAPI, RouteDef
from .build.compile import fingerprint
from .build.manifest import auth_backends, build_manifest_with_classes, manifest_json, merge_apis
from .lifespan import Lifespans
from .logging import access_logger
from .middleware.decorators import DEFAULT_HEADERS, DEFAULT_METHODS


def project_name() -> str:
    from django.conf import settings

    configured = getattr(settings, "BOLT_PROJECT_NAME", None)
    if configured:
        return configured
    root = getattr(settings, "ROOT_URLCONF", "") or "project"
    return root.split(".")[0]


@dataclass
class ProjectRoutes:
    """Merged routes of some APIs and their manifest."""

    routes: list[RouteDef]
    manifest: dict[str, Any]
    text: str
    classes: dict[str, type]
    auth_objects: list[Any] = field(default_factory=list)  # per manifest `auth_backends` entry
    compression: Any = None  # the first API's `compression=`
    logging_config: Any = None  # the first API's access-log config (False: off)
    lifespans: Any = None  # `lifespan.Lifespans` of the APIs and their ASGI mounts

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.text)

    @property
    def project(self) -> str:
        return self.manifest["project"]


def collect_routes(apis: BoltAPI | list[BoltAPI], project: str | None = None, *, django_urls: bool = False,
                   exclude_admin: bool = False) -> ProjectRoutes:
    """The routes of `apis`; with `django_urls`, the project's Django URLs too (`runbolt`)."""
    apis = [apis] if isinstance(apis, BoltAPI) else list(apis)
    routes = merge_apis(apis)
    manifest, classes = build_manifest_with_classes(routes, project or project_name(), django_urls=django_urls,
                                                    exclude_admin=exclude_admin)
    compression = next((api.compression for api in apis if api.compression is not None), None)
    logging_config = next((api.logging_config for api in apis), None)
    return ProjectRoutes(routes, manifest, manifest_json(manifest), classes, auth_backends(routes), compression,
                         logging_config, Lifespans(apis))


@dataclass
class RuntimeApp:
    app: Any
    module: ModuleType
    project: ProjectRoutes

    @property
    def compiled(self) -> bool:
        return self.module is not _core

    def serve(self, host: str, port: int, **options: Any) -> None:
        """Serve until stopped, the lifespans' startup before and shutdown after."""
        lifespans = self.project.lifespans
        try:
            if lifespans:
                lifespans.run("startup")  # a failure leaves what had started (shutdown below)
            self.module.serve(self.app, host, port, **options)
        finally:
            if lifespans:
                lifespans.run("shutdown")

    def test_request(self, *args: Any) -> tuple[int, list[tuple[str, str]], bytes, tuple[Any, bool] | None]:
        return self.module.test_request(self.app, *args)


@dataclass(frozen=True)
class RouteBinding:
    """What the runtime binds to one manifest route (`_core.App` reads these attributes)."""

    handler: Any
    defaults: list[Any]  # per parameter; None where it is required
    body_type: Any  # the declared body type, or None
    response_type: Any  # what return values are converted to before encoding


def allowed_hosts(extra: tuple[str, ...] = ()) -> list[str]:
    """Django's effective `ALLOWED_HOSTS` (`HttpRequest.get_host`): with DEBUG and an empty
    list, the local names; `extra` are added (the test client's `testserver`, as Django's
    test environment does)."""
    from django.conf import settings

    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return [*hosts, *extra]


def body_size_limit() -> int:
    """`BOLT_MAX_BODY_SIZE` (default 10 MiB). A project that sets Django's
    `DATA_UPLOAD_MAX_MEMORY_SIZE` itself (Django reads request bodies within it) gets that
    limit when it is the smaller one; Django's own default (2.5 MB) is not imposed."""
    from django.conf import settings

    limit = getattr(settings, "BOLT_MAX_BODY_SIZE", 10 * 1024 * 1024)
    django_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if settings.is_overridden(
        "DATA_UPLOAD_MAX_MEMORY_SIZE") else None
    if django_limit is not None:
        limit = min(limit, django_limit)
    return limit


def request_limits(extra_hosts: tuple[str, ...] = ()) -> dict[str, Any]:
    """The head checks the runtime makes before routing, from Django's and BOLT_ settings."""
    from django.conf import settings

    max_fields = getattr(settings, "DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
    max_url = getattr(settings, "BOLT_MAX_URL_LENGTH", 8192)
    if max_fields is not None and (not isinstance(max_fields, int) or isinstance(max_fields, bool) or max_fields < 0):
        raise ValueError(f"DATA_UPLOAD_MAX_NUMBER_FIELDS must be a non-negative int or None, not {max_fields!r}")
    if not isinstance(max_url, int) or isinstance(max_url, bool) or max_url < 1:
        raise ValueError(f"BOLT_MAX_URL_LENGTH must be a positive int, not {max_url!r}")
    max_header = getattr(settings, "BOLT_MAX_HEADER_SIZE", 8192)
    if not isinstance(max_header, int) or isinstance(max_header, bool) or max_header < 1:
        raise ValueError(f"BOLT_MAX_HEADER_SIZE must be a positive int, not {max_header!r}")
    return {"allowed_hosts": allowed_hosts(extra_hosts), "max_header_size": max_header,
            "use_x_forwarded_host": bool(getattr(settings, "USE_X_FORWARDED_HOST", False)),
            "max_query_fields": max_fields, "max_url_length": max_url}


def create_app(project: ProjectRoutes, *, compiled: ModuleType | None = None, debug: bool | None = None,
               max_body_size: int | None = None, extra_hosts: tuple[str, ...] = ()) -> RuntimeApp:
    from django.conf import settings

    routes = project.routes
    module = compiled or _core
    for route in routes:
        for param in route.params:
            if param.source == "body":
                check_body_decodable(route.handler_name, param.name, param.annotation)
    app = module.App(
        project.text,
        [RouteBinding(r.callable, _defaults(r), _body_type(r), response_encode_type(r.handler_name, r.response_type))
         for r in routes],
        project.classes,
        _bridge,
        debug=bool(settings.DEBUG if debug is None else debug),
        max_body_size=int(max_body_size or body_size_limit()),
        table=compiled.TABLE if compiled is not None else None,
        max_sync_streams=int(getattr(settings, "BOLT_MAX_SYNC_STREAMING_THREADS", 1000)),
        max_upload_size=int(getattr(settings, "BOLT_MAX_UPLOAD_SIZE", 1024 * 1024)),
        spool_threshold=int(getattr(settings, "BOLT_MEMORY_SPOOL_THRESHOLD", 1024 * 1024)),
        middleware=json.dumps(middleware_config(project)),
        static_files=json.dumps(static_mounts()),
        access_log=access_logger(project.logging_config),
        auth_objects=project.auth_objects,
        **request_limits(extra_hosts),
    )
    return RuntimeApp(app, module, project)


def _url_prefix(url: str | None) -> str | None:
    """`STATIC_URL`/`MEDIA_URL` as a path prefix (`static/` → `/static/`); None for another
    host's URL (a CDN), which this server does not serve."""
    if not url or "://" in url or url.startswith("//"):
        return None
    return "/" + url.strip("/") + "/"


def static_mounts() -> list[dict[str, Any]]:
    """The directories the runtime serves files from: `STATIC_ROOT` at `STATIC_URL` (and, with
    DEBUG and `django.contrib.staticfiles`, the finders' directories, as `runserver` does),
    `MEDIA_ROOT` at `MEDIA_URL` with `BOLT_SERVE_MEDIA = True`. `BOLT_SERVE_STATIC = False`
    leaves static files to something else."""
    from django.conf import settings

    mounts: list[dict[str, Any]] = []
    prefix = _url_prefix(getattr(settings, "STATIC_URL", None))
    if prefix and getattr(settings, "BOLT_SERVE_STATIC", True):
        roots: list[str] = []
        if settings.DEBUG and "django.contrib.staticfiles" in settings.INSTALLED_APPS:
            # The sources first, as runserver: an edited file wins over a stale collected copy.
            from django.contrib.staticfiles import finders

            for finder in finders.get_finders():
                if hasattr(finder, "locations"):  # STATICFILES_DIRS, maybe prefixed
                    for location_prefix, root in finder.locations:
                        if location_prefix:
                            mounts.append({"prefix": prefix + location_prefix.strip("/") + "/",
                                           "roots": [str(root)]})
                        else:
                            roots.append(str(root))
                else:  # each app's static/
                    roots.extend(str(storage.location) for storage in getattr(finder, "storages", {}).values())
        if getattr(settings, "STATIC_ROOT", None):
            roots.append(str(settings.STATIC_ROOT))
        if roots:
            mounts.append({"prefix": prefix, "roots": roots})
    media = _url_prefix(getattr(settings, "MEDIA_URL", None))
    if media and getattr(settings, "BOLT_SERVE_MEDIA", False) and getattr(settings, "MEDIA_ROOT", None):
        mounts.append({"prefix": media, "roots": [str(settings.MEDIA_ROOT)]})
    return mounts


def middleware_config(project: ProjectRoutes) -> dict[str, Any]:
    """What the Rust middleware reads from settings and secrets (never from the manifest)."""
    from django.conf import settings

    compression = getattr(settings, "BOLT_COMPRESSION", project.compression)
    store = getattr(settings, "BOLT_RATE_LIMIT_STORE", None)
    if store is not None and not (isinstance(store, str) and (store == "memory" or store.startswith(
            ("redis://", "rediss://", "redis+unix://", "unix://")))):
        raise ValueError(f"BOLT_RATE_LIMIT_STORE must be 'memory' or a redis:// URL, not {store!r}")
    return {"cors": global_cors(), "compression": compression.runtime_config() if compression else None,
            "rate_limit_store": store, "auth_secrets": [b.runtime_config() for b in project.auth_objects],
            "trust_forwarded": bool(getattr(settings, "BOLT_RATE_LIMIT_TRUST_FORWARDED", True))}


def global_cors() -> dict[str, Any] | None:
    """The global CORS policy from django-cors-headers' settings; None when no origin is allowed."""
    from django.conf import settings

    origins = list(getattr(settings, "CORS_ALLOWED_ORIGINS", None) or [])
    regexes = list(getattr(settings, "CORS_ALLOWED_ORIGIN_REGEXES", None) or [])
    allow_all = bool(getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False))
    if not (origins or regexes or allow_all):
        return None
    credentials = bool(getattr(settings, "CORS_ALLOW_CREDENTIALS", False))
    if allow_all and credentials:
        import warnings

        warnings.warn("CORS_ALLOW_ALL_ORIGINS with CORS_ALLOW_CREDENTIALS: each origin is reflected "
                      "(browsers refuse a wildcard with credentials)", RuntimeWarning, stacklevel=2)
    max_age = getattr(settings, "CORS_PREFLIGHT_MAX_AGE", 86400)
    if not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0:
        raise ValueError(f"CORS_PREFLIGHT_MAX_AGE must be a non-negative int, not {max_age!r}")
    return {"origins": [o for o in origins if o != "*"], "origin_regexes": [getattr(r, "pattern", r) for r in regexes],
            "allow_all": allow_all or "*" in origins, "credentials": credentials, "max_age": max_age,
            "methods": [m.upper() for m in getattr(settings, "CORS_ALLOW_METHODS", DEFAULT_METHODS)],
            "headers": list(getattr(settings, "CORS_ALLOW_HEADERS", DEFAULT_HEADERS)),
            "expose_headers": list(getattr(settings, "CORS_EXPOSE_HEADERS", []))}


def _defaults(route: RouteDef) -> list[Any]:
    return [None if p.required else p.default for p in route.params]


def _body_type(route: RouteDef) -> Any:
    for p in route.params:
        if p.source == "body":
            return p.annotation
    return None
