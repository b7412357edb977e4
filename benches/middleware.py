"""The Rust middleware over HTTP (part of `make bench`; issue 12, acceptance 3).

Serves tests/projects/mwsite under `runbolt` (one process pinned to one core, release build of
the runtime, interpreted table) while wrk drives it from the other core, and times, in rounds
back to back so each ratio compares neighbours:

- `GET /secure` with a valid HS256 JWT (authentication + `IsAuthenticated` in Rust) against the
  same handler without auth (`GET /plain`): target ≤ 10% slower;
- a CORS preflight (`OPTIONS /secure`, answered in Rust) against `GET /plain`;
- `GET /big` (about 100 KB of JSON) gzip-compressed against the same response uncompressed.

    python benches/middleware.py [--runs 3] [--duration 5] [--connections 64]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MWSITE = REPO / "tests" / "projects" / "mwsite"
sys.path[:0] = [str(HERE / "http"), str(HERE)]
import run as http_bench  # noqa: E402  (wrk, quiet-machine wait, output parsing)
from demo_server import demo_server  # noqa: E402

SECRET = "mwsite-not-secret-0123456789abcdef"
ORIGIN = "https://app.example.com"


def token() -> str:
    from django_bolt.auth.token import Token

    return Token.create("1", expires_in=3600).encode(SECRET)


def cases() -> dict[str, tuple[str, str, dict[str, str]]]:
    return {
        "plain": ("GET", "/plain", {}),
        "jwt": ("GET", "/secure", {"Authorization": f"Bearer {token()}"}),
        "preflight": ("OPTIONS", "/secure", {"Origin": ORIGIN, "Access-Control-Request-Method": "GET",
                                             "Access-Control-Request-Headers": "authorization"}),
        "big": ("GET", "/big", {"Accept-Encoding": "identity"}),
        "big-gzip": ("GET", "/big", {"Accept-Encoding": "gzip"}),
    }


def check(port: int, method: str, path: str, headers: dict[str, str]) -> tuple[int, int]:
    """Status and body size of one answer, before it is timed."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, len(response.read())


def load(wrk: str, port: int, method: str, path: str, headers: dict[str, str], duration: int,
         connections: int) -> http_bench.Sample:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(f'wrk.method = "{method}"\n')
    script.close()
    cmd = ["taskset", "-c", http_bench.LOAD_CORE, wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
           "--timeout", "10s", "-s", script.name]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    try:
        out = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                             check=True).stdout
    finally:
        os.unlink(script.name)
    sample = http_bench.Sample(0.0, 0.0, 0.0)
    errors = []
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            sample.rps = float(words[1])
        elif len(words) == 2 and words[0] == "50%":
            sample.p50_ms = http_bench._ms(words[1])
        elif len(words) == 2 and words[0] == "99%":
            sample.p99_ms = http_bench._ms(words[1])
        elif "Non-2xx" in line or "Socket errors" in line:
            errors.append(line.strip())
    sample.errors = "; ".join(errors)
    return sample


def load_args(doc: str | None) -> argparse.Namespace:
    """`--runs`, `--duration` (seconds per run) and `--connections` of a load benchmark."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    return parser.parse_args()


def main() -> int:
    args = load_args(__doc__)
    wrk = http_bench.ensure_wrk()
    os.environ.pop("BOLT_RATE_LIMIT_STORE", None)
    with demo_server(None, {}, "bolt-bench-mw-", project=MWSITE, pin=http_bench.SERVER_CORE) as started:
        if started is None:
            return 1
        port = started[0]
        table = cases()
        sizes = {}
        for name, (method, path, headers) in table.items():
            status, size = check(port, method, path, headers)
            assert status == (204 if method == "OPTIONS" else 200), (name, status)
            sizes[name] = size
        quiet = http_bench.wait_quiet()
        samples: dict[str, list[http_bench.Sample]] = {name: [] for name in table}
        for run in range(args.runs):
            order = list(table) if run % 2 == 0 else list(reversed(table))
            for name in order:
                method, path, headers = table[name]
                load(wrk, port, method, path, headers, 1, args.connections)  # warm-up
                samples[name].append(load(wrk, port, method, path, headers, args.duration, args.connections))

    def median(name: str, attr: str = "rps") -> float:
        return statistics.median(getattr(s, attr) for s in samples[name])

    def ratio(top: str, bottom: str) -> float:
        return statistics.median(a.rps / b.rps for a, b in zip(samples[top], samples[bottom], strict=True) if b.rps)

    lines = [f"# Middleware over HTTP ({dt.date.today().isoformat()})", "",
             f"`python benches/middleware.py --runs {args.runs} --duration {args.duration} "
             f"--connections {args.connections}`: one runbolt process (interpreted table) on core "
             f"{http_bench.SERVER_CORE}, wrk -t1 -c{args.connections} on core {http_bench.LOAD_CORE}; machine "
             f"{quiet:.0%} busy before the runs. Medians of {args.runs} runs; ratios are medians of the runs' "
             "paired ratios.", "",
             "| case | request | req/s | p50 ms | p99 ms | body bytes |", "|---|---|---:|---:|---:|---:|"]
    for name, (method, path, _headers) in table.items():
        errors = " ⚠ " + samples[name][-1].errors if any(s.errors for s in samples[name]) else ""
        lines.append(f"| {name} | `{method} {path}` | {median(name):,.0f} | {median(name, 'p50_ms'):.2f} | "
                     f"{median(name, 'p99_ms'):.2f} | {sizes[name]:,} |{errors}")
    jwt = ratio("jwt", "plain")
    lines += ["", f"- JWT-protected ÷ no auth: **{jwt:.3f}×** req/s (target ≥ 0.90: "
                  f"{'met' if jwt >= 0.90 else 'MISSED'})",
              f"- CORS preflight ÷ plain GET: **{ratio('preflight', 'plain'):.2f}×** req/s",
              f"- 100 KB JSON gzip ÷ uncompressed: **{ratio('big-gzip', 'big'):.2f}×** req/s, "
              f"{sizes['big-gzip'] / sizes['big']:.1%} of the bytes"]
    write_report(lines, "middleware")
    return 0


def write_report(lines: list[str], name: str) -> None:
    """Print the report and keep it as benches/results/<name>-<time>.md."""
    report = "\n".join(lines) + "\n"
    print(report)
    out = REPO / "benches" / "results" / f"{name}-{dt.datetime.now():%Y%m%d-%H%M%S}.md"
    out.write_text(report)
    print(f"written to {out.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
