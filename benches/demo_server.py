"""Start the demo project under `runbolt` for a load benchmark, on 127.0.0.1, and stop it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM (a graceful stop), then SIGKILL if it is still running after `timeout`."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def demo_server(settings_module: str | None, files: dict[str, str], prefix: str, *, project: Path = DEMO,
                pin: str | None = None) -> Iterator[tuple[int, int] | None]:
    """`files` (name → source, the settings module among them) go on the server's path;
    `project` is the Django project served (its own settings when `settings_module` is None),
    `pin` a CPU list for `taskset`. Yields `(port, pid)` once it accepts connections, or None
    (its log printed) if it never does."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    for name, source in files.items():
        (work / name).write_text(source)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(work), os.environ.get("PYTHONPATH", "")]),
           "DEMO_DB": str(work / "db.sqlite3"), "DJANGO_DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = open(work / "server.log", "wb")  # noqa: SIM115 (closed with the server)
    pinned = ["taskset", "-c", pin] if pin else []
    settings = ["--settings", settings_module] if settings_module else []
    server = subprocess.Popen([*pinned, sys.executable, "manage.py", "runbolt", "--host", HOST, "--port", str(port),
                               "--skip-checks", *settings], cwd=project, env=env,
                              stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print((work / "server.log").read_text(), file=sys.stderr)
                    yield None
                    return
                time.sleep(0.1)
        yield port, server.pid
    finally:
        stop(server)
        log.close()
