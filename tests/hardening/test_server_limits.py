"""Connection-level defenses of a real `runbolt` (raw sockets, bounded in time and count):
body and head timeouts, CONNECT/Upgrade, Connection: close, the connection cap, the handler
budget, and the async loop surviving SystemExit. Timeouts are set small by a settings module;
every assertion on time is a wide bound."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest
from test_server import HOST, BoltServer, base_env, http_client

HARD_API = '''
import asyncio, time
from django_bolt import BoltAPI
from django_bolt.responses import Response

api = BoltAPI(prefix="/hard")

@api.get("/async")
async def async_ok() -> dict:
    await asyncio.sleep(0.01)
    return {"ok": True}

@api.get("/exit-after-await")
async def exit_after_await() -> dict:
    await asyncio.sleep(0.01)
    raise SystemExit(3)

@api.get("/close")
def close() -> Response:
    return Response({"closing": True}, headers={"Connection": "close"})

@api.get("/sleep")
def sleep() -> dict:
    time.sleep(2.0)
    return {"slept": True}
'''

LIMITS = """
BOLT_API = ["demo.api:api", "library.api:api", "hard_api:api"]
BOLT_HEADER_TIMEOUT = 1
BOLT_BODY_TIMEOUT = 1
BOLT_BODY_TOTAL_TIMEOUT = 3
BOLT_MAX_CONNECTIONS = 40
BOLT_HANDLER_TIMEOUT = 0.5
BOLT_HANDLER_TIMEOUT_503 = True
"""


def project_env(tmp_path: Path, db: Path) -> dict[str, str]:
    package = tmp_path / "hard_settings_dir"
    package.mkdir(exist_ok=True)
    (package / "hard_api.py").write_text(HARD_API)
    (package / "hard_settings.py").write_text("from demo.settings import *  # noqa: F401,F403\n" + LIMITS)
    pythonpath = os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")]))
    return base_env(db, PYTHONPATH=pythonpath, DJANGO_SETTINGS_MODULE="hard_settings")


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hard")
    srv = BoltServer(tmp, project_env(tmp, demo_db), "--settings", "hard_settings", name="hard")
    try:
        yield srv.wait_ready()
        assert srv.proc.poll() is None, f"the server died during the tests\n{srv.output()}"
    finally:
        srv.stop()


def connect(server, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection((HOST, server.port), timeout=timeout)
    return sock


def read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and when it closed (seconds from now)."""
    start = time.monotonic()
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        pytest.fail(f"connection still open after {limit} s; received {data[:200]!r}")
    except ConnectionResetError:
        pass
    return data, time.monotonic() - start


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()


def health_ok(server) -> bool:
    with http_client(timeout=5.0) as client:
        return client.get(server.url("/health")).status_code == 200


def test_a_stalled_body_is_answered_408_and_closed(server):
    # Defect 1: a declared 10 MiB body with a few bytes sent used to hold the connection forever.
    with connect(server) as sock:
        sock.sendall(b"POST /api/books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 10485760\r\n\r\n{\"ti")
        data, took = read_until_closed(sock, 10)
    assert data.startswith(b"HTTP/1.1 408"), data
    assert data.endswith(b'{"detail":"Request body timeout"}')
    assert 0.5 < took < 6


def test_a_trickled_body_hits_the_total_timeout(server):
    with connect(server) as sock:
        sock.sendall(b"POST /api/books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n")
        start = time.monotonic()
        sock.settimeout(0.5)
        closed = b""
        while time.monotonic() - start < 10:
            try:
                sock.sendall(b" ")  # well within the 1 s idle timeout each time
                closed = sock.recv(65536)
                if closed:
                    break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
        took = time.monotonic() - start
    assert closed.startswith(b"HTTP/1.1 408"), closed
    assert 2 < took < 8  # BOLT_BODY_TOTAL_TIMEOUT = 3


def test_an_over_limit_content_length_is_413_before_any_body_byte(server):
    with connect(server) as sock:
        sock.sendall(b"POST /api/books HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n")
        data, took = read_until_closed(sock, 5)
    assert data.startswith(b"HTTP/1.1 413") and took < 3, data


def server_rss_mb(server) -> float:
    with open(f"/proc/{server.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_stalled_bodies_cost_no_memory_and_health_stays_reachable(server):
    before = server_rss_mb(server)
    sockets = []
    try:
        for _ in range(30):
            sock = connect(server)
            sock.sendall(b"POST /api/books HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n" + b"x" * 100)
            sockets.append(sock)
        time.sleep(0.3)
        assert health_ok(server)
        # 30 x 10 MiB declared would be 300 MiB if the declared size were reserved
        assert server_rss_mb(server) - before < 50
    finally:
        for sock in sockets:
            sock.close()


def test_keep_alive_slowloris_is_closed_by_the_head_timeout(server):
    # Defect 2: after one complete request, the next head could be sent a byte at a time forever.
    with connect(server) as sock:
        sock.sendall(get("/health"))
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200"), first
        start = time.monotonic()
        sock.settimeout(0.3)
        closed = False
        for byte in b"GET /health HTTP/1.1\r\nX-Slow: " + b"a" * 200:
            try:
                sock.send(bytes([byte]))
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if time.monotonic() - start > 10:
                break
        took = time.monotonic() - start
    assert closed, "the slow head was never cut off"
    assert took < 6  # BOLT_HEADER_TIMEOUT = 1, with wide margins


@pytest.mark.parametrize("request_bytes, status", [
    (b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", b"405"),
    (b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", b"200"),
])
def test_connect_and_upgrade_are_answered_and_closed(server, request_bytes, status):
    # Defect 3: both used to stay unanswered (over 150 s).
    with connect(server) as sock:
        sock.sendall(request_bytes)
        data, took = read_until_closed(sock, 5)
    assert data.startswith(b"HTTP/1.1 " + status), data
    assert took < 3


@pytest.mark.parametrize("pipelined", [0, 1, 3])
def test_connection_close_from_a_handler_ends_the_connection(server, pipelined):
    # Defect 12: after a `Connection: close` answer, requests pipelined behind it in the same
    # packet must not be answered.
    with connect(server) as sock:
        sock.sendall(get("/hard/close") + get("/health") * pipelined)
        data, took = read_until_closed(sock, 5)
    assert data.count(b"HTTP/1.1 ") == 1 and b'{"closing":true}' in data, data
    assert b"connection: close" in data.lower() and took < 3


def test_a_pipelined_404_behind_a_close_is_not_sent_either(server):
    # A 404 is answered without a thread hop: the race the drain wait exists for.
    with connect(server) as sock:
        sock.sendall(get("/hard/close") + get("/nope") + get("/nope"))
        data, _ = read_until_closed(sock, 5)
    assert data.count(b"HTTP/1.1 ") == 1, data


def test_async_loop_survives_system_exit_after_an_await(server):
    # Defect 4: SystemExit after an await killed the loop thread; every later suspending async
    # request hung while sync routes (health checks) kept answering.
    with http_client(timeout=5.0) as client:
        for _ in range(3):
            response = client.get(server.url("/hard/exit-after-await"))
            assert response.status_code == 500
            assert response.json() == {"detail": "Internal Server Error"}
        assert client.get(server.url("/hard/async")).json() == {"ok": True}
    assert "SystemExit" in server.stderr()


def test_a_slow_sync_handler_gets_a_503_within_its_budget(server):
    with http_client(timeout=10.0) as client:
        start = time.monotonic()
        response = client.get(server.url("/hard/sleep"))
        took = time.monotonic() - start
    assert response.status_code == 503 and response.json() == {"detail": "Handler timed out"}
    assert took < 1.8  # the 2 s handler is not waited for
    assert "still running after its 0.5 s budget" in server.stderr()


def test_connections_over_the_cap_get_a_503(server):
    held = []
    try:
        # BOLT_MAX_CONNECTIONS = 40: fill the cap with idle connections (each made to count
        # by a complete request first), then one more is refused with a 503.
        for _ in range(40):
            sock = connect(server)
            held.append(sock)
        time.sleep(0.3)
        with connect(server) as extra:
            data, _ = read_until_closed(extra, 5)
        assert data.startswith(b"HTTP/1.1 503") and data.endswith(b'{"detail":"Too many connections"}\n'), data
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert health_ok(server)
