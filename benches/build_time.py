"""`make bench-build`: cold build time of the demo's compiled route table, and the time from
`boltgen` start to a served request after one route change with a warm target dir.

Runs on a copy of examples/demo; release profile (no LTO), as `manage.py boltgen` builds."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def boltgen(copy: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "boltgen"], cwd=copy, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def serve_first_request(copy: Path, env: dict[str, str], path: str) -> float:
    """Seconds from runbolt start to a 200 on `path`, served from the compiled table."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "manage.py", "runbolt", "--compiled", "--skip-checks", "--host",
                             "127.0.0.1", "--port", str(port)], cwd=copy, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = started + 60
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"runbolt exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.02)
        raise SystemExit("runbolt did not answer within 60 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-cold", action="store_true", help="only measure the warm rebuild")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bolt-bench-build-"))
    copy = work / "demo"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns(".bolt", "db.sqlite3", "__pycache__"))
    env = {**os.environ, "DEMO_DB": str(work / "db.sqlite3")}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=copy, env=env, check=True)
    if not args.skip_cold:
        cold_env = {**env, "BOLT_TARGET_DIR": str(work / "cold-target")}
        print(f"cold build (empty target dir, release): {boltgen(copy, cold_env):.1f} s", flush=True)
        shutil.rmtree(work / "cold-target", ignore_errors=True)
    boltgen(copy, env)  # warm the shared target dir for this exact state
    api = copy / "demo" / "api.py"
    api.write_text(api.read_text() + '\n\n@api.get("/bench/changed")\ndef changed() -> dict:\n'
                   '    return {"changed": True}\n')
    started = time.perf_counter()
    build = boltgen(copy, env)
    serve = serve_first_request(copy, env, "/bench/changed")
    total = time.perf_counter() - started
    print(f"warm rebuild after one route change: boltgen {build:.1f} s + first served request {serve:.1f} s "
          f"= {total:.1f} s (target < 15 s)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
