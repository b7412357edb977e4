"""Profile one benchmark server under the HTTP benchmark's load: `perf record` (DWARF call
graphs) on the pinned server process while wrk drives one endpoint from the other core.
Run after `make bench-http` has set up the venvs and builds (it uses them as they are).

    python benches/http/profile_server.py compiled echo [--seconds 5] [--out /tmp/bolt-perf]
    perf report -i /tmp/bolt-perf/compiled-echo.data --no-children --sort dso,sym
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("server", help="compiled, interpreted, django-bolt, ...")
    parser.add_argument("endpoint", choices=list(bench.ENDPOINTS))
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bolt-perf"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server = bench.servers([args.server])[0]
    wrk = bench.ensure_wrk()
    running = bench.Running(server)
    try:
        bench.wrk(wrk, server.port, args.endpoint, 2, 64)  # warm-up
        data = args.out / f"{args.server}-{args.endpoint}.data"
        perf = subprocess.Popen(
            ["perf", "record", "--call-graph", "dwarf,16384", "-F", "500", "-o", str(data),
             "-p", str(running.proc.pid), "--", "sleep", str(args.seconds)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.2)
        sample = bench.wrk(wrk, server.port, args.endpoint, args.seconds, 64)
        perf.wait()
        print(f"{args.server} {args.endpoint}: {sample.rps:,.0f} req/s, p99 {sample.p99_ms} ms; profile in {data}")
    finally:
        running.stop()


if __name__ == "__main__":
    main()
