"""The extension's type stubs (`_core.pyi`) name exactly what `_core` exports, and the helpers
Python used to re-implement come from bolt-codegen."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from django_bolt import _core
from django_bolt.build.compile import crate_name, fingerprint

PACKAGE = Path(_core.__file__).resolve().parent
STUB = ast.parse((PACKAGE / "_core.pyi").read_text())


def stub_names(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def public(names: list[str]) -> set[str]:
    return {n for n in names if not n.startswith("_") or n in ("__version__", "__getitem__")}


def test_stub_lists_every_export_of_the_extension():
    exported = public([n for n in dir(_core) if not (n.startswith("__") and n != "__version__")])
    assert stub_names(STUB.body) == exported


def test_stub_classes_list_every_member():
    for cls in (_core.App, _core.Request, _core.CompiledTable):
        stub = next(n for n in STUB.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
        members = stub_names(stub.body) - {"__init__"}
        assert members == public(dir(cls)) - public(dir(object)), cls


def test_package_is_marked_typed():
    assert (PACKAGE / "py.typed").exists()


def test_crate_name_and_fingerprint_come_from_codegen():
    assert crate_name("9 My-Site") == "p9_my_site_bolt"
    assert crate_name("demo") == "demo_bolt"
    assert fingerprint('{"a": 1}') == hashlib.sha256(b'{"a": 1}').hexdigest()


def test_app_takes_one_typed_binding_per_route():
    import pytest
    from django_bolt import BoltAPI, _bridge
    from django_bolt.runtime import RouteBinding, collect_routes

    api = BoltAPI()

    @api.get("/one")
    def one() -> int:
        return 1

    project = collect_routes(api, project="bindings")
    with pytest.raises(ValueError, match="0 route bindings for 1 manifest routes"):
        _core.App(project.text, [], project.classes, _bridge)
    with pytest.raises(AttributeError, match="no attribute .handler.\nwhile processing .bindings."):
        _core.App(project.text, [object()], project.classes, _bridge)
    binding = RouteBinding(one, [], None, int)
    assert _core.App(project.text, [binding], project.classes, _bridge).route_count == 1
