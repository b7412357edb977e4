"""Streams through a real `runbolt` with raw sockets: the first chunk arrives while the
generator is still running, and a client that disconnects makes the generator's `finally`
run promptly (sync and async generators, SSE). Bounded in time; wide bounds."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest
from test_server import HOST, BoltServer, base_env, demo_db, wait_until  # noqa: F401 (demo_db: fixture)

STREAM_API = '''
import asyncio, os, time
from pathlib import Path
from django_bolt import BoltAPI
from django_bolt.responses import EventSourceResponse, ServerSentEvent, StreamingResponse

api = BoltAPI(prefix="/st")
MARKS = Path(os.environ["BOLT_TEST_MARKS"])

def mark(name):
    (MARKS / name).write_text(str(time.monotonic()))

async def slow_async(name):
    try:
        yield b"first\\n"
        for _ in range(300):
            await asyncio.sleep(0.1)
            yield b"."
        mark(name + "-done")
    finally:
        mark(name)

def slow_sync(name):
    try:
        yield b"first\\n"
        for _ in range(300):
            time.sleep(0.05)
            yield b"."
        mark(name + "-done")
    finally:
        mark(name)

@api.get("/async/{name}")
async def async_stream(name: str):
    return StreamingResponse(slow_async(name), media_type="text/plain")

@api.get("/sync/{name}")
def sync_stream(name: str):
    return StreamingResponse(slow_sync(name), media_type="text/plain")

async def quiet(name):
    try:
        yield ServerSentEvent("hello", event="greeting")
        await asyncio.sleep(60)
    finally:
        mark(name)

@api.get("/sse/{name}")
async def sse(name: str):
    return EventSourceResponse(quiet(name), ping_interval=0.2)
'''


@pytest.fixture(scope="module")
def marks(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("marks")


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory, marks):  # noqa: F811
    tmp = tmp_path_factory.mktemp("streams")
    package = tmp / "stream_settings_dir"
    package.mkdir()
    (package / "stream_api.py").write_text(STREAM_API)
    (package / "stream_settings.py").write_text(
        "from demo.settings import *  # noqa: F401,F403\nBOLT_API = ['demo.api:api', 'stream_api:api']\n")
    pythonpath = os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")]))
    env = base_env(demo_db, PYTHONPATH=pythonpath, DJANGO_SETTINGS_MODULE="stream_settings",
                   BOLT_TEST_MARKS=str(marks))
    srv = BoltServer(tmp, env, "--settings", "stream_settings", name="streams")
    try:
        yield srv.wait_ready()
        assert srv.proc.poll() is None, f"the server died during the tests\n{srv.output()}"
    finally:
        srv.stop()


def open_stream(server, path: str) -> tuple[socket.socket, bytes]:
    """Connect, send the request and read until the first chunk's line has arrived."""
    sock = socket.create_connection((HOST, server.port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    received = b""
    deadline = time.monotonic() + 10
    while b"\r\n\r\n" not in received or not any(w in received.split(b"\r\n\r\n", 1)[1]
                                                  for w in (b"first", b"hello")):
        assert time.monotonic() < deadline, f"no first chunk: {received!r}"
        chunk = sock.recv(65536)
        assert chunk, f"closed before the first chunk: {received!r}"
        received += chunk
    return sock, received


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_first_chunk_arrives_before_the_generator_ends_and_disconnect_runs_finally(server, marks, kind):
    name = f"{kind}-gen"
    sock, received = open_stream(server, f"/st/{kind}/{name}")
    head = received.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 200") and b"transfer-encoding: chunked" in head
    assert not (marks / name).exists(), "the generator finished before its first chunk was read"
    closed_at = time.monotonic()
    sock.close()
    wait_until(lambda: (marks / name).exists(), timeout=5.0, message=f"{kind} generator's finally")
    finished = float((marks / name).read_text())
    assert finished - closed_at < 1.0, f"finally ran {finished - closed_at:.2f}s after the disconnect"
    assert not (marks / f"{name}-done").exists()


def test_sse_sends_keepalive_comments_and_stops_on_disconnect(server, marks):
    sock, received = open_stream(server, "/st/sse/sse-gen")
    head, body = received.split(b"\r\n\r\n", 1)
    assert b"content-type: text/event-stream" in head.lower()
    deadline = time.monotonic() + 5
    while b": ping" not in body:
        assert time.monotonic() < deadline, f"no keep-alive comment: {body!r}"
        body += sock.recv(65536)
    assert b"event: greeting\ndata: hello\n\n" in body
    sock.close()
    wait_until(lambda: (marks / "sse-gen").exists(), timeout=5.0, message="SSE generator's finally")
