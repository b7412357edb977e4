"""Django views through a real `runbolt` (issue 13): a large body reaches Django spooled to a
temp file (never whole in memory), which is removed after the request; a small one from
memory; `request_finished` comes after a streamed body is sent, as under a WSGI server."""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import pytest
from test_server import BoltServer, base_env, http_client, manage

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and SO_REUSEPORT")
TESTS = Path(__file__).parent


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("django-server")
    pythonpath = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    env = base_env(work / "db.sqlite3", DJANGO_SETTINGS_MODULE="django_server_settings", PYTHONPATH=pythonpath,
                   TMPDIR=str(work))
    done = manage("migrate", "--noinput", env=env)
    assert done.returncode == 0, done.stderr
    bolt = BoltServer(work, env)
    try:
        yield bolt.wait_ready()
    finally:
        bolt.stop()


def test_a_large_body_reaches_django_from_a_temp_file_that_is_then_removed(server):
    payload = os.urandom(3 * 1024 * 1024)  # past the 1 MiB spool threshold
    with http_client(timeout=30) as client:
        r = client.post(server.url("/upload/"), files={"doc": ("doc.bin", payload)}, data={"note": "big"})
    assert r.status_code == 200, r.text[:500]
    got = r.json()
    assert got["files"] == {"doc": [hashlib.sha256(payload).hexdigest(), len(payload)]}
    assert got["fields"] == {"note": "big"} and got["input"] == "BufferedReader"
    spooled = Path(got["input_name"])
    deadline = time.monotonic() + 10
    while spooled.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not spooled.exists(), "the spooled body outlived its request"


def test_a_small_body_is_read_from_memory(server):
    with http_client() as client:
        r = client.post(server.url("/upload/"), files={"doc": ("a.txt", b"hello")})
    assert r.json()["files"] == {"doc": [hashlib.sha256(b"hello").hexdigest(), 5]}
    assert r.json()["input"] == "BytesIO"


def test_a_body_over_the_limit_is_refused_before_django(server):
    with http_client(timeout=30) as client:
        r = client.post(server.url("/upload/"), content=b"x" * (9 * 1024 * 1024),
                        headers={"content-type": "application/octet-stream"})
    assert (r.status_code, r.json()) == (413, {"detail": "Request body too large"})


def signalled_events(client, server) -> list[str]:
    """The view's events once `request_finished` is among them (sent from the stream's
    thread, so possibly just after the client has the body), within 10 s."""
    deadline = time.monotonic() + 10
    while True:
        events = client.get(server.url("/events/")).json()["events"]
        if "request_finished" in events or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def test_request_finished_comes_after_a_streamed_body(server):
    with http_client() as client:
        assert client.get(server.url("/streamed-events/")).text == "one,two"
        events = signalled_events(client, server)
    assert events[:3] == ["view returned", "body sent", "request_finished"], events


def test_head_of_a_streamed_view_sends_request_finished_once(server):
    with http_client() as client:
        r = client.head(server.url("/streamed-events/"))
        assert r.status_code == 200 and r.content == b""
        signalled_events(client, server)
        time.sleep(0.3)  # a second signal, if one were coming
        events = client.get(server.url("/events/")).json()["events"]
    # The body is never sent; the /events/ requests add their own signals after these.
    assert events[:2] == ["view returned", "request_finished"], events
    assert "body sent" not in events, events
