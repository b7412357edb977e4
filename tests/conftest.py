"""Shared fixtures. `client_for(api)` builds a TestClient in every table mode; HTTP-level tests
use it so each behaviour is checked against each route table with the same expected bytes."""

from __future__ import annotations

import os

import pytest
from django_bolt.testing import TestClient
from hypothesis import settings

# Property tests are derandomized by default (CI runs the same examples every time, so a run
# is never red by chance); `make explore` runs them with fresh random seeds to look for bugs.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("BOLT_HYPOTHESIS_PROFILE", "ci"))

TABLE_MODES = ["interpreted", "compiled"]


@pytest.fixture(params=TABLE_MODES)
def table_mode(request) -> str:
    return request.param


@pytest.fixture
def client_for(table_mode):
    clients: list[TestClient] = []

    def make(api, **kwargs) -> TestClient:
        client = TestClient(api, compiled=table_mode == "compiled", **kwargs)
        assert client.runtime.compiled == (table_mode == "compiled")
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A redis-server of our own on 127.0.0.1 (a free port, nothing persisted), stopped after
    the session. `make test` installs redis-server when it is missing."""
    import shutil
    import socket
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run `make test` (its `redis` target installs it)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    work = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(work), "--protected-mode", "yes"],
                            stdout=open(work / "redis.log", "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
                            start_new_session=True)
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"redis-server did not start:\n{(work / 'redis.log').read_text()}")
        time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
