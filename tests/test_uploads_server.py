"""Uploads through a real `runbolt`: a 200 MB file streams to a temp file (server RSS grows
less than 50 MB), an over-limit file is answered, naming its field, before the body has been
sent, and no temp file outlives its request (also when the client disconnects)."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from test_server import HOST, BoltServer, base_env, demo_db, wait_until  # noqa: F401 (demo_db: fixture)

MB = 1024 * 1024
UPLOAD_API = '''
import hashlib
from typing import Annotated
from django_bolt import BoltAPI, File, UploadFile

api = BoltAPI(prefix="/up")

@api.post("/big")
def big(doc: Annotated[UploadFile, File(max_size=500 * 1024 * 1024)]) -> dict:
    digest = hashlib.sha256()
    while chunk := doc.read_sync(1024 * 1024):
        digest.update(chunk)
    return {"size": doc.size, "disk": doc.rolled_to_disk, "sha256": digest.hexdigest()}

@api.post("/raise")
def raises(doc: Annotated[UploadFile, File(max_size=100 * 1024 * 1024)]) -> dict:
    raise RuntimeError("handler failed after the upload was spooled")

@api.post("/small")
def small(doc: Annotated[UploadFile, File(max_size=1024 * 1024)]) -> dict:
    return {"size": doc.size}
'''
BOUNDARY = "boltboundary7MA4YWxk"


@pytest.fixture(scope="module")
def spool_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spool")


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory, spool_dir):  # noqa: F811
    tmp = tmp_path_factory.mktemp("uploads")
    package = tmp / "upload_settings_dir"
    package.mkdir()
    (package / "upload_api.py").write_text(UPLOAD_API)
    (package / "upload_settings.py").write_text(
        "from demo.settings import *  # noqa: F401,F403\nBOLT_API = ['demo.api:api', 'upload_api:api']\n"
        "BOLT_BODY_TOTAL_TIMEOUT = 120\n")
    pythonpath = os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")]))
    env = base_env(demo_db, PYTHONPATH=pythonpath, DJANGO_SETTINGS_MODULE="upload_settings", TMPDIR=str(spool_dir))
    srv = BoltServer(tmp, env, "--settings", "upload_settings", name="uploads")
    try:
        yield srv.wait_ready()
        assert srv.proc.poll() is None, f"the server died during the tests\n{srv.output()}"
    finally:
        srv.stop()


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def multipart_head(size: int, field: str = "doc") -> tuple[bytes, bytes, int]:
    opening = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"big.bin\"\r\n"
               f"Content-Type: application/octet-stream\r\n\r\n").encode()
    closing = f"\r\n--{BOUNDARY}--\r\n".encode()
    return opening, closing, len(opening) + size + len(closing)


def request_head(path: str, length: int) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n").encode()


def read_response(sock: socket.socket, timeout: float = 60.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def spooled(spool_dir: Path) -> list[str]:
    return sorted(p.name for p in spool_dir.iterdir() if p.name.startswith("bolt-upload-"))


def test_a_200_mb_upload_streams_to_disk_with_bounded_memory(server, spool_dir):
    import hashlib

    size = 200 * MB
    chunk = bytes(range(256)) * 4096  # 1 MiB
    opening, closing, length = multipart_head(size)
    before = rss_bytes(server.pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes(server.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    digest = hashlib.sha256()
    try:
        with socket.create_connection((HOST, server.port), timeout=60) as sock:
            sock.sendall(request_head("/up/big", length) + opening)
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)
                digest.update(chunk)
            sock.sendall(closing)
            response = read_response(sock, timeout=120)
    finally:
        done.set()
        sampler.join()
    assert response.startswith(b"HTTP/1.1 200"), response[:300]
    assert f'"size":{size}'.encode() in response and b'"disk":true' in response
    assert digest.hexdigest().encode() in response
    growth = peak[0] - before
    print(f"server RSS growth during a 200 MB upload: {growth / MB:.1f} MB")
    assert growth < 50 * MB, f"server RSS grew {growth / MB:.1f} MB during a 200 MB upload"
    wait_until(lambda: not spooled(spool_dir), timeout=5.0, message="the temp file to be removed")


def test_an_oversized_file_is_answered_before_its_body_is_sent(server, spool_dir):
    size = 50 * MB
    opening, closing, length = multipart_head(size)
    with socket.create_connection((HOST, server.port), timeout=30) as sock:
        sock.sendall(request_head("/up/small", length) + opening + b"x" * (2 * MB))
        response = read_response(sock, timeout=30)
    assert response.startswith(b"HTTP/1.1 422"), response[:300]
    assert b'"loc":["body","doc"]' in response and b'"type":"file_too_large"' in response
    wait_until(lambda: not spooled(spool_dir), timeout=5.0, message="the temp file to be removed")


def test_a_client_that_disconnects_mid_upload_leaves_no_temp_file(server, spool_dir):
    size = 100 * MB
    opening, _, length = multipart_head(size)
    with socket.create_connection((HOST, server.port), timeout=30) as sock:
        sock.sendall(request_head("/up/big", length) + opening + b"y" * (8 * MB))
        wait_until(lambda: spooled(spool_dir), timeout=10.0, message="the upload to spool to disk")
    wait_until(lambda: not spooled(spool_dir), timeout=10.0, message="the temp file to be removed")
    assert server.proc.poll() is None


def test_a_handler_that_raises_leaves_no_temp_file(server, spool_dir):
    size = 5 * MB
    opening, closing, length = multipart_head(size)
    with socket.create_connection((HOST, server.port), timeout=30) as sock:
        sock.sendall(request_head("/up/raise", length) + opening + b"z" * size + closing)
        response = read_response(sock, timeout=30)
    assert response.startswith(b"HTTP/1.1 500"), response[:200]
    wait_until(lambda: not spooled(spool_dir), timeout=5.0, message="the temp file to be removed")
