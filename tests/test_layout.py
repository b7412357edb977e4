"""The crate boundary: the code generator depends on the model crate (bolt-schema), never on
the runtime, so nothing it links can reach Python, the server or the event loop."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("pyo3", "actix", "tokio", "bolt-runtime")


def dependencies(package: str) -> set[str]:
    out = subprocess.run(
        ["cargo", "tree", "-p", package, "-e", "normal", "--prefix", "none", "--offline"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


@pytest.mark.parametrize("package", ["bolt-codegen", "bolt-schema"])
def test_model_and_codegen_link_no_python_server_or_runtime(package):
    assert shutil.which("cargo"), "cargo is installed by the project's setup"
    linked = dependencies(package)
    assert package in linked
    assert not {name for name in linked if name.startswith(FORBIDDEN)}, linked


def test_runtime_reaches_the_model():
    assert "bolt-schema" in dependencies("bolt-runtime")


def test_runtime_exposes_only_the_codegen_api_and_the_python_entry_points():
    # Everything else is `pub(crate)`: generated crates cannot reach (or break) runtime internals.
    lib = (ROOT / "bolt-runtime" / "src" / "lib.rs").read_text()
    public = [line.strip() for line in lib.splitlines() if line.startswith("pub ")]
    assert public == ["pub mod __codegen;", "pub mod py_api;"], public


MESSAGE_LITERAL = re.compile(
    r'"(Expected `|Invalid (UUID|RFC3339|base64|decimal|enum|JSON)|Object (missing|contains)|'
    r"Missing required|Number out of range|Integer value out of range)")


def test_every_validation_message_comes_from_the_error_table():
    # bolt-schema/src/errors.rs words every message; other sources (tests aside) name a kind.
    stray = []
    for crate in ("bolt-schema", "bolt-runtime", "bolt-codegen"):
        for path in sorted((ROOT / crate / "src").rglob("*.rs")):
            if path.name == "errors.rs":
                continue
            code = path.read_text().split("#[cfg(test)]")[0]
            for number, line in enumerate(code.splitlines(), 1):
                if MESSAGE_LITERAL.search(line) and not line.strip().startswith("//"):
                    stray.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not stray, "\n".join(stray)


PACKAGE = ROOT / "python" / "django_bolt"


def package_imports(module: str) -> set[str]:
    """Every django_bolt module `module` imports, at the top or inside functions."""
    import ast

    path = PACKAGE.joinpath(*module.split(".")).with_suffix(".py")
    package = module.rsplit(".", 1)[0].split(".") if "." in module else []
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names = [f"{target}.{a.name}".lstrip(".") for a in node.names] if not node.module else []
            found.update(names or [target])
    return found


@pytest.mark.parametrize(("module", "forbidden"), [
    ("_issues", ("",)),  # imports nothing of django_bolt
    ("_schema", ("serializers", "_bridge")),
    ("serializers.errors", ("",)),
    ("serializers.before", ("serializers.base", "_bridge")),
    ("serializers.views", ("serializers.base", "serializers.nested", "_bridge")),
    ("serializers.nested", ("serializers.base", "serializers.views", "_bridge")),
    ("serializers.base", ("_bridge",)),
    ("request", ("_signature", "_bridge", "serializers")),
])
def test_python_layers_import_only_those_below(module, forbidden):
    imported = package_imports(module)
    bad = {m for m in imported if any(m == f or m.startswith(f + ".") or f == "" for f in forbidden)}
    assert not bad, (module, bad)


def test_runtime_layers_below_the_bridge_do_not_reach_up_into_it():
    # The bridge builds on decode/encode/capi/pyvalue, never the other way round.
    src = ROOT / "bolt-runtime" / "src"
    lower = [*sorted((src / "decode").glob("*.rs")), *sorted((src / "encode").glob("*.rs")),
             src / "capi.rs", src / "pyvalue.rs"]
    reaching = [str(p.relative_to(ROOT)) for p in lower if "crate::bridge" in p.read_text()]
    assert not reaching, reaching


def test_routes_and_parameters_are_lowered_once():
    # The code generator writes out the model's router (static paths and trie) and parameter
    # plans (reader, coercion shape); it has no trie, pattern parser or Optional/list rule of
    # its own, and the generated matchers share the interpreted walk's `Walk`.
    codegen = {path.name: path.read_text() for path in (ROOT / "bolt-codegen" / "src").rglob("*.rs")}
    for name, code in codegen.items():
        assert "parse_pattern" not in code and "param_names" not in code, name
        assert not re.search(r"struct \w*Node\b|fn insert\(", code), name
    extractors = codegen["extractors.rs"]
    assert "TypeRef::Optional" not in extractors and "TypeRef::List" not in extractors
    assert "spec.shape" in extractors or "shape." in extractors
    api = (ROOT / "bolt-runtime" / "src" / "codegen_api.rs").read_text()
    assert "pub use crate::router::{lookup_with, Walk};" in api
    # Body coverage: the scanners are written from the model's `BodyPlan` shapes (what the
    # runtime's plan scanner reads), never from the declared types.
    decoders = codegen["decoders.rs"]
    assert "TypeRef" not in decoders and "Schema::" not in decoders
    assert "Shape::" in decoders and "body_plan" in decoders


# Function-local imports of django_bolt modules, each for a reason other than a cycle: the
# CLI imports the build driver only for the commands that build, and the test client the
# compile step (cargo) only for `compiled=True`.
LOCAL_IMPORTS_ALLOWED = {("cli", ".build"), ("testing.client", ".compiled")}


def test_no_function_local_import_hides_a_cycle():
    import ast

    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and inner.level:
                        found.add((module, "." * inner.level + (inner.module or "")))
    assert found <= LOCAL_IMPORTS_ALLOWED, found - LOCAL_IMPORTS_ALLOWED
