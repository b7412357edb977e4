"""The hardening suite (issue 10): each defect found by attacking the server, reproduced.
In-process tests use `tests/conftest.py`'s `client_for` (both tables); server tests start a
real `runbolt` with the helpers of `tests/test_server.py` (importable from here)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from test_server import demo_db  # noqa: E402,F401 (the seeded demo database, a fixture)
