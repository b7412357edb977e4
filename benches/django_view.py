"""A Django view (`JsonResponse`) served by runbolt against the same view under gunicorn, in
one run (part of `make bench`; issue 13, acceptance 3).

The HTTP benchmark's project (benches/http/project) has one Django URL, `/django/json`. Each
server is one process pinned to core 0 (gunicorn: one sync worker, its usual deployment unit),
wrk drives it from core 1; rounds alternate the servers so each ratio compares neighbours.

    python benches/django_view.py [--runs 3] [--duration 5] [--connections 64]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROJECT = HERE / "http" / "project"
sys.path[:0] = [str(HERE / "http"), str(HERE)]
import run as http_bench  # noqa: E402  (wrk, quiet-machine wait)
from demo_server import free_port, stop  # noqa: E402
from middleware import load, load_args, write_report  # noqa: E402

BODY = b'{"message": "Hello, World!"}'


def gunicorn() -> str:
    found = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
    if not Path(found).exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "gunicorn>=22"], check=True)
    return str(Path(sys.executable).with_name("gunicorn"))


@contextlib.contextmanager
def server(name: str, argv: list[str], port: int, env: dict[str, str], work: Path):
    log = open(work / f"{name}.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(["taskset", "-c", http_bench.SERVER_CORE, *argv], cwd=PROJECT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/django/json", timeout=2) as response:
                    assert response.read() == BODY, name
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"{name} did not start:\n{(work / f'{name}.log').read_text()}")
                time.sleep(0.1)
        yield port
    finally:
        stop(proc)
        log.close()


def main() -> int:
    args = load_args(__doc__)
    wrk = http_bench.ensure_wrk()
    gunicorn_bin = gunicorn()
    work = Path(tempfile.mkdtemp(prefix="bolt-bench-django-"))
    env = {**os.environ, "BENCH_DB": str(work / "bench.sqlite3"), "DJANGO_SETTINGS_MODULE": "benchsite.settings",
           "PYTHONPATH": os.pathsep.join([str(HERE / "http"), str(PROJECT)])}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=PROJECT, env=env, check=True)
    bolt_port, gunicorn_port = free_port(), free_port()
    bolt_argv = [sys.executable, "manage.py", "runbolt", "--host", "127.0.0.1", "--port", str(bolt_port),
                 "--skip-checks"]
    gunicorn_argv = [gunicorn_bin, "benchsite.wsgi:application", "--workers", "1", "--bind",
                     f"127.0.0.1:{gunicorn_port}", "--log-level", "warning"]
    samples: dict[str, list[http_bench.Sample]] = {"runbolt": [], "gunicorn": []}
    with server("runbolt", bolt_argv, bolt_port, env, work), \
            server("gunicorn", gunicorn_argv, gunicorn_port, {**env, "PYTHONUNBUFFERED": "1"}, work):
        ports = {"runbolt": bolt_port, "gunicorn": gunicorn_port}
        quiet = http_bench.wait_quiet()
        for run in range(args.runs):
            for name in (["runbolt", "gunicorn"] if run % 2 == 0 else ["gunicorn", "runbolt"]):
                load(wrk, ports[name], "GET", "/django/json", {}, 1, args.connections)
                samples[name].append(load(wrk, ports[name], "GET", "/django/json", {}, args.duration,
                                          args.connections))
    ratio = statistics.median(a.rps / b.rps for a, b in zip(samples["runbolt"], samples["gunicorn"], strict=True))
    lines = [f"# A Django view: runbolt vs gunicorn ({dt.date.today().isoformat()})", "",
             f"`python benches/django_view.py --runs {args.runs} --duration {args.duration} --connections "
             f"{args.connections}`: `GET /django/json` (a `JsonResponse` view of benches/http/project, no "
             f"middleware); each server one process on core {http_bench.SERVER_CORE} (gunicorn: 1 sync worker, "
             f"access log off), wrk -t1 on core {http_bench.LOAD_CORE}; machine {quiet:.0%} busy before the runs.",
             "", "| server | req/s | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    for name, runs in samples.items():
        errors = " ⚠ " + runs[-1].errors if any(s.errors for s in runs) else ""
        lines.append(f"| {name} | {statistics.median(s.rps for s in runs):,.0f} | "
                     f"{statistics.median(s.p50_ms for s in runs):.2f} | "
                     f"{statistics.median(s.p99_ms for s in runs):.2f} |{errors}")
    lines += ["", f"runbolt ÷ gunicorn: **{ratio:.2f}×** req/s (median of the runs' paired ratios)"]
    write_report(lines, "django-view")
    return 0


if __name__ == "__main__":
    sys.exit(main())
