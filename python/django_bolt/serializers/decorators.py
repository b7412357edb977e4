"""`field_validator`, `model_validator` and `computed_field` markers for Serializer classes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def field_validator(*fields: str, mode: str = "after") -> Callable[[Callable], Callable]:
    """`@field_validator("email")` on `def f(cls, value)`: return the (possibly changed) value,
    or raise ValueError/TypeError/AssertionError to reject it. `mode="after"` (the default)
    sees the typed value; `mode="before"` sees the raw input value, before its type is checked."""
    if not fields or not all(isinstance(f, str) for f in fields):
        raise TypeError("field_validator() takes the names of the fields it validates")
    if mode not in ("before", "after"):
        raise ValueError(f"field_validator mode must be 'before' or 'after', got {mode!r}")

    def mark(fn: Callable) -> Callable:
        fn.__bolt_field_validator__ = (fields, mode)
        return fn

    return mark


def model_validator(fn: Callable | None = None, *, mode: str = "after") -> Any:
    """`@model_validator` on `def f(self)`: raise ValueError/TypeError/AssertionError to reject
    the whole object; may return a replacement instance."""
    if mode != "after":
        raise ValueError("model_validator supports mode='after'")

    def mark(f: Callable) -> Callable:
        f.__bolt_model_validator__ = True
        return f

    return mark(fn) if fn is not None else mark


def computed_field(fn: Callable | None = None, *, alias: str | None = None) -> Any:
    """A read-only value derived from the fields, included by `dump()` (under `alias` when
    given): `@computed_field` or `@computed_field(alias="displayName")`."""

    def make(f: Callable) -> property:
        f.__bolt_computed__ = True
        f.__bolt_computed_alias__ = alias
        return property(f)

    return make(fn) if fn is not None else make
