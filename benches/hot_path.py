"""Per-request cost of the hot path, phase by phase, without a network (part of `make bench`).

Serves the HTTP benchmark's Django project (benches/http/project) in-process from both route
tables and asks the runtime (`profile_request`, Rust-side timing) how long each phase of one
request takes: routing, extraction (parameters and body scan), taking the GIL, the handler
call (arguments, call, eager coroutine step), encoding the result and writing the response
head and body into a buffer. "whole request" runs them together, as the server does.

    python benches/hot_path.py [--iterations N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "http" / "project"), str(HERE / "http")]
CACHE = Path(os.environ.get("BOLT_CACHE_DIR") or Path.home() / ".cache" / "django-bolt")
WORK = Path(tempfile.mkdtemp(prefix="bolt-hot-path-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
os.environ["BENCH_DB"] = str(WORK / "bench.sqlite3")
os.environ["BOLT_BUILD_DIR"] = str(CACHE / "bench-hot-path")

import benchdata  # noqa: E402
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django_bolt.build.project import boltgen, project_routes, select_runtime  # noqa: E402
from django_bolt.runtime import create_app  # noqa: E402

REQUESTS = {  # endpoint -> (method, path, query, body)
    "json": ("GET", "/json", "", b""),
    "items": ("GET", f"/items/{benchdata.ITEM_ID}", f"q={benchdata.ITEM_QUERY}", b""),
    "echo": ("POST", "/echo", "", benchdata.dumps(benchdata.order())),
    "users": ("GET", "/users", "", b""),
    "big": ("GET", "/big", "", b""),
}
ITERATIONS = {"json": 1.0, "items": 1.0, "echo": 0.1, "users": 0.02, "big": 0.02}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=50_000, help="requests per phase for /json")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("seed_bench", stdout=open(os.devnull, "w"))
    project = project_routes()
    print("compiling the bench project's table (boltgen, release)...", file=sys.stderr)
    boltgen()
    tables = {"interpreted": create_app(project), "compiled": select_runtime(require_compiled=True).runtime}
    headers = [("content-type", "application/json")]
    rows: dict[str, dict[str, list[tuple[str, float]]]] = {}
    for endpoint, (method, path, query, body) in REQUESTS.items():
        count = max(200, int(args.iterations * ITERATIONS[endpoint]))
        for name, runtime in tables.items():
            runtime.module.profile_request(runtime.app, method, path, query, headers, body, iterations=count // 10)
            rows.setdefault(endpoint, {})[name] = runtime.module.profile_request(
                runtime.app, method, path, query, headers, body, iterations=count)
    phases = [phase for phase, _ in rows["json"]["compiled"]]
    print("\nPer-request cost of each phase, ns (compiled / interpreted table):\n")
    print("| endpoint | " + " | ".join(phases) + " |")
    print("|---|" + "---:|" * len(phases))
    for endpoint, by_table in rows.items():
        compiled, interpreted = dict(by_table["compiled"]), dict(by_table["interpreted"])
        cells = [f"{compiled[p]:,.0f} / {interpreted[p]:,.0f}" for p in phases]
        print(f"| `{REQUESTS[endpoint][0]} {REQUESTS[endpoint][1]}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
