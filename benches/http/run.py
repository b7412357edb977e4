"""`make bench-http`: this project against django-bolt 0.13, FastAPI, Litestar and a bare
actix-web, over HTTP, in one run.

Every peer gets its own venv on the same Python 3.12 (under the cache dir), the Django-based
servers serve the same project and SQLite file, and each server runs as one process pinned to
one core while wrk drives it from the other. Every response is checked byte for byte before it
is timed. The table (req/s, p50/p99, ratio to this project's compiled table in the same run)
goes to benches/results/.

    python benches/http/run.py [--runs 5] [--duration 10] [--warmup 3] [--servers a,b]
                               [--endpoints json,items] [--skip-setup]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import benchdata  # noqa: E402

CACHE = Path(os.environ.get("BOLT_CACHE_DIR") or Path.home() / ".cache" / "django-bolt") / "bench-http"
VENVS = CACHE / "venvs"
PROJECT = HERE / "project"
DJANGO = "Django==5.2.*"
SERVER_CORE, LOAD_CORE = "0", "1"
PORT = 18431  # first of the servers' ports

ENDPOINTS = {  # name -> (method, path)
    "json": ("GET", "/json"),
    "items": ("GET", f"/items/{benchdata.ITEM_ID}?q={benchdata.ITEM_QUERY}"),
    "echo": ("POST", "/echo"),
    "users": ("GET", "/users"),
    "big": ("GET", "/big"),
}


def log(message: str) -> None:
    print(f"[bench-http {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("check", True)
    return subprocess.run(cmd, **kwargs)


# ---------------------------------------------------------------------------------------------
# setup: wrk, Python 3.12, one venv per peer, this project built release, the actix ceiling

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("installing wrk (apt-get)")
    run(["apt-get", "update", "-qq"])
    run(["apt-get", "install", "-y", "-qq", "wrk"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def python312() -> str:
    candidates = [os.environ.get("BENCH_PYTHON", "")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob("versions/3.12*/bin/python3.12"))
    candidates.append(shutil.which("python3.12") or "")
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    sys.exit("Python 3.12 not found (pyenv versions/3.12*, python3.12 on PATH, or BENCH_PYTHON)")


def venv(name: str, requirements: list[str]) -> Path:
    """A venv on Python 3.12 with `requirements`, rebuilt when they change."""
    path = VENVS / name
    marker = path / ".requirements"
    wanted = "\n".join(requirements)
    if marker.is_file() and marker.read_text() == wanted:
        return path
    log(f"creating venv {name}: {' '.join(requirements)}")
    shutil.rmtree(path, ignore_errors=True)
    run([python312(), "-m", "venv", str(path)])
    run([str(path / "bin/python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(path / "bin/python"), "-m", "pip", "install", "--quiet", *requirements])
    marker.write_text(wanted)
    return path


def build_this_project(env_dir: Path) -> None:
    """This project's wheel as shipped (dist profile: release + LTO) on Python 3.12, installed
    (not editable, so the source tree's debug `_core` used by the tests stays as it is)."""
    python = str(env_dir / "bin/python")
    wheels = CACHE / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    log("building this project (dist wheel, Python 3.12)")
    # Keyed by checkout (see the Makefile): another checkout's build is never reused.
    checkout = hashlib.sha256(str(REPO).encode()).hexdigest()[:12]
    env = {**os.environ, "CARGO_TARGET_DIR": str(CACHE / "targets" / checkout / "wheel")}
    env.pop("VIRTUAL_ENV", None)
    run([str(env_dir / "bin/maturin"), "build", "--profile", "dist", "--quiet", "--interpreter", python,
         "--out", str(wheels)], cwd=REPO, env=env)
    wheel = next(wheels.glob("*.whl"))
    # Earlier versions of this script linked `_runtime` to the checkout: never install through it.
    for link in env_dir.glob("lib/python*/site-packages/django_bolt/_runtime"):
        if link.is_symlink():
            link.unlink()
    # The wheel ships the runtime sources that boltgen compiles the project's table against.
    run([python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", str(wheel)])


def build_ceiling() -> Path:
    log("building the actix-web ceiling (release)")
    target = CACHE / "target-ceiling"
    run(["cargo", "build", "--release", "--quiet", "-p", "bolt-bench-ceiling"], cwd=REPO,
        env={**os.environ, "CARGO_TARGET_DIR": str(target)})
    return target / "release/bolt-bench-ceiling"


def django_env(env_dir: Path, build_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{PROJECT}{os.pathsep}{HERE}",
        "DJANGO_SETTINGS_MODULE": "benchsite.settings",
        "BENCH_DB": str(CACHE / "bench.sqlite3"),
        "BOLT_BUILD_DIR": str(build_dir),
        "BOLT_TARGET_DIR": str(CACHE / "target-project"),
        "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }


def prepare_database(env_dir: Path) -> None:
    db = CACHE / "bench.sqlite3"
    db.unlink(missing_ok=True)
    env = django_env(env_dir, CACHE / "build-none")
    manage = [str(env_dir / "bin/python"), str(PROJECT / "manage.py")]
    run([*manage, "migrate", "--noinput", "-v", "0"], env=env)
    run([*manage, "seed_bench"], env=env, stdout=subprocess.DEVNULL)


def boltgen(env_dir: Path) -> None:
    """The project's compiled table as it ships: the `wheel` profile (release + LTO) that
    `bolt build --wheel` packages."""
    log("compiling the project's route table (boltgen, wheel profile)")
    env = django_env(env_dir, CACHE / "build-compiled")
    script = ("import django; django.setup()\n"
              "from django_bolt.build.project import boltgen, build_dir\n"
              "boltgen(build_dir(), profile='wheel')\n")
    run([str(env_dir / "bin/python"), "-c", script], env=env, cwd=PROJECT)


# ---------------------------------------------------------------------------------------------
# servers

@dataclass
class Server:
    name: str
    cmd: list[str]
    env: dict[str, str]
    endpoints: list[str]
    port: int
    cwd: Path = PROJECT


def servers(selected: list[str] | None) -> list[Server]:
    """Every server on its own port, so all can run at once and the runs interleave."""
    ours, b013 = VENVS / "ours", VENVS / "bolt013"
    fa, ls = VENVS / "fastapi", VENVS / "litestar"

    def runbolt(port: int) -> list[str]:
        return ["manage.py", "runbolt", "--host", "127.0.0.1", "--port", str(port), "--processes", "1",
                "--workers", "1"]

    peer_env = {**os.environ, "PYTHONPATH": str(HERE)}
    every = list(ENDPOINTS)
    no_orm = [e for e in every if e != "users"]
    port = iter(range(PORT, PORT + 100))
    all_servers = [
        Server("compiled", [str(ours / "bin/python"), *runbolt(p := next(port)), "--compiled"],
               django_env(ours, CACHE / "build-compiled"), every, p),
        Server("interpreted", [str(ours / "bin/python"), *runbolt(p := next(port))],
               django_env(ours, CACHE / "build-none"), every, p),
        Server("django-bolt 0.13", [str(b013 / "bin/python"), *runbolt(p := next(port))],
               django_env(b013, CACHE / "build-none"), every, p),
        Server("fastapi+uvicorn", [str(fa / "bin/uvicorn"), "fastapi_app:app", "--host", "127.0.0.1", "--port",
                                   str(p := next(port)), "--workers", "1", "--loop", "uvloop", "--http",
                                   "httptools", "--log-level", "warning", "--no-access-log"],
               peer_env, no_orm, p, cwd=HERE / "peers"),
        Server("litestar+granian", [str(ls / "bin/granian"), "--interface", "asgi", "--host", "127.0.0.1",
                                    "--port", str(p := next(port)), "--workers", "1", "--loop", "uvloop",
                                    "--log-level", "warning", "--no-access-log", "litestar_app:app"],
               peer_env, no_orm, p, cwd=HERE / "peers"),
        Server("actix-web (ceiling)", [str(CACHE / "target-ceiling/release/bolt-bench-ceiling"),
                                       str(p := next(port)), str(big_body())], dict(os.environ),
               ["json", "echo", "big"], p, cwd=REPO),
    ]
    return [s for s in all_servers if selected is None or s.name.split()[0] in selected or s.name in selected]


def big_body() -> Path:
    """`/big`'s answer as a file, for the actix-web ceiling to serve."""
    path = CACHE / "big.json"
    path.write_bytes(benchdata.expected_bodies()["big"])
    return path


def package_version(env_dir: Path, dist: str) -> str:
    out = run([str(env_dir / "bin/python"), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
              capture_output=True, text=True, check=False)
    return out.stdout.strip() or "?"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Running:
    """A server process pinned to SERVER_CORE, in its own process group; stopped by its PID."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.log = tempfile.TemporaryFile()
        if port_open(server.port):
            raise RuntimeError(f"port {server.port} is already in use")
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CORE, *server.cmd], cwd=server.cwd, env=server.env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while not port_open(server.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{server.name} did not start:\n{self.output()}")
            time.sleep(0.1)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        deadline = time.monotonic() + 10
        while port_open(self.server.port) and time.monotonic() < deadline:
            time.sleep(0.1)


def fetch(port: int, endpoint: str) -> tuple[int, bytes]:
    method, path = ENDPOINTS[endpoint]
    data = benchdata.dumps(benchdata.order()) if method == "POST" else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def verify(server: Server, endpoint: str) -> str | None:
    """None when the answer is right, else what is wrong with it."""
    status, body = fetch(server.port, endpoint)
    want = benchdata.expected_bodies()[endpoint]
    if status != 200:
        return f"status {status}: {body[:200]!r}"
    if body != want:
        at = next((i for i, (a, b) in enumerate(zip(body, want, strict=False)) if a != b), min(len(body), len(want)))
        near = slice(max(0, at - 40), at + 40)
        return f"body differs at byte {at}: got {body[near]!r}, want {want[near]!r}"
    return None


# ---------------------------------------------------------------------------------------------
# load

def cpu_busy(interval: float = 0.5) -> float:
    """Fraction of all CPUs busy over `interval` (from /proc/stat)."""
    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]
        return idle, sum(fields)

    idle0, total0 = sample()
    time.sleep(interval)
    idle1, total1 = sample()
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


def wait_quiet(limit: float = 0.10, max_wait: float = 120.0) -> float:
    """Wait until the machine is quiet (less than `limit` of all CPUs busy, twice in a row);
    returns the last reading (the run goes ahead after `max_wait` anyway)."""
    deadline = time.monotonic() + max_wait
    quiet = 0
    busy = cpu_busy()
    while time.monotonic() < deadline:
        busy = cpu_busy()
        quiet = quiet + 1 if busy < limit else 0
        if quiet >= 2:
            break
    return busy


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: str = ""


def _ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def wrk(wrk_bin: str, port: int, endpoint: str, duration: int, connections: int) -> Sample:
    method, path = ENDPOINTS[endpoint]
    script = None
    cmd = ["taskset", "-c", LOAD_CORE, wrk_bin, "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
           "--timeout", "10s"]
    if method == "POST":
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        body = benchdata.dumps(benchdata.order()).decode()
        script.write(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                     f"wrk.body = [==[{body}]==]\n")
        script.close()
        cmd += ["-s", script.name]
    try:
        out = run([*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    finally:
        if script is not None:
            os.unlink(script.name)
    rps, p50, p99, errors = 0.0, 0.0, 0.0, []
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            rps = float(words[1])
        elif len(words) == 2 and words[0] == "50%":
            p50 = _ms(words[1])
        elif len(words) == 2 and words[0] == "99%":
            p99 = _ms(words[1])
        elif "Non-2xx" in line or "Socket errors" in line:
            errors.append(line.strip())
    return Sample(rps, p50, p99, "; ".join(errors))


# ---------------------------------------------------------------------------------------------
# report

@dataclass
class Cell:
    samples: list[Sample] = field(default_factory=list)
    problem: str = ""

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


def paired_ratio(top: Cell, bottom: Cell) -> float:
    """Median over the runs of top ÷ bottom, each pair timed back to back (this shared
    machine drifts between runs more than between neighbouring servers)."""
    pairs = [a.rps / b.rps for a, b in zip(top.samples, bottom.samples, strict=False) if b.rps]
    return statistics.median(pairs) if pairs else 0.0


def fmt_rps(value: float) -> str:
    return f"{value / 1000:.1f}k" if value >= 10_000 else f"{value:,.0f}"


def report(results: dict[str, dict[str, Cell]], server_list: list[Server], endpoints: list[str],
           conditions: list[str]) -> str:
    names = [s.name for s in server_list]
    lines = ["# HTTP benchmark", "", *conditions, "",
             "Median of the runs: req/s (p50 / p99 latency in ms); **ratio** = req/s ÷ this project's compiled "
             "table's, the median of the runs' ratios (each run times the servers back to back).", ""]
    lines.append("| endpoint | " + " | ".join(names) + " |")
    lines.append("|---|" + "---:|" * len(names))
    for endpoint in endpoints:
        method, path = ENDPOINTS[endpoint]
        row = [f"`{method} {path}`"]
        base = results.get("compiled", {}).get(endpoint)
        for name in names:
            cell = results.get(name, {}).get(endpoint)
            if cell is None:
                row.append("")
            elif cell.problem:
                row.append(f"✗ {cell.problem[:60]}")
            else:
                rps = cell.median("rps")
                text = f"{fmt_rps(rps)} ({cell.median('p50_ms'):.2f} / {cell.median('p99_ms'):.2f})"
                if base and base.samples and not base.problem and name != "compiled":
                    text += f" **{paired_ratio(cell, base):.2f}×**"
                if any(s.errors for s in cell.samples):
                    text += " ⚠"
                row.append(text)
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Targets (this project ÷ django-bolt 0.13, req/s):", ""]
    targets = {"json": 1.2, "items": 1.2, "echo": 1.3, "big": 1.5, "users": 1.2}
    for endpoint in endpoints:
        ours = results.get("compiled", {}).get(endpoint)
        peer = results.get("django-bolt 0.13", {}).get(endpoint)
        if not (ours and peer and ours.samples and peer.samples):
            continue
        ratio = paired_ratio(ours, peer)
        p99_ok = ours.median("p99_ms") <= peer.median("p99_ms")
        interp = results.get("interpreted", {}).get(endpoint)
        faster = "" if not (interp and interp.samples) else (
            f"; compiled ÷ interpreted {paired_ratio(ours, interp):.2f}×")
        lines.append(f"- `{endpoint}`: {ratio:.3f}× (target {targets[endpoint]}×: "
                     f"{'met' if ratio >= targets[endpoint] else 'NOT met'}); p99 "
                     f"{ours.median('p99_ms'):.2f} vs {peer.median('p99_ms'):.2f} ms "
                     f"({'met' if p99_ok else 'NOT met'}){faster}")
    problems = [(n, e, c) for n, by in results.items() for e, c in by.items()
                if c.problem or any(s.errors for s in c.samples)]
    if problems:
        lines += ["", "Problems:", ""]
        for name, endpoint, cell in problems:
            detail = cell.problem or "; ".join(s.errors for s in cell.samples if s.errors)
            lines.append(f"- {name} `{endpoint}`: {detail}")
    per_run = ["", "Every run (req/s):", ""]
    for name in names:
        for endpoint, cell in results.get(name, {}).items():
            if cell.samples:
                per_run.append(f"- {name} `{endpoint}`: " + ", ".join(f"{s.rps:,.0f}" for s in cell.samples))
    return "\n".join(lines + per_run) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--servers", help="comma-separated: compiled, interpreted, django-bolt, fastapi+uvicorn, "
                                          "litestar+granian, actix-web")
    parser.add_argument("--endpoints", help=f"comma-separated: {', '.join(ENDPOINTS)}")
    parser.add_argument("--skip-setup", action="store_true", help="reuse the venvs and builds as they are")
    parser.add_argument("--out", type=Path, default=REPO / "benches" / "results")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        sys.exit("bench-http needs two cores (one for the server, one for wrk)")
    endpoints = args.endpoints.split(",") if args.endpoints else list(ENDPOINTS)
    selected = args.servers.split(",") if args.servers else None
    CACHE.mkdir(parents=True, exist_ok=True)
    wrk_bin = ensure_wrk()
    requirements = {
        "ours": [DJANGO, "msgspec", "maturin>=1.5,<2"],
        "bolt013": [DJANGO, "django-bolt==0.13.*"],
        "fastapi": ["fastapi", "uvicorn", "uvloop", "httptools"],
        "litestar": ["litestar", "granian", "uvloop"],
    }
    for name, reqs in requirements.items():
        if not args.skip_setup or not (VENVS / name).is_dir():
            venv(name, reqs)
    if not args.skip_setup:
        build_this_project(VENVS / "ours")
        build_ceiling()
        prepare_database(VENVS / "ours")
        boltgen(VENVS / "ours")
    server_list = servers(selected)
    versions = {
        "compiled": f"django-bolt (this project) {package_version(VENVS / 'ours', 'django-bolt')}",
        "django-bolt 0.13": f"django-bolt {package_version(VENVS / 'bolt013', 'django-bolt')}",
        "fastapi+uvicorn": f"fastapi {package_version(VENVS / 'fastapi', 'fastapi')}, uvicorn "
                           f"{package_version(VENVS / 'fastapi', 'uvicorn')}",
        "litestar+granian": f"litestar {package_version(VENVS / 'litestar', 'litestar')}, granian "
                            f"{package_version(VENVS / 'litestar', 'granian')}",
    }
    results: dict[str, dict[str, Cell]] = {s.name: {} for s in server_list}
    quiet_readings: list[float] = []
    running: list[Running] = []
    try:
        for server in server_list:
            log(f"starting {server.name} on port {server.port}")
            running.append(Running(server))
        # Round-robin: each endpoint's runs alternate between the servers, so a slow spell of
        # this shared machine hits every server alike.
        for endpoint in endpoints:
            for run_index in range(args.runs):
                for server in server_list:
                    if endpoint not in server.endpoints:
                        continue
                    cell = results[server.name].setdefault(endpoint, Cell())
                    if cell.problem:
                        continue
                    problem = verify(server, endpoint)
                    if problem:
                        cell.problem = problem
                        log(f"{server.name} {endpoint}: WRONG ANSWER, not timed: {problem}")
                        continue
                    wrk(wrk_bin, server.port, endpoint, args.warmup, args.connections)
                    quiet_readings.append(wait_quiet())
                    sample = wrk(wrk_bin, server.port, endpoint, args.duration, args.connections)
                    cell.samples.append(sample)
                    log(f"run {run_index + 1}/{args.runs} {server.name} {endpoint}: {sample.rps:,.0f} req/s "
                        f"p50 {sample.p50_ms:.2f} ms p99 {sample.p99_ms:.2f} ms {sample.errors}")
                    problem = verify(server, endpoint)  # still right after the load
                    if problem:
                        cell.problem = f"after load: {problem}"
    finally:
        for server in running:
            server.stop()
    py_version = run([python312(), "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                     text=True).stdout.strip()
    conditions = [
        f"- {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), Linux {platform.release()}",
        f"- Python {py_version} "
        f"for every Python server; {DJANGO.replace('==', ' ')} for both django-bolts; same project and SQLite file",
        f"- each server: one process pinned to core {SERVER_CORE} (`taskset`); wrk on core {LOAD_CORE}: 1 thread, "
        f"{args.connections} connections, {args.duration} s after a {args.warmup} s warm-up, {args.runs} run(s), "
        "servers started together, each endpoint's runs alternating between them; each response checked "
        "byte for byte before and after timing",
        f"- machine busy before timed runs (all CPUs): max {max(quiet_readings, default=0):.0%}",
        *[f"- {versions[k]}" for k in versions if k in results],
    ]
    text = report(results, server_list, endpoints, conditions)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"http-{dt.datetime.now():%Y%m%d-%H%M%S}.md"
    out.write_text(text)
    (args.out / "http-latest.md").write_text(text)
    print(text)
    log(f"written to {out}")
    return 1 if any(c.problem for by in results.values() for c in by.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
