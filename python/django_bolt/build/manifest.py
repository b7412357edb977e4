"""The manifest: a deterministic JSON description of every route (see docs/manifest.md)."""

from __future__ import annotations

import json
from typing import Any

from .._signature import RouteDefinitionError
from ..api import BoltAPI, RouteDef

MANIFEST_VERSION = 1


def merge_apis(apis: list[BoltAPI]) -> list[RouteDef]:
    """All routes of several APIs, in a canonical order; a repeated `METHOD path` is an error
    naming both handlers."""
    seen: dict[str, RouteDef] = {}
    for api in apis:
        for route in api.routes:
            if route.key in seen:
                raise RouteDefinitionError(
                    f"duplicate route {route.key}: {seen[route.key].handler_name} and {route.handler_name}")
            seen[route.key] = route
    return sorted(seen.values(), key=lambda r: (r.path, r.method))


def build_manifest(routes: list[RouteDef], project: str) -> dict[str, Any]:
    from .._types import describe

    return {
        "version": MANIFEST_VERSION,
        "project": project,
        "routes": [
            {
                "id": index,
                "method": route.method,
                "path": route.path,
                "handler": route.handler_name,
                "is_async": route.is_async,
                "status_code": route.status_code,
                "params": [p.manifest() for p in route.params],
                "response": describe(route.response_type),
            }
            for index, route in enumerate(routes)
        ],
    }


def manifest_json(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
