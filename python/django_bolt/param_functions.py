"""`Query`, `Path`, `Header`, `Cookie`, `Body` markers (django-bolt names and signatures)."""

from __future__ import annotations

from typing import Any

from .params import MISSING, Depends, Param


def _constrained(source: str):
    def marker(
        default: Any = MISSING, *, alias: str | None = None, gt: float | None = None,
        ge: float | None = None, lt: float | None = None, le: float | None = None,
        min_length: int | None = None, max_length: int | None = None, pattern: str | None = None,
        description: str | None = None, example: Any = None, deprecated: bool = False,
    ) -> Any:
        if source == "path" and default is not MISSING:
            raise ValueError("Path parameters cannot have default values")
        return Param(source, default, alias, gt, ge, lt, le, min_length, max_length, pattern,
                     description, example, deprecated)

    marker.__name__ = source.capitalize()
    return marker


Query = _constrained("query")
Path = _constrained("path")
Header = _constrained("header")
Cookie = _constrained("cookie")


def Body(default: Any = MISSING, *, alias: str | None = None, embed: bool = False,  # noqa: N802
         description: str | None = None, example: Any = None) -> Any:
    if alias is not None or embed:
        raise TypeError("Body(alias=..., embed=True) is not supported yet: the body is the whole JSON document")
    return Param("body", default, alias, description=description, example=example, embed=embed)


__all__ = ["Query", "Path", "Header", "Cookie", "Body", "Depends"]
