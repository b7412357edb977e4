"""Instructions per request of one benchmark endpoint, counted by callgrind: the measure the
hot-path decisions in docs/performance.md were made with (timings on these machines drift by
20%, instruction counts do not).

Runs `hot_path.py`'s phases (`profile_request`) for the endpoint under valgrind twice, with N
and 3N iterations, and prints the difference per iteration, so start-up costs cancel out. One
iteration times every phase once plus a whole request (about two requests' worth of work).

    python benches/count_instructions.py echo [--table compiled|interpreted] [--iterations 100]
    callgrind_annotate /tmp/bolt-callgrind-echo-compiled-300.out | head -40   # where they go
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(endpoint: str, table: str, iterations: int) -> None:
    sys.argv = [sys.argv[0]]
    import hot_path

    method, path, query, body = hot_path.REQUESTS[endpoint]
    hot_path.call_command("migrate", verbosity=0)
    hot_path.call_command("seed_bench", stdout=open("/dev/null", "w"))  # noqa: SIM115
    if table == "compiled":
        hot_path.boltgen()
        runtime = hot_path.select_runtime(require_compiled=True).runtime
    else:
        runtime = hot_path.create_app(hot_path.project_routes())
    headers = [("content-type", "application/json")]
    runtime.module.profile_request(runtime.app, method, path, query, headers, body, iterations=iterations)


def count(endpoint: str, table: str, iterations: int) -> int:
    out = Path(f"/tmp/bolt-callgrind-{endpoint}-{table}-{iterations}.out")
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--collect-atstart=no",
         "--toggle-collect=bolt_runtime::py_api::profile_request", f"--callgrind-out-file={out}",
         sys.executable, __file__, "--child", endpoint, "--table", table, "--iterations", str(iterations)],
        capture_output=True, text=True, cwd=HERE, timeout=1800)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or not found:
        sys.exit(f"valgrind failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("endpoint", choices=["json", "items", "echo", "users", "big"])
    parser.add_argument("--table", choices=["compiled", "interpreted"], default="compiled")
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.endpoint, args.table, args.iterations)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    # The compiled table is built once, outside valgrind, by the first (uncounted) child run.
    subprocess.run([sys.executable, __file__, "--child", args.endpoint, "--table", args.table,
                    "--iterations", "1"], check=True, cwd=HERE)
    low, high = args.iterations, 3 * args.iterations
    per_iteration = (count(args.endpoint, args.table, high) - count(args.endpoint, args.table, low)) / (high - low)
    print(f"{args.endpoint} ({args.table} table): {per_iteration:,.0f} instructions per profile iteration")


if __name__ == "__main__":
    main()
