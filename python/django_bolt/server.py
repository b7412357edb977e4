"""Running the Rust server: one process, or a supervisor with forked workers on one
SO_REUSEPORT port that restarts dead workers and shuts down gracefully on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass

from .runtime import RuntimeApp

FAST_FAILURE_SECONDS = 2.0
MAX_FAST_FAILURES = 5


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    processes: int = 1
    workers: int = 1
    backlog: int = 1024
    shutdown_timeout: int = 30


def sync_threads() -> int:
    """`settings.BOLT_SYNC_THREADS` (default 64): most sync handlers running at once per
    process. The threads are started on demand and kept, each with its database connection."""
    from django.conf import settings

    value = getattr(settings, "BOLT_SYNC_THREADS", 64)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"BOLT_SYNC_THREADS must be a positive int, not {value!r}")
    return value


def serve_in_process(runtime: RuntimeApp, options: ServeOptions) -> None:
    try:
        runtime.serve(options.host, options.port, workers=options.workers, backlog=options.backlog,
                      shutdown_timeout=options.shutdown_timeout, sync_threads=sync_threads())
    except KeyboardInterrupt:
        # The server already stopped gracefully on this SIGINT; Python only noticed it now.
        pass


def _log(message: str) -> None:
    print(f"[django-bolt {os.getpid()}] {message}", file=sys.stderr, flush=True)


class Supervisor:
    """Forks `processes` workers and keeps that many alive until told to stop."""

    def __init__(self, runtime: RuntimeApp, options: ServeOptions) -> None:
        self.runtime = runtime
        self.options = options
        self.children: dict[int, float] = {}  # pid -> start time
        self.stopping = False
        self.fast_failures = 0

    def _spawn(self) -> None:
        pid = os.fork()
        if pid == 0:  # worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                serve_in_process(self.runtime, self.options)
            except BaseException as exc:  # report and leave; the parent decides what to do
                _log(f"worker failed: {exc!r}")
                code = 3
            finally:
                os._exit(code)
        self.children[pid] = time.monotonic()
        _log(f"started worker {pid}")

    def _stop(self, signum: int, _frame) -> None:
        if not self.stopping:
            _log(f"received {signal.Signals(signum).name}: stopping workers gracefully")
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for _ in range(self.options.processes):
            self._spawn()
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            started = self.children.pop(pid, None)
            if started is None or self.stopping:
                continue
            _log(f"worker {pid} exited ({_describe(status)}); restarting")
            if time.monotonic() - started >= FAST_FAILURE_SECONDS:
                self.fast_failures = 0  # only consecutive startup failures count
            else:
                self.fast_failures += 1
                if self.fast_failures >= MAX_FAST_FAILURES:
                    _log("workers keep failing at startup; giving up")
                    self._stop(signal.SIGTERM, None)
                    continue
            self._spawn()
        return 1 if self.fast_failures >= MAX_FAST_FAILURES else 0


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"
