"""`manage.py boltgen`, `bolt check` and runbolt's choice of table, on a copy of the demo
project whose routes the test changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_server import BoltServer, http_client

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
BOLT = [sys.executable, "-m", "django_bolt.cli"]
TIMEOUT = 900  # a cold build of the runtime in the shared target dir


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    workdir = tmp_path_factory.mktemp("demo-copy")
    copy = workdir / "demo"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns(".bolt", "db.sqlite3", "__pycache__"))
    env = {**os.environ, "DEMO_DB": str(workdir / "db.sqlite3"), "DJANGO_SETTINGS_MODULE": "demo.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=copy, env=env, check=True)
    return copy, env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)


def manage(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], cwd, env)


def served_note(server: BoltServer) -> str:
    server.wait_ready()
    return server.stdout() + server.stderr()


def test_boltgen_check_and_runbolt_follow_route_changes(project, tmp_path):
    copy, env = project
    built = manage(copy, env, "boltgen", "--debug")
    assert built.returncode == 0, built.stderr
    assert "boltgen: 21 routes (16 static, 5 dynamic)" in built.stdout
    assert (copy / ".bolt" / "demo_bolt.abi3.so").is_file()
    assert (copy / ".bolt" / "demo_bolt" / "src" / "routes.rs").is_file()

    fresh = run([*BOLT, "check", "--settings", "demo.settings"], copy, env)
    assert (fresh.returncode, fresh.stdout.strip()) == (0, "generated code is up to date")

    server = BoltServer(tmp_path, env, "--compiled", name="compiled", cwd=copy)
    try:
        assert "compiled routes: 21" in served_note(server)
        with http_client() as client:
            assert client.get(server.url("/api/items/abc")).status_code == 422
    finally:
        server.stop()

    api_file = copy / "demo" / "api.py"
    api_file.write_text(api_file.read_text() + '\n\n@api.get("/health/deep")\ndef deep() -> dict:\n'
                        '    return {"deep": True}\n')
    stale = run([*BOLT, "check", "--settings", "demo.settings"], copy, env)
    assert stale.returncode == 1
    assert stale.stdout.startswith("stale: ") and "src/routes.rs (updated)" in stale.stdout
    assert len(stale.stdout.strip().splitlines()) == 1
    assert manage(copy, env, "boltgen", "--check").returncode == 1

    server = BoltServer(tmp_path, env, name="stale", cwd=copy)
    try:
        note = served_note(server)
        assert "stale" in note and "boltgen" in note and "interpreted routes: 22" in note
        with http_client() as client:
            assert client.get(server.url("/health/deep")).json() == {"deep": True}
    finally:
        server.stop()

    refused = manage(copy, env, "runbolt", "--compiled", "--skip-checks", "--port", "1")
    assert refused.returncode != 0
    assert "stale" in refused.stderr and "boltgen" in refused.stderr

    rebuilt = run([*BOLT, "build", "--settings", "demo.settings", "--debug"], copy, env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert run([*BOLT, "check", "--settings", "demo.settings"], copy, env).returncode == 0
    server = BoltServer(tmp_path, env, "--compiled", name="rebuilt", cwd=copy)
    try:
        assert "compiled routes: 22" in served_note(server)
        with http_client() as client:
            assert client.get(server.url("/health/deep")).json() == {"deep": True}
    finally:
        server.stop()


def test_build_errors_name_the_handler(project, tmp_path):
    copy, env = project
    bad = tmp_path / "badapi"
    bad.mkdir()
    (bad / "broken_api.py").write_text(
        "from django_bolt import BoltAPI, Query\napi = BoltAPI()\n\n"
        "@api.get('/x/{a}')\ndef unbound(a: int, b: dict = Query()) -> dict:\n    return {}\n")
    (bad / "broken_settings.py").write_text("from demo.settings import *\nBOLT_API = ['broken_api:api']\n")
    env = {**env, "PYTHONPATH": os.pathsep.join([str(bad), str(copy)])}
    result = manage(copy, env, "boltgen", "--settings", "broken_settings", "--debug")
    assert result.returncode != 0
    assert "broken_api:unbound" in result.stderr and "parameter 'b'" in result.stderr
