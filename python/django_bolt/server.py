"""Running the Rust server: one process, or a supervisor with forked workers.

The process model:
- One process binds the port itself, without `SO_REUSEPORT`: a second server on the same port
  fails with "address in use" instead of silently sharing the traffic.
- With `--processes N` the supervisor checks the port is free, binds N `SO_REUSEPORT`
  sockets (the kernel spreads connections over them) and forks one worker per socket. Each
  worker dies with its parent (`PR_SET_PDEATHSIG`), and tells the parent when it is serving
  (a byte on a readiness pipe).
- A worker that dies after it was ready is restarted at once. A worker that dies before it was
  ready is a boot failure: it is restarted after a growing delay, and the supervisor gives up
  only when boot keeps failing and no worker is serving. Healthy workers are never stopped
  because others fail.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import socket
import sys
import time
from dataclasses import dataclass
from typing import Any

from .runtime import RuntimeApp

MAX_BOOT_FAILURES = 5  # consecutive, with no worker serving: give up
BOOT_BACKOFF_SECONDS = (0.1, 10.0)  # first delay, cap (doubling in between)
PR_SET_PDEATHSIG = 1


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    processes: int = 1
    workers: int = 1
    backlog: int = 1024
    shutdown_timeout: int = 30
    keep_alive: float | None = None  # --keep-alive; else BOLT_KEEP_ALIVE / the default


def _setting(name: str, default: Any, check, what: str) -> Any:
    from django.conf import settings

    value = getattr(settings, name, default)
    if value is None and default is None:
        return None
    # bool is an int: only a setting that wants True/False takes one
    if (isinstance(value, bool) and not isinstance(default, bool)) or not check(value):
        raise ValueError(f"{name} must be {what}, not {value!r}")
    return value


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and value >= 1


def _positive_seconds(value: Any) -> bool:
    return isinstance(value, (int, float)) and 0 < value < 10**7


def sync_threads() -> int:
    """`settings.BOLT_SYNC_THREADS` (default 64): most sync handlers running at once per
    process. The threads are started on demand and kept, each with its database connection."""
    return _setting("BOLT_SYNC_THREADS", 64, _positive_int, "a positive int")


def server_limits(keep_alive: float | None = None) -> dict[str, Any]:
    """The connection-layer timeouts and caps from settings (README, "Running in production")."""
    seconds = "a positive number of seconds"
    limits = {
        "head_timeout": _setting("BOLT_HEADER_TIMEOUT", 10, _positive_seconds, seconds),
        "keep_alive": _setting("BOLT_KEEP_ALIVE", 5, _positive_seconds, seconds),
        "body_idle_timeout": _setting("BOLT_BODY_TIMEOUT", 10, _positive_seconds, seconds),
        "body_total_timeout": _setting("BOLT_BODY_TOTAL_TIMEOUT", 60, _positive_seconds, seconds),
        "max_connections": _setting("BOLT_MAX_CONNECTIONS", 10_000, _positive_int, "a positive int"),
        "handler_timeout": _setting("BOLT_HANDLER_TIMEOUT", None, _positive_seconds, seconds),
        "handler_timeout_503": _setting("BOLT_HANDLER_TIMEOUT_503", False, lambda v: isinstance(v, bool),
                                        "True or False"),
    }
    if keep_alive is not None:
        if not _positive_seconds(keep_alive):
            raise ValueError(f"--keep-alive must be {seconds}, not {keep_alive!r}")
        limits["keep_alive"] = keep_alive
    return limits  # ints are taken as seconds too


def serve_in_process(runtime: RuntimeApp, options: ServeOptions, **sockets: Any) -> None:
    try:
        runtime.serve(options.host, options.port, workers=options.workers, backlog=options.backlog,
                      shutdown_timeout=options.shutdown_timeout, sync_threads=sync_threads(),
                      **server_limits(options.keep_alive), **sockets)
    except KeyboardInterrupt:
        # The server already stopped gracefully on this SIGINT; Python only noticed it now.
        pass


def _log(message: str) -> None:
    print(f"[django-bolt {os.getpid()}] {message}", file=sys.stderr, flush=True)


def bind_listeners(host: str, port: int, backlog: int, count: int) -> list[socket.socket]:
    """One listening socket per worker slot, all on the port with SO_REUSEPORT, so the kernel
    spreads connections evenly over the workers (one shared socket measured 24 of 24 new
    connections on one worker). A plain bind first proves the port free: a second server on
    it fails with "address in use" instead of joining the group. The supervisor keeps every
    socket, so a restarting slot queues its connections instead of losing them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    listeners = []
    try:
        for _ in range(count):
            listener = socket.socket(family, socket.SOCK_STREAM)
            listeners.append(listener)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            listener.bind((host, port))
            listener.listen(backlog)
    except OSError:
        for listener in listeners:
            listener.close()
        raise
    return listeners


def _die_with_parent(parent: int) -> None:
    """SIGTERM this worker when the supervisor dies (Linux), and leave now if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(0)


@dataclass
class _Worker:
    started: float
    ready_fd: int  # read end of its readiness pipe
    slot: int  # which listening socket it serves
    ready: bool = False


class Supervisor:
    """Forks `processes` workers on one inherited socket and keeps that many alive until told
    to stop (see the module docstring for the rules)."""

    def __init__(self, runtime: RuntimeApp, options: ServeOptions) -> None:
        self.runtime = runtime
        self.options = options
        self.children: dict[int, _Worker] = {}
        self.stopping = False
        self.boot_failures = 0
        self.gave_up = False
        self.listeners: list[socket.socket] = []

    def _spawn(self, slot: int) -> None:
        read_end, write_end = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # worker
            os.close(read_end)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _die_with_parent(parent)
            for other, listener in enumerate(self.listeners):
                if other != slot:
                    listener.close()  # only the supervisor holds the other slots
            code = 0
            try:
                # serve() takes the descriptor over (and closes it when it stops accepting)
                serve_in_process(self.runtime, self.options, listen_fd=self.listeners[slot].detach(),
                                 ready_fd=write_end)
            except BaseException as exc:  # report and leave; the parent decides what to do
                _log(f"worker failed: {exc!r}")
                code = 3
            finally:
                os._exit(code)
        os.close(write_end)
        self.children[pid] = _Worker(time.monotonic(), read_end, slot)
        _log(f"started worker {pid}")

    def _stop(self, signum: int, _frame) -> None:
        if not self.stopping:
            _log(f"received {signal.Signals(signum).name}: stopping workers gracefully")
        self.stopping = True
        # New connections are refused from now on: the workers close their copies as they
        # stop accepting, and these were the last other ones.
        for listener in self.listeners:
            listener.close()
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _note_ready(self, timeout: float) -> None:
        """Wait up to `timeout` for readiness bytes; a ready worker resets the boot count."""
        waiting = {w.ready_fd: w for w in self.children.values() if not w.ready}
        if not waiting:
            time.sleep(timeout)
            return
        try:
            readable, _, _ = select.select(list(waiting), [], [], timeout)
        except InterruptedError:
            return
        for fd in readable:
            worker = waiting[fd]
            if os.read(fd, 1):
                worker.ready = True
                self.boot_failures = 0

    def _reap(self) -> list[tuple[int, _Worker, int]]:
        exited = []
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            worker = self.children.pop(pid, None)
            if worker is not None:
                os.close(worker.ready_fd)
                exited.append((pid, worker, status))
        return exited

    def run(self) -> int:
        self.listeners = bind_listeners(self.options.host, self.options.port, self.options.backlog,
                                        self.options.processes)
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for slot in range(self.options.processes):
            self._spawn(slot)
        restart_at: list[tuple[float, int]] = []  # (when, slot) of replacements for failed boots
        while self.children or (restart_at and not self.stopping):
            self._note_ready(0.05)
            for pid, worker, status in self._reap():
                if self.stopping:
                    continue
                if worker.ready:
                    _log(f"worker {pid} exited ({_describe(status)}); restarting")
                    self._spawn(worker.slot)
                    continue
                self.boot_failures += 1
                delay = min(BOOT_BACKOFF_SECONDS[0] * 2 ** (self.boot_failures - 1), BOOT_BACKOFF_SECONDS[1])
                _log(f"worker {pid} failed before serving ({_describe(status)}); "
                     f"restarting in {delay:.1f} s")
                restart_at.append((time.monotonic() + delay, worker.slot))
            serving = any(w.ready for w in self.children.values())
            if self.boot_failures >= MAX_BOOT_FAILURES and not serving and not self.stopping:
                _log("workers keep failing before they serve; giving up")
                self.gave_up = True
                self._stop(signal.SIGTERM, None)
                restart_at.clear()
            now = time.monotonic()
            due = [slot for when, slot in restart_at if when <= now]
            if due and not self.stopping:
                restart_at = [(when, slot) for when, slot in restart_at if when > now]
                for slot in due:
                    self._spawn(slot)
        for listener in self.listeners:
            listener.close()  # idempotent
        return 1 if self.gave_up else 0


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"
