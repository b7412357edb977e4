"""How many examples each property test runs: the fixed budget CI runs derandomized, scaled up
by `make fuzz` (BOLT_FUZZ_SCALE) for random exploration."""

from __future__ import annotations

import os

SCALE = max(1, int(os.environ.get("BOLT_FUZZ_SCALE", "1")))


def examples(ci_budget: int) -> int:
    return ci_budget * SCALE
