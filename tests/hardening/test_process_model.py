"""The process model: one socket per server (no SO_REUSEPORT sharing with strangers), workers
that die with their supervisor, and a supervisor that never gives up on healthy workers."""

from __future__ import annotations

import os
import signal
import time

from test_server import (
    BoltServer,
    alive,
    base_env,
    free_port,
    http_client,
    run_runbolt,
    wait_until,
)


def test_a_second_server_on_the_same_port_fails(demo_db, tmp_path):
    # Defect 6: SO_REUSEPORT let another project's runbolt start and split the traffic.
    port = free_port()
    first = BoltServer(tmp_path, base_env(demo_db), port=port, name="first")
    try:
        first.wait_ready()
        for processes in ("1", "2"):
            done = run_runbolt(["--port", str(port), "--processes", processes, "--skip-checks"],
                               base_env(demo_db), timeout=60)
            assert done.returncode != 0, done.stdout + done.stderr
            assert "in use" in done.stderr.lower(), done.stderr
        with http_client() as client:
            assert client.get(first.url("/health")).status_code == 200
    finally:
        first.stop()


def two_workers(server: BoltServer) -> list[int]:
    """Wait for the supervisor to serve and log its two workers; their pids."""
    server.wait_ready()
    return wait_until(lambda: len(server.started_workers()) >= 2 and server.started_workers(), 10,
                      message="two workers")


def test_workers_exit_when_the_supervisor_is_killed(demo_db, tmp_path):
    # Defect 7: after SIGKILL of the parent its workers kept serving forever.
    server = BoltServer(tmp_path, base_env(demo_db), "--processes", "2", name="orphans")
    try:
        workers = two_workers(server)
        os.kill(server.pid, signal.SIGKILL)
        wait_until(lambda: not any(alive(pid) for pid in workers), 15, message="the orphaned workers to exit")
    finally:
        server.stop()


def test_killed_fresh_workers_never_stop_the_healthy_one(demo_db, tmp_path):
    # Defect 8: five SIGKILLs of freshly started workers made the supervisor stop the healthy
    # worker too and exit 1. Kills are not boot failures of the code; the port must stay served.
    server = BoltServer(tmp_path, base_env(demo_db), "--processes", "2", name="crashloop")
    try:
        workers = two_workers(server)
        survivor, victim = workers
        killed = []
        deadline = time.monotonic() + 60
        while len(killed) < 6 and time.monotonic() < deadline:
            with_victim = [pid for pid in server.started_workers() if pid not in killed and pid != survivor]
            for pid in with_victim:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.01)
        assert len(killed) >= 6, server.output()
        assert server.proc.poll() is None and alive(survivor), server.output()
        with http_client() as client:
            for _ in range(20):
                assert client.get(server.url("/health")).status_code == 200
        # and the supervisor brings the second worker back (after its backoff)
        wait_until(lambda: any(alive(pid) for pid in server.started_workers() if pid not in killed and
                               pid != survivor), 30, message="a replacement worker")
        assert "giving up" not in server.stderr()
    finally:
        server.stop()
