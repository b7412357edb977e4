"""Build the Rust `App` (interpreted route table) from BoltAPIs."""

from __future__ import annotations

from typing import Any

from . import _bridge, _core
from .api import BoltAPI, RouteDef
from .build.manifest import build_manifest, manifest_json, merge_apis


def _project_name() -> str:
    from django.conf import settings

    root = getattr(settings, "ROOT_URLCONF", "") or "project"
    return root.split(".")[0]


def create_app(apis: BoltAPI | list[BoltAPI], *, debug: bool | None = None,
               max_body_size: int | None = None) -> tuple[_core.App, dict[str, Any]]:
    from django.conf import settings

    api_list = [apis] if isinstance(apis, BoltAPI) else list(apis)
    routes = merge_apis(api_list)
    manifest = build_manifest(routes, _project_name())
    app = _core.App(
        manifest_json(manifest),
        [r.fn for r in routes],
        [_defaults(r) for r in routes],
        [_body_type(r) for r in routes],
        _bridge,
        debug=bool(settings.DEBUG if debug is None else debug),
        max_body_size=int(max_body_size or getattr(settings, "BOLT_MAX_BODY_SIZE", 10 * 1024 * 1024)),
    )
    return app, manifest


def _defaults(route: RouteDef) -> list[Any]:
    return [None if p.required else p.default for p in route.params]


def _body_type(route: RouteDef) -> Any:
    for p in route.params:
        if p.source == "body":
            return p.annotation
    return None
