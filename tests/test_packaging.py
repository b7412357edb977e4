"""The build tool from an installed package: django-bolt's wheel and its sdist, each installed
into a fresh venv with no checkout on `sys.path`, compile the demo's route table (`boltgen`,
against the runtime sources the package ships) and serve it from the compiled table.

The project wheel then installing into a venv without Rust is `test_wheel.py`."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest
from django_bolt import _core
from test_server import BoltServer, http_client
from test_wheel import checkout_target

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
SHIPPED = ROOT / "python" / "django_bolt" / "_runtime"
CACHE = Path.home() / ".cache" / "django-bolt"
TIMEOUT = 1800


def run(args, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return proc


def test_shipped_workspace_says_what_the_repository_says():
    # `_runtime/Cargo.toml` is the workspace of the shipped crates: the same package settings,
    # lints and dependency versions as the root workspace, for every dependency they use.
    root = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]
    shipped = tomllib.loads((SHIPPED / "Cargo.toml").read_text())["workspace"]
    assert shipped["members"] == ["bolt-schema", "bolt-runtime"]
    assert shipped["package"] == root["package"] and shipped["lints"] == root["lints"]
    used = set()
    for crate in ("bolt-runtime", "bolt-schema"):
        manifest = tomllib.loads((SHIPPED / crate / "Cargo.toml").read_text())
        used |= {name for name, spec in manifest.get("dependencies", {}).items()
                 if isinstance(spec, dict) and spec.get("workspace")}
        assert (SHIPPED / crate).resolve() == (ROOT / crate).resolve(), "the shipped crates are the checkout's"
    assert set(shipped["dependencies"]) == used
    assert {name: root["dependencies"][name] for name in used} == shipped["dependencies"]


def fresh_venv(path: Path) -> Path:
    venv.create(path, with_pip=True)
    return path / "bin" / "python"


def isolated_env(tmp_path: Path, python: Path) -> dict[str, str]:
    """cargo on PATH, nothing of the checkout on sys.path, the shared cargo caches."""
    cargo_bin = Path(shutil.which("cargo") or "cargo").parent
    return {
        "PATH": os.pathsep.join([str(python.parent), str(cargo_bin), "/usr/bin", "/bin"]),
        "HOME": str(Path.home()),  # rustup and cargo's registry cache
        "CARGO_HOME": os.environ.get("CARGO_HOME", str(Path.home() / ".cargo")),
        "RUSTUP_HOME": os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup")),
        "DEMO_DB": str(tmp_path / "db.sqlite3"),
        "LANG": "C.UTF-8",
    }


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # The venv's own maturin (requirements-dev.txt), not whatever else is on PATH.
    maturin = str(Path(sys.executable).with_name("maturin"))
    env = {**os.environ, "CARGO_TARGET_DIR": str(checkout_target("maturin"))}
    run([maturin, "build", "--profile", "dev", "--quiet", "--out", str(out), "--interpreter", sys.executable],
        cwd=ROOT, env=env)
    run([maturin, "sdist", "--out", str(out)], cwd=ROOT, env=env)
    return out


def assert_ships_the_runtime(names: list[str], prefix: str) -> None:
    for source in ("bolt-runtime/Cargo.toml", "bolt-runtime/build.rs", "bolt-runtime/src/lib.rs",
                   "bolt-schema/Cargo.toml", "bolt-schema/src/lib.rs", "Cargo.toml", "Cargo.lock"):
        assert f"{prefix}django_bolt/_runtime/{source}" in names, source


def test_wheel_and_sdist_ship_the_runtime_sources(dist):
    import tarfile
    import zipfile

    (wheel,) = dist.glob("django_bolt-*.whl")
    assert_ships_the_runtime(zipfile.ZipFile(wheel).namelist(), "")
    (sdist,) = dist.glob("django_bolt-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    top = names[0].split("/")[0]
    assert_ships_the_runtime([n.removeprefix(f"{top}/") for n in names], "python/")


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_boltgen_from_an_installed_package_serves_the_compiled_table(dist, kind, tmp_path):
    python = fresh_venv(tmp_path / "venv")
    (package,) = dist.glob("django_bolt-*.whl" if kind == "wheel" else "django_bolt-*.tar.gz")
    env = isolated_env(tmp_path, python)
    # pip builds an sdist with maturin from the index; here in the dev profile, in a target
    # dir of its own per sdist (an unpacked archive's files all carry one fixed timestamp, so
    # cargo could not tell one sdist's sources from another's in a shared one).
    digest = hashlib.sha256(package.read_bytes()).hexdigest()[:16]
    for old in CACHE.glob("target-sdist-*"):
        if old.name != f"target-sdist-{digest}":
            shutil.rmtree(old, ignore_errors=True)
    build_env = {**env, "CARGO_TARGET_DIR": str(CACHE / f"target-sdist-{digest}"),
                 "MATURIN_PEP517_ARGS": "--profile dev"}
    run([str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir", str(package)],
        env=build_env, cwd=tmp_path)
    site, runtime_id = run([str(python), "-c", "import django_bolt, os, django_bolt._core as c; "
                            "print(os.path.dirname(django_bolt.__file__)); print(c.RUNTIME_ID)"],
                           env=env, cwd=tmp_path).stdout.split()
    assert not site.startswith(str(ROOT)), site
    # Built from the same sources as this checkout's extension: the same runtime.
    assert runtime_id == _core.RUNTIME_ID

    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns(".bolt", "db.sqlite3", "__pycache__"))
    run([str(python), "manage.py", "migrate", "--noinput", "-v0"], cwd=copy, env=env)
    built = run([str(python), "manage.py", "boltgen", "--debug"], cwd=copy, env=env)
    assert "boltgen: 21 routes" in built.stdout
    manifest = (copy / ".bolt" / "demo_bolt" / "Cargo.toml").read_text()
    runtime = re.search(r'bolt-runtime = \{ path = "([^"]+)" \}', manifest).group(1)
    # The shipped sources, unpacked once per runtime into the cache.
    unpacked = CACHE / "runtime" / runtime_id
    assert runtime == f"{unpacked}/bolt-runtime", runtime
    for crate in ("bolt-runtime", "bolt-schema"):
        for source in (Path(site) / "_runtime" / crate).rglob("*.rs"):
            relative = source.relative_to(Path(site) / "_runtime")
            assert (unpacked / relative).read_bytes() == source.read_bytes(), relative
    assert run([str(python), "-m", "django_bolt.cli", "check", "--settings", "demo.settings"],
               cwd=copy, env=env).stdout.strip() == "generated code is up to date"

    server = BoltServer(tmp_path, env, "--compiled", name=kind, cwd=copy, python=str(python))
    try:
        server.wait_ready()
        assert "compiled routes: 21" in server.stdout(), server.output()
        with http_client() as client:
            assert client.get(server.url("/api/books")).status_code == 200
            assert client.get(server.url("/api/items/abc")).status_code == 422
    finally:
        server.stop()
