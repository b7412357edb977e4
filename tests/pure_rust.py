"""`python_calls(run)`: the Python functions that ran while `run()` ran, to show that an
answer came from Rust alone (the pipeline the test transport shares with the server)."""

from __future__ import annotations

import sys
from typing import Any


def python_calls(run: Any, *args: Any) -> tuple[Any, list[str]]:
    """`run(*args)` and the Python functions called meanwhile (`run` itself a C function)."""
    calls: list[str] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            calls.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        result = run(*args)
    finally:
        sys.setprofile(None)
    # The profiler's own uninstall is the only call the hook may see.
    return result, [c for c in calls if not c.endswith(":python_calls")]


def answered_in_rust(client: Any, method: str, path: str, headers: dict[str, str] | None = None,
                     query: str = "") -> tuple[int, dict[str, str], bytes]:
    """One request straight through the runtime, asserting no Python code ran for it."""
    pairs = [(k, v) for k, v in (headers or {}).items()]
    runtime = client.runtime
    (status, response_headers, body, _), calls = python_calls(
        runtime.module.test_request, runtime.app, method, path, query, pairs, b"")
    assert calls == [], f"{method} {path} entered Python: {calls}"
    return status, dict(response_headers), bytes(body)
