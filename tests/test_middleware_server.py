"""The Rust middleware over real HTTP (`runbolt` serving tests/projects/mwsite): a Redis rate
limit held across `--processes 4`, streamed bodies compressed chunk by chunk (each flushed as
the handler yields it), SSE left uncompressed, CORS and JWT answers on the wire."""

from __future__ import annotations

import gzip
import http.client
import json
import sys
import threading
import time
import zlib
from pathlib import Path

import httpx
import pytest
from django_bolt.auth import Token
from test_server import HOST, BoltServer, base_env, wait_until

MWSITE = Path(__file__).resolve().parent / "projects" / "mwsite"
SECRET = "mwsite-not-secret-0123456789abcdef"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses SO_REUSEPORT")


def start(tmp_path: Path, *args: str, **env: str) -> BoltServer:
    server = BoltServer(tmp_path, base_env(tmp_path / "unused.sqlite3", **env), *args, cwd=MWSITE, name="mwsite")
    try:
        return server.wait_ready()
    except BaseException:
        server.stop()
        raise


@pytest.fixture(scope="module")
def mwsite(tmp_path_factory):
    server = start(tmp_path_factory.mktemp("mwsite"))
    yield server
    server.stop()


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection (so SO_REUSEPORT spreads them over the workers)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_redis_limit_holds_across_four_processes(tmp_path, redis_url):
    server = start(tmp_path, "--processes", "4", BOLT_RATE_LIMIT_STORE=redis_url)
    try:
        wait_until(lambda: len(server.started_workers()) == 4, timeout=30, message="four workers started")
        results: list[tuple[int, bytes]] = []
        lock = threading.Lock()
        started = time.monotonic()
        stop_at = started + 1.0

        def client() -> None:
            while time.monotonic() < stop_at:
                status, _, body = get(server.port, "/limited")
                with lock:
                    results.append((status, body))

        threads = [threading.Thread(target=client) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started
        admitted = [json.loads(body)["pid"] for status, body in results if status == 200]
        refused = [status for status, _ in results if status != 200]
        print(f"admitted {len(admitted)} of {len(results)} in {elapsed:.2f} s by workers {sorted(set(admitted))}")
        assert set(refused) <= {429}, refused
        # burst 10 at once, then one per 100 ms: over `elapsed` seconds at most 10 + 10 × elapsed.
        assert 10 <= len(admitted) <= 10 + 10 * elapsed + 1, (len(admitted), elapsed, len(results))
        assert len(results) > 2 * len(admitted), "the clients sent far more than the limit"
        assert len(set(admitted)) >= 2, f"one worker served every admitted request: {admitted}"
    finally:
        server.stop()


def test_streamed_bodies_are_compressed_and_flushed_per_chunk(mwsite):
    expected = b"".join((f"chunk {i} " * 300).encode() for i in range(3))
    with httpx.Client(timeout=10) as client, client.stream(
            "GET", mwsite.url("/stream"), headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["content-encoding"] == "gzip"
        assert "content-length" not in response.headers
        started = time.monotonic()
        arrivals, raw = [], b""
        for piece in response.iter_raw():
            arrivals.append(time.monotonic() - started)
            raw += piece
    # The first chunk came while the handler was still sleeping between the others (0.3 s gaps).
    assert arrivals[0] < arrivals[-1] - 0.3, arrivals
    assert zlib.decompress(raw, 16 + zlib.MAX_WBITS) == expected
    assert len(raw) < len(expected) / 5


def test_event_streams_and_opted_out_streams_are_not_compressed(mwsite):
    for path in ("/events", "/events/plain"):
        status, headers, body = get(mwsite.port, path, {"Accept-Encoding": "gzip, br"})
        assert status == 200 and "content-encoding" not in headers, path
    assert b"x" * 400 in get(mwsite.port, "/events", {"Accept-Encoding": "gzip"})[2]


def test_big_json_is_compressed_on_the_wire(mwsite):
    status, headers, body = get(mwsite.port, "/big", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    plain = get(mwsite.port, "/big")[2]
    assert gzip.decompress(body) == plain and len(plain) > 90_000 and len(body) < len(plain) / 5


def test_cors_and_jwt_on_the_wire(mwsite):
    origin = "https://app.example.com"
    conn = http.client.HTTPConnection(HOST, mwsite.port, timeout=10)
    conn.request("OPTIONS", "/secure", headers={"Origin": origin, "Access-Control-Request-Method": "GET",
                                                "Access-Control-Request-Headers": "authorization"})
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 204
    assert response.getheader("access-control-allow-origin") == origin
    assert response.getheader("access-control-allow-headers") == "authorization"
    status, headers, body = get(mwsite.port, "/secure", {"Origin": origin})
    assert (status, json.loads(body)) == (401, {"detail": "Authentication required"})
    assert headers["access-control-allow-origin"] == origin and headers["access-control-allow-credentials"] == "true"
    token = Token.create("1").encode(SECRET)
    status, headers, body = get(mwsite.port, "/secure", {"Origin": origin, "Authorization": f"Bearer {token}"})
    assert (status, json.loads(body)) == (200, {"message": "hello"})


def test_sync_handlers_behind_python_middleware_run_in_parallel(mwsite):
    # Each request gets its own thread for its sync code (asgiref's ThreadSensitiveContext),
    # so four 0.5 s handlers take about 0.5 s, not 2 s on one shared thread.
    started = time.monotonic()
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(get(mwsite.port, "/slow-with-middleware")[0]))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    elapsed = time.monotonic() - started
    assert results == [200] * 4
    assert elapsed < 1.6, f"4 handlers of 0.5 s took {elapsed:.2f} s: serialized"


def test_lifespan_runs_at_startup_and_shutdown(tmp_path):
    marker = tmp_path / "lifespan.txt"
    server = start(tmp_path, MWSITE_LIFESPAN_FILE=str(marker))
    try:
        assert json.loads(get(server.port, "/lifespan")[2]) == {"started": True}
    finally:
        server.stop()
    assert marker.read_text() == "stopped"
