"""Registration-time checks, discovery of APIs, merging and the manifest."""

from __future__ import annotations

import datetime
import enum
import json
import os
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from django_bolt import BoltAPI, Query
from django_bolt._signature import RouteDefinitionError
from django_bolt.build import build_manifest, discover_apis, manifest_json, merge_apis
from django_bolt.testing import TestClient

ROOT = Path(__file__).resolve().parent.parent


class Custom:
    pass


class In(msgspec.Struct):
    a: int


def test_duplicate_route_in_one_api_names_both_handlers():
    api = BoltAPI()

    @api.get("/x")
    def first() -> dict:
        return {}

    with pytest.raises(RouteDefinitionError, match=r"duplicate route GET /x: .*first and .*second"):
        @api.get("/x")
        def second() -> dict:
            return {}


def test_duplicate_route_across_apis_names_both_handlers():
    a, b = BoltAPI(), BoltAPI()

    @a.get("/same")
    def from_a() -> dict:
        return {}

    @b.get("/same")
    def from_b() -> dict:
        return {}

    with pytest.raises(RouteDefinitionError, match=r"duplicate route GET /same: .*from_a and .*from_b"):
        merge_apis([a, b])


def test_path_placeholder_the_handler_does_not_name_is_a_str_path_param():
    """As in django-bolt: the value is matched and read from `request.params`."""
    api = BoltAPI()

    @api.get("/items/{item_id}")
    def unnamed(request) -> dict:
        return {}

    (route,) = api.routes
    assert [(p.name, p.source, p.type) for p in route.params] == [
        ("request", "request", {"kind": "any"}), ("item_id", "path", {"kind": "str"})]


def test_unsupported_param_type_is_an_error():
    api = BoltAPI()

    with pytest.raises(RouteDefinitionError, match="parameter 'c' has unsupported type"):
        @api.get("/c")
        def custom(c: Custom = Query()) -> dict:
            return {}


def test_body_on_get_is_an_error():
    api = BoltAPI()

    with pytest.raises(RouteDefinitionError, match="GET handlers cannot take a request body"):
        @api.get("/b")
        def body_on_get(data: In) -> dict:
            return {}


class Huge(enum.IntEnum):
    BIG = 2**64


def test_body_type_msgspec_cannot_decode_names_handler_and_parameter():
    api = BoltAPI()

    @api.post("/huge")
    def take_huge(level: Huge) -> int:
        return 1

    # Decided when the app is built (every class a forward reference names exists by then).
    with pytest.raises(RouteDefinitionError, match=r"test_registration:.*take_huge: body parameter 'level' has "
                                                   r"type .*Huge.*msgspec cannot decode: Integer values > "):
        TestClient(api)


class Left(msgspec.Struct):
    a: int


class Right(msgspec.Struct):
    b: int


def test_return_type_msgspec_cannot_encode_names_handler():
    api = BoltAPI()

    @api.get("/either")
    def either() -> Left | Right:  # two untagged Structs: msgspec refuses the union
        return Left(1)

    with pytest.raises(RouteDefinitionError, match=r"test_registration:.*either: return type .* cannot be encoded"):
        TestClient(api)


def test_return_annotation_that_is_not_a_type_names_handler():
    api = BoltAPI()
    with pytest.raises(RouteDefinitionError, match=r"test_registration:.*five: return type 5 is not a type"):
        @api.get("/five")
        def five() -> 5:  # noqa: F821
            return 5


def test_discovery_finds_project_and_app_apis():
    apis = discover_apis()
    paths = {route.path for api in apis for route in api.routes}
    assert "/health" in paths and "/api/books" in paths


def test_bolt_api_setting_overrides_discovery(settings):
    settings.BOLT_API = ["demo.api:api"]
    paths = [route.path for api in discover_apis() for route in api.routes]
    assert paths == ["/health"]
    settings.BOLT_API = ["demo.api:nothing"]
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="has no attribute 'nothing'"):
        discover_apis()


def test_manifest_describes_routes():
    manifest = build_manifest(merge_apis(discover_apis()), "demo")
    assert manifest["version"] == 1
    routes = {(r["method"], r["path"]): r for r in manifest["routes"]}
    search = routes[("GET", "/api/search")]
    assert search["handler"] == "library.api:search"
    assert search["params"][1] == {"name": "limit", "alias": "limit", "source": "query", "type": {"kind": "int"},
                                   "required": False, "default": 10, "constraints": {"gt": 0, "le": 50}}
    assert routes[("POST", "/api/books")]["status_code"] == 201
    assert [r["id"] for r in manifest["routes"]] == list(range(len(manifest["routes"])))


def _manifest_in_subprocess(hash_seed: str) -> str:
    code = ("import django; django.setup(); from django_bolt.build import *; "
            "print(manifest_json(build_manifest(merge_apis(discover_apis()), 'demo')), end='')")
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "DJANGO_SETTINGS_MODULE": "demo.settings"}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT / "examples" / "demo", env=env,
                          check=True, capture_output=True, text=True).stdout


def test_manifest_is_deterministic_across_processes():
    first, second = _manifest_in_subprocess("1"), _manifest_in_subprocess("12345")
    assert first == second
    assert first == manifest_json(json.loads(first))


def test_manifest_defaults_are_stable_across_runs():
    api = BoltAPI()

    @api.get("/d")
    def defaults(tags: set[str] = Query({"alpha", "beta", "gamma"}),
                 since: datetime.datetime = Query(datetime.datetime.now())) -> dict:
        return {}

    params = build_manifest(api.routes, "p")["routes"][0]["params"]
    assert params[0]["default"] == ["alpha", "beta", "gamma"]
    assert params[1]["default"] is None
