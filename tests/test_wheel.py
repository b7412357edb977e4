"""`bolt build --wheel`: the project extension wheel installs into a fresh venv (next to a
django-bolt wheel) and serves the demo with no Rust toolchain on PATH.

Built with `--debug` here to keep CI fast; `--wheel` without it runs the same steps with the
LTO `wheel` profile."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from test_server import BoltServer, http_client

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
TIMEOUT = 1200


def checkout_target(tool: str) -> Path:
    """The Makefile's target dir for this checkout (keyed by its path, see the Makefile)."""
    import hashlib

    key = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return Path.home() / ".cache" / "django-bolt" / "targets" / key / tool


def run(args, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return proc


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("wheels")
    dist = work / "dist"
    maturin = shutil.which("maturin") or str(Path(sys.executable).with_name("maturin"))
    env = {**os.environ, "CARGO_TARGET_DIR": str(checkout_target("maturin"))}
    run([maturin, "build", "--profile", "dev", "--quiet", "--out", str(dist), "--interpreter", sys.executable],
        cwd=ROOT, env=env)
    copy = work / "demo"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns(".bolt", "db.sqlite3", "__pycache__"))
    run([sys.executable, "-m", "django_bolt.cli", "build", "--settings", "demo.settings", "--wheel", "--debug",
         "--out", str(work / "build")], cwd=copy)
    for wheel in (work / "build" / "wheels").glob("*.whl"):
        shutil.copy(wheel, dist)
    return dist, copy


def assert_project_stub_matches(python: Path) -> None:
    """The project package is typed: its stub (`<crate>.pyi`, shipped by maturin with
    `py.typed`) names exactly what the extension exports, with its real fingerprint."""
    probe = (
        "import ast, json, pathlib, demo_bolt as m\n"
        "root = pathlib.Path(m.__file__).parent\n"
        "stub = ast.parse((root / '__init__.pyi').read_text())\n"
        "names = sorted({n.target.id for n in stub.body if isinstance(n, ast.AnnAssign)}\n"
        "               | {a.asname for n in stub.body if isinstance(n, ast.ImportFrom)\n"
        "                  for a in n.names if a.asname})\n"
        # maturin's package __init__ imports from the extension `demo_bolt/demo_bolt*.so`
        "exported = sorted(n for n in dir(m) if not n.startswith('_') and n != 'demo_bolt')\n"
        "fp = next(n.value.value for n in stub.body\n"
        "          if isinstance(n, ast.AnnAssign) and n.target.id == 'FINGERPRINT')\n"
        "print(json.dumps([names, exported, (root / 'py.typed').exists(), fp == m.FINGERPRINT]))\n"
    )
    names, exported, typed, same_fingerprint = json.loads(run([str(python), "-c", probe]).stdout)
    assert names == exported and typed and same_fingerprint, (names, exported, typed)


def test_wheel_installs_and_serves_without_rust(wheels, tmp_path):
    dist, copy = wheels
    names = sorted(p.name for p in dist.glob("*.whl"))
    assert any(n.startswith("django_bolt-") for n in names) and any(n.startswith("demo_bolt-") for n in names)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # The wheel files themselves (PyPI has an unrelated newer "django-bolt"); deps from the index.
    run([str(python), "-m", "pip", "install", "--quiet", *map(str, sorted(dist.glob("*.whl")))])
    assert_project_stub_matches(python)

    path = os.pathsep.join([str(env_dir / "bin"), "/usr/bin", "/bin"])
    assert shutil.which("cargo", path=path) is None and shutil.which("rustc", path=path) is None
    env = {"PATH": path, "HOME": str(tmp_path), "DEMO_DB": str(tmp_path / "db.sqlite3"),
           "BOLT_BUILD_DIR": str(tmp_path / "no-build-dir"), "LANG": "C.UTF-8"}
    run([str(python), "manage.py", "migrate", "--noinput", "-v0"], cwd=copy, env=env)
    run([str(python), "manage.py", "seed_demo"], cwd=copy, env=env)

    # runbolt under the fresh venv's interpreter, refusing anything but the compiled table.
    server = BoltServer(tmp_path, env, "--compiled", name="wheel", cwd=copy, python=str(python))
    try:
        server.wait_ready()
        assert "compiled routes: 21" in server.stdout()
        with http_client() as client:
            books = client.get(server.url("/api/books"))
            assert books.status_code == 200 and len(books.json()) == 4
            assert client.get(server.url("/api/items/abc")).status_code == 422
    finally:
        server.stop()
