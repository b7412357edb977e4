"""The manifest: a deterministic JSON description of every route (see docs/manifest.md)."""

from __future__ import annotations

import json
from typing import Any

from .._schema import SchemaRegistry
from .._signature import RouteDefinitionError
from ..api import BoltAPI, RouteDef
from .django_urls import check_clashes, django_routes
from .policy import Backends, backend_entries, route_policy

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
    return build_manifest_with_classes(routes, project)[0]


def _param_entry(param, registry: SchemaRegistry) -> dict[str, Any]:
    entry = param.manifest()
    if param.source == "body":
        entry["type"] = registry.describe(param.annotation)
    return entry


def build_manifest_with_classes(routes: list[RouteDef], project: str, *, django_urls: bool = False,
                                exclude_admin: bool = False) -> tuple[dict[str, Any], dict[str, type]]:
    """The manifest, and the Python class of each of its named schemas. `django_urls`: the
    project's Django URLs join it (`ROOT_URLCONF`), checked against the routes for clashes."""
    registry = SchemaRegistry()
    backends = Backends()
    entries = []
    for index, route in enumerate(routes):
        entry = {
            "id": index,
            "method": route.method,
            "path": route.path,
            "handler": route.handler_name,
            "is_async": route.is_async,
            "status_code": route.status_code,
            "params": [_param_entry(p, registry) for p in route.params],
            "response": registry.describe(route.response_type),
        }
        policy = route_policy(route, backends)
        if policy is not None:  # absent when empty: manifests without middleware keep their bytes
            entry["middleware"] = policy
        entries.append(entry)
    manifest = {"version": MANIFEST_VERSION, "project": project, "routes": entries,
                "schemas": dict(sorted(registry.schemas.items()))}
    if backends.objects:
        manifest["auth_backends"] = backend_entries(backends)
    if django_urls:
        check_clashes(routes)
        entries, fallback = django_routes(exclude_admin)
        if entries:
            manifest["django_routes"] = entries
        if fallback:
            manifest["django_fallback"] = True
    return manifest, dict(registry.classes)


def auth_backends(routes: list[RouteDef]) -> list[Any]:
    """The auth backend objects of the manifest's `auth_backends`, in its order."""
    backends = Backends()
    for route in routes:
        route_policy(route, backends)
    return backends.objects


def manifest_json(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
