"""End-to-end tests of `manage.py runbolt`: a real server subprocess, real sockets, real signals.

Every test talks to a `runbolt` child process over HTTP on 127.0.0.1 (the demo project in
examples/demo, on a throwaway SQLite database created and seeded once for this module).
Every child is started in its own session and torn down (SIGTERM, then SIGKILL of its process
group) in a `finally`, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO / "examples" / "demo"
HOST = "127.0.0.1"

STARTUP_TIMEOUT = 30.0  # seconds for a server to answer /health
EXIT_TIMEOUT = 15.0  # seconds for a server to exit after SIGTERM
WORKER_LINE = re.compile(r"\[django-bolt (\d+)\] started worker (\d+)")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and SO_REUSEPORT")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def base_env(db_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py defaults to demo.settings
    env.update(DEMO_DB=str(db_path), PYTHONUNBUFFERED="1", DJANGO_DEBUG="0")
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=DEMO_DIR, env=env, capture_output=True,
                          text=True, timeout=timeout)


def http_client(timeout: float = 10.0, **kwargs) -> httpx.Client:
    return httpx.Client(timeout=timeout, trust_env=False, **kwargs)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a reaped-but-not-yet-waited child is a zombie: treat it as dead
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(predicate, timeout: float, interval: float = 0.05, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def tcp_sockets(port: int) -> list[tuple[str, int]]:
    """(state, inode) of every IPv4 TCP socket whose *local* port is `port` (server side)."""
    result = []
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port:
                result.append((fields[3], int(fields[9])))
    return result


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(f"{fd_dir}/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


TCP_ESTABLISHED, TCP_LISTEN = "01", "0A"


def owned_sockets(pid: int, port: int, state: str) -> set[int]:
    """Inodes of server-side sockets on `port` in `state` whose fd is held by process `pid`."""
    wanted = {inode for st, inode in tcp_sockets(port) if st == state and inode}
    return wanted & socket_inodes(pid)


class BoltServer:
    """A `manage.py runbolt` child process; output goes to files so pipes can never fill up."""

    def __init__(self, tmp_path: Path, env: dict[str, str], *args: str, port: int | None = None,
                 name: str = "server", cwd: Path = DEMO_DIR, python: str = sys.executable) -> None:
        self.port = port if port is not None else free_port()
        self.out_path = tmp_path / f"{name}-{self.port}.stdout"
        self.err_path = tmp_path / f"{name}-{self.port}.stderr"
        self._out = open(self.out_path, "wb")  # noqa: SIM115 - closed in stop()
        self._err = open(self.err_path, "wb")  # noqa: SIM115
        self.argv = [python, "manage.py", "runbolt", "--host", HOST, "--port", str(self.port),
                     "--skip-checks", *args]
        self.proc = subprocess.Popen(self.argv, cwd=cwd, env=env, stdout=self._out, stderr=self._err,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def output(self) -> str:
        return f"--- stdout ---\n{self.stdout()}\n--- stderr ---\n{self.stderr()}"

    def started_workers(self) -> list[int]:
        """Worker pids in the order the supervisor logged starting them."""
        return [int(child) for parent, child in WORKER_LINE.findall(self.stderr()) if int(parent) == self.pid]

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> BoltServer:
        deadline = time.monotonic() + timeout
        with http_client(timeout=2.0) as client:
            while True:
                if self.proc.poll() is not None:
                    pytest.fail(f"runbolt exited with {self.proc.returncode} before serving\n{self.output()}")
                try:
                    if client.get(self.url("/health")).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"runbolt did not answer /health within {timeout}s\n{self.output()}")
                time.sleep(0.05)

    def wait_exit(self, timeout: float = EXIT_TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"runbolt (pid {self.pid}) still running {timeout}s after it should have exited\n"
                        f"{self.output()}")

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=EXIT_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            # The child leads its own process group: take down any worker it left behind.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
            self._out.close()
            self._err.close()


@contextlib.contextmanager
def running_server(tmp_path: Path, env: dict[str, str], *args: str, name: str = "server"):
    server = BoltServer(tmp_path, env, *args, name=name)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def connect_refused(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2.0)
        try:
            sock.connect((HOST, port))
        except ConnectionRefusedError:
            return True
        return False


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("bolt-db") / "demo.sqlite3"
    env = base_env(db)
    for command in (("migrate", "--noinput"), ("seed_demo",)):
        done = manage(*command, env=env)
        assert done.returncode == 0, f"manage.py {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return db


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    """One single-process runbolt shared by the read-only tests."""
    with running_server(tmp_path_factory.mktemp("bolt-server"), base_env(demo_db)) as srv:
        yield srv
        assert srv.proc.poll() is None, f"the shared server died during the tests\n{srv.output()}"


# --------------------------------------------------------------------------------------------
# 1. the demo endpoints over real HTTP
# --------------------------------------------------------------------------------------------


def test_health_over_http(server):
    with http_client() as client:
        response = client.get(server.url("/health"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok"}
    assert "routes" in server.stdout() and f"http://{HOST}:{server.port}" in server.stdout()


def test_books_come_from_the_seeded_database(server):
    with http_client() as client:
        books = client.get(server.url("/api/books"))
        one_author = client.get(server.url("/api/books"), params={"author_id": 1})
        limited = client.get(server.url("/api/books"), params={"limit": 2})
        first = client.get(server.url("/api/books/1"))
    assert books.status_code == 200, books.text
    body = books.json()
    assert [b["title"] for b in body] == ["A Wizard of Earthsea", "The Dispossessed", "Kindred", "Exhalation"]
    assert body[0] == {"id": 1, "title": "A Wizard of Earthsea", "author": "Ursula K. Le Guin",
                       "published": "1968-11-01", "price": "9.99", "in_stock": True}
    assert {b["author"] for b in one_author.json()} == {"Ursula K. Le Guin"}
    assert len(limited.json()) == 2
    assert first.status_code == 200 and first.json()["title"] == "A Wizard of Earthsea"


def test_async_handler_can_catch_exception_of_its_first_await(server):
    with http_client() as client:
        missing = client.get(server.url("/api/books/999999"))
    assert missing.status_code == 404, (missing.status_code, missing.text)
    assert missing.json() == {"detail": "Book 999999 not found"}


def test_invalid_path_param_is_422_with_detail_list(server):
    with http_client() as client:
        bad = client.get(server.url("/api/items/abc"))
        good = client.get(server.url("/api/items/42"), params={"q": "hi"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/json")
    detail = bad.json()["detail"]
    assert isinstance(detail, list) and detail
    assert detail[0]["loc"] == ["path", "item_id"]
    assert good.status_code == 200 and good.json() == {"item_id": 42, "q": "hi"}


def test_handler_exception_is_500_and_server_keeps_serving(server):
    with http_client() as client:
        boom = client.get(server.url("/api/boom"))
        after_same_client = client.get(server.url("/health"))
    assert boom.status_code == 500
    assert boom.json() == {"detail": "Internal Server Error"}
    assert "demo failure" not in boom.text  # DEBUG=False: no internals leak to the client
    assert after_same_client.status_code == 200
    with http_client() as client:  # and on a brand-new connection
        assert client.get(server.url("/api/books")).status_code == 200
    assert server.proc.poll() is None
    wait_until(lambda: "demo failure" in server.stderr(), 5, message="the exception to be logged")


# --------------------------------------------------------------------------------------------
# 2./3. concurrency on one process
# --------------------------------------------------------------------------------------------


def test_async_handlers_run_concurrently_on_one_process(server):
    n, ms = 200, 100
    url = server.url(f"/api/sleep?ms={ms}")

    async def run() -> tuple[list[tuple[int, float, dict]], float]:
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        async with httpx.AsyncClient(limits=limits, timeout=30.0, trust_env=False) as client:
            gate = asyncio.Event()

            async def one() -> tuple[int, float, dict]:
                await gate.wait()
                t0 = time.monotonic()
                response = await client.get(url)
                return response.status_code, time.monotonic() - t0, response.json()

            tasks = [asyncio.create_task(one()) for _ in range(n)]
            await asyncio.sleep(0)
            start = time.monotonic()
            gate.set()
            results = await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
            return results, time.monotonic() - start

    results, wall = asyncio.run(run())
    assert [status for status, _, _ in results] == [200] * n
    assert all(body == {"slept_ms": ms} for _, _, body in results)
    # each request really waited ~ms (so the handler slept) ...
    assert min(elapsed for _, elapsed, _ in results) >= ms / 1000 * 0.9
    # ... yet all of them together took far less than one after another would (n * ms = 20 s)
    assert wall < 5.0, f"{n} x {ms} ms async requests took {wall:.2f}s: handlers are not running concurrently"


def test_blocking_sync_handler_does_not_stall_other_connections(server):
    outcome: dict = {}

    def slow_request() -> None:
        with http_client(timeout=15.0) as client:
            t0 = time.monotonic()
            response = client.get(server.url("/api/slow?ms=2000"))
            outcome.update(status=response.status_code, body=response.json(), elapsed=time.monotonic() - t0)

    thread = threading.Thread(target=slow_request, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)  # the slow request is now blocking a thread inside its handler
        timings = {}
        with http_client(timeout=5.0) as client:
            for path in ("/health", "/api/items/7", "/api/sleep?ms=10", "/api/books"):
                t0 = time.monotonic()
                response = client.get(server.url(path))
                timings[path] = time.monotonic() - t0
                assert response.status_code == 200, (path, response.text)
        assert thread.is_alive(), "the slow request finished too early to prove anything"
        assert timings["/health"] < 1.0, timings
        assert max(timings.values()) < 1.0, timings
    finally:
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert outcome["status"] == 200 and outcome["body"] == {"slept_ms": 2000}
    assert outcome["elapsed"] >= 1.9


# --------------------------------------------------------------------------------------------
# 4. --processes 2: both workers serve; a killed worker is replaced
# --------------------------------------------------------------------------------------------


def connection_owners(server: BoltServer, pids: list[int], connections: int = 24) -> dict[int, int]:
    """Open `connections` fresh keep-alive connections, get a 200 on each, and count how many of
    the server-side sockets each worker pid holds (the kernel spreads SO_REUSEPORT connections
    across the listening workers by hash)."""
    conns = []
    try:
        for _ in range(connections):
            conn = http.client.HTTPConnection(HOST, server.port, timeout=5)
            conn.request("GET", "/health")
            response = conn.getresponse()
            assert response.status == 200
            assert response.read() == b'{"status":"ok"}'
            conns.append(conn)
        return {pid: len(owned_sockets(pid, server.port, TCP_ESTABLISHED)) for pid in pids}
    finally:
        for conn in conns:
            conn.close()


def test_two_processes_serve_and_a_killed_worker_is_replaced(demo_db, tmp_path):
    with running_server(tmp_path, base_env(demo_db), "--processes", "2", name="multi") as server:
        workers = wait_until(lambda: len(server.started_workers()) >= 2 and server.started_workers(), 10,
                             message="two 'started worker' lines")
        assert len(workers) == 2 and len(set(workers)) == 2, server.output()
        assert server.pid not in workers
        for pid in workers:
            assert alive(pid)
            with open(f"/proc/{pid}/stat") as f:
                assert int(f.read().rsplit(")", 1)[1].split()[2]) == server.pid, "worker is not a child of runbolt"
            wait_until(lambda pid=pid: owned_sockets(pid, server.port, TCP_LISTEN), 10,
                       message=f"worker {pid} to listen on the port")
        # one socket, bound by the supervisor (no SO_REUSEPORT) and inherited by the workers
        assert owned_sockets(server.pid, server.port, TCP_LISTEN)

        owners = connection_owners(server, workers)
        assert all(count >= 1 for count in owners.values()), f"not every worker got connections: {owners}"

        victim, survivor = workers
        os.kill(victim, signal.SIGKILL)
        replacement = wait_until(
            lambda: [pid for pid in server.started_workers() if pid not in workers], 10,
            message="the supervisor to start a replacement worker")
        assert len(replacement) == 1, server.output()
        new = replacement[0]
        assert f"worker {victim} exited (signal SIGKILL); restarting" in server.stderr()
        wait_until(lambda: not alive(victim), 5, message="the killed worker to be reaped")
        assert alive(survivor) and alive(new) and server.proc.poll() is None
        wait_until(lambda: owned_sockets(new, server.port, TCP_LISTEN), 10,
                   message="the replacement worker to listen on the port")

        with http_client() as client:
            for _ in range(20):
                assert client.get(server.url("/api/items/1")).status_code == 200
        owners = connection_owners(server, [survivor, new])
        assert all(count >= 1 for count in owners.values()), f"replacement does not serve: {owners}"
        assert server.started_workers() == [*workers, new]  # nothing else was restarted


# --------------------------------------------------------------------------------------------
# 5. graceful shutdown on SIGTERM (and SIGINT) with a request in flight
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("processes", "signum"), [
    pytest.param(1, signal.SIGTERM, id="single-process-SIGTERM"),
    pytest.param(2, signal.SIGTERM, id="two-processes-SIGTERM"),
    pytest.param(2, signal.SIGINT, id="two-processes-SIGINT"),
    pytest.param(1, signal.SIGINT, id="single-process-SIGINT"),
])
def test_signal_finishes_in_flight_request_then_exits_zero(demo_db, tmp_path, processes, signum):
    server = BoltServer(tmp_path, base_env(demo_db), "--processes", str(processes),
                        name=f"stop{processes}-{signum.name}")
    outcome: dict = {}

    def slow_request() -> None:
        try:
            with http_client(timeout=15.0) as client:
                t0 = time.monotonic()
                response = client.get(server.url("/api/slow?ms=1500"))
                outcome.update(status=response.status_code, body=response.json(), elapsed=time.monotonic() - t0)
        except Exception as exc:  # reported by the assertions below
            outcome["error"] = repr(exc)

    thread = threading.Thread(target=slow_request, daemon=True)
    try:
        server.wait_ready()
        workers = server.started_workers()
        assert len(workers) == (processes if processes > 1 else 0), server.output()
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive()
        sent = time.monotonic()
        server.proc.send_signal(signum)

        # while draining, no new connections are accepted ...
        time.sleep(0.3)
        assert thread.is_alive(), "the in-flight request ended before the drain could be observed"
        assert server.proc.poll() is None, "runbolt exited without waiting for the in-flight request"
        assert connect_refused(server.port), "new connections are still accepted while shutting down"

        # ... the in-flight request completes normally ...
        thread.join(timeout=15)
        assert not thread.is_alive()
        assert "error" not in outcome, f"in-flight request failed: {outcome}\n{server.output()}"
        assert outcome["status"] == 200 and outcome["body"] == {"slept_ms": 1500}

        # ... and the server exits 0 in bounded time, leaving nothing listening
        code = server.wait_exit()
        took = time.monotonic() - sent
        assert code == 0, f"exit code {code}\n{server.output()}"
        assert took < 10.0
        assert connect_refused(server.port)
        for pid in workers:
            wait_until(lambda pid=pid: not alive(pid), 5, message=f"worker {pid} to exit")
        if processes > 1:
            assert f"received {signum.name}: stopping workers gracefully" in server.stderr()
            assert "restarting" not in server.stderr(), server.output()
    finally:
        if thread.ident is not None:
            thread.join(timeout=15)
        server.stop()


# --------------------------------------------------------------------------------------------
# 6. startup errors are reported, not swallowed
# --------------------------------------------------------------------------------------------


@pytest.fixture
def settings_module(tmp_path):
    """Write a settings module into a fresh directory on PYTHONPATH; returns (path, extra env)."""

    def make(name: str, body: str) -> tuple[Path, dict[str, str]]:
        package = tmp_path / f"{name}_dir"
        package.mkdir()
        path = package / f"{name}.py"
        path.write_text("from demo.settings import *  # noqa: F401,F403\n" + body)
        pythonpath = os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")]))
        return path, {"PYTHONPATH": pythonpath}

    return make


def run_runbolt(args: list[str], env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess:
    """Run runbolt expecting it to exit by itself; kills its whole process group on timeout."""
    proc = subprocess.Popen([sys.executable, "manage.py", "runbolt", "--host", HOST, *args], cwd=DEMO_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=10)
        pytest.fail(f"runbolt did not exit within {timeout}s\n--- stdout ---\n{out}\n--- stderr ---\n{err}")
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("processes", [1, 2], ids=["single-process", "two-processes"])
def test_api_import_error_is_reported_and_exits_nonzero(demo_db, settings_module, processes):
    _, extra = settings_module("bolt_broken_settings", "BOLT_API = ['nonexistent_bolt_module.api:api']\n")
    port = free_port()
    done = run_runbolt(["--port", str(port), "--processes", str(processes), "--settings", "bolt_broken_settings"],
                       base_env(demo_db, **extra))
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "Traceback (most recent call last)" in done.stderr, output
    assert "ModuleNotFoundError" in done.stderr, output
    assert "nonexistent_bolt_module" in done.stderr, output
    assert "could not load the BoltAPI routes" in done.stderr, output
    assert connect_refused(port)


@pytest.mark.parametrize("processes", [1, 2], ids=["single-process", "two-processes"])
def test_port_in_use_is_reported_and_exits_nonzero(demo_db, processes):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind((HOST, 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        done = run_runbolt(["--port", str(port), "--processes", str(processes), "--skip-checks"], base_env(demo_db))
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "address" in done.stderr.lower() and "in use" in done.stderr.lower(), output
    # the supervisor binds the one socket itself: it fails like a single process
    assert f"cannot serve on {HOST}:{port}" in done.stderr, output


# --------------------------------------------------------------------------------------------
# --dev: the autoreloader serves, reloads on a code change, and shows startup errors
# --------------------------------------------------------------------------------------------


def children_of(pid: int) -> set[int]:
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found.update(int(child) for child in f.read().split())
    return found


def listening_child(server: BoltServer) -> int | None:
    owners = [pid for pid in children_of(server.pid) if owned_sockets(pid, server.port, TCP_LISTEN)]
    return owners[0] if len(owners) == 1 else None


def test_dev_mode_serves_and_reloads_on_code_change(demo_db, tmp_path, settings_module):
    path, extra = settings_module("bolt_dev_settings", "")
    server = BoltServer(tmp_path, base_env(demo_db, **extra), "--dev", "--settings", "bolt_dev_settings",
                        name="dev")
    try:
        server.wait_ready()
        assert "Development mode: reloading on code changes" in server.stdout()
        first = wait_until(lambda: listening_child(server), 10, message="the reloader's child to listen")
        assert first != server.pid
        with http_client() as client:
            assert client.get(server.url("/api/items/5")).status_code == 200

        # Change a loaded module. The reloader's first scan of the files may still be running (it takes
        # a baseline, and a change made before the baseline is not a change), so keep bumping the mtime
        # about once a second until the old child goes away; then a new child must take over the port.
        deadline, bump = time.monotonic() + 20, 0
        while alive(first):
            assert time.monotonic() < deadline, f"no reload 20s after changing {path}\n{server.output()}"
            bump += 1
            os.utime(path, (time.time() + 10 * bump, time.time() + 10 * bump))
            with contextlib.suppress(AssertionError):
                wait_until(lambda: not alive(first), 1.5, message="the old child to exit")
        second = wait_until(lambda: (pid := listening_child(server)) not in (None, first) and pid, 20,
                            interval=0.1, message="a reloaded child to listen on the port")
        assert not alive(first)
        server.wait_ready(timeout=10)
        with http_client() as client:
            assert client.get(server.url("/api/books")).status_code == 200
        assert listening_child(server) == second

        server.proc.send_signal(signal.SIGTERM)
        server.wait_exit()
        wait_until(lambda: not alive(second), 10, message="the reloaded child to exit with its parent")
        assert connect_refused(server.port)
    finally:
        server.stop()


def test_dev_mode_shows_startup_error(demo_db, tmp_path, settings_module):
    _, extra = settings_module("bolt_broken_dev_settings", "BOLT_API = ['nonexistent_bolt_module.api:api']\n")
    server = BoltServer(tmp_path, base_env(demo_db, **extra), "--dev", "--settings", "bolt_broken_dev_settings",
                        name="devbroken")
    try:
        # like runserver, the reloader stays up waiting for a fix; the error must be on screen meanwhile
        wait_until(lambda: "could not load the BoltAPI routes" in server.stderr(), 20,
                   message="the startup error to be printed")
        err = server.stderr()
        assert "Traceback (most recent call last)" in err and "nonexistent_bolt_module" in err, server.output()
        assert connect_refused(server.port)
    finally:
        server.stop()


ASYNC_API = '''
import asyncio
import contextvars
import threading

from django_bolt import BoltAPI

api = BoltAPI()
EVENTS = []


@api.get("/health")
def health() -> dict:
    return {"status": "ok"}


async def _record():
    EVENTS.append("background ran")


@api.get("/fire")
async def fire() -> dict:
    asyncio.get_running_loop().create_task(_record())
    return {"fired": True}


@api.get("/events")
def events() -> list:
    return EVENTS


@api.get("/eager")
async def eager() -> dict:
    return {"thread": threading.current_thread().name}


@api.get("/db-fresh")
def db_fresh() -> dict:
    from django.db import connection

    reused = connection.connection is not None
    connection.ensure_connection()
    return {"reused": reused}


SEEN = contextvars.ContextVar("seen", default=None)


@api.get("/ctx/{value}")
async def ctx_async(value: str) -> dict:
    before = SEEN.get()
    SEEN.set(value)
    await asyncio.sleep(0)  # suspends: the rest runs on the loop, in the same context
    return {"before": before, "after": SEEN.get()}


@api.get("/ctx-eager/{value}")
async def ctx_eager(value: str) -> dict:
    before = SEEN.get()
    SEEN.set(value)
    return {"before": before}


@api.get("/ctx-sync/{value}")
def ctx_sync(value: str) -> dict:
    before = SEEN.get()
    SEEN.set(value)
    return {"before": before}


@api.get("/timeout")
async def timeout() -> dict:
    async with asyncio.timeout(1):
        await asyncio.sleep(0.01)
    try:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(5)
    except TimeoutError:
        return {"timed_out": True}
    return {"timed_out": False}
'''


@pytest.mark.parametrize("mode", ["eager", "task"])
def test_async_modes_on_the_real_server(demo_db, settings_module, tmp_path, mode):
    api_dir = tmp_path / f"asyncapi_{mode}"
    api_dir.mkdir()
    (api_dir / f"async_api_{mode}.py").write_text(ASYNC_API)
    _, env = settings_module(f"async_settings_{mode}",
                             f"BOLT_API = ['async_api_{mode}:api']\nBOLT_ASYNC_MODE = {mode!r}\n")
    env = {**base_env(demo_db), **env}
    env["PYTHONPATH"] = os.pathsep.join([str(api_dir), env["PYTHONPATH"]])
    server = BoltServer(tmp_path, env, "--settings", f"async_settings_{mode}", name=f"async-{mode}")
    try:
        server.wait_ready()
        with http_client() as client:
            # Eager mode runs a non-suspending coroutine on the server thread, task mode on the loop.
            thread = client.get(server.url("/eager")).json()["thread"]
            assert (thread == "bolt-asyncio") == (mode == "task"), thread
            assert client.get(server.url("/fire")).json() == {"fired": True}
            wait_until(lambda: client.get(server.url("/events")).json() == ["background ran"], timeout=5,
                       message="the fire-and-forget task to run")
            if mode == "task":
                assert client.get(server.url("/timeout")).json() == {"timed_out": True}
            # Each request has its own context: nothing set by one is seen by the next, and a
            # coroutine keeps its context across a suspension.
            for value in ("a", "b", "c"):
                assert client.get(server.url(f"/ctx/{value}")).json() == {"before": None, "after": value}
                assert client.get(server.url(f"/ctx-eager/{value}")).json() == {"before": None}
                assert client.get(server.url(f"/ctx-sync/{value}")).json() == {"before": None}
            # Django's request signals close each sync request's connection (CONN_MAX_AGE=0).
            assert [client.get(server.url("/db-fresh")).json()["reused"] for _ in range(8)] == [False] * 8
    finally:
        server.stop()
