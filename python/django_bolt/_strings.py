"""`string_list`: a setting given as one string or several, as a list (configuration checks)."""

from __future__ import annotations

from typing import Any


def string_list(value: Any, what: str) -> list[str]:
    """`None` → `[]`, `"a"` → `["a"]`, an iterable of strings → its list; else TypeError."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    items = list(value)
    if not all(isinstance(v, str) for v in items):
        raise TypeError(f"{what} must be a string or a list of strings, not {value!r}")
    return items
