"""Parameter markers: where a handler argument comes from and the constraints it must meet
(`Query`, `Path`, `Header`, `Cookie`, `Form`, `File`, `Body`, `Depends`, django-bolt's names and
signatures; `django_bolt.param_functions` re-exports them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class _Missing:
    def __repr__(self) -> str:
        return "..."


MISSING: Any = ...


@dataclass(frozen=True)
class Param:
    source: str
    default: Any = MISSING
    alias: str | None = None
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    description: str | None = None
    example: Any = None
    deprecated: bool = False
    embed: bool = False
    # File() constraints, checked in Rust while the multipart body streams in.
    max_size: int | None = None
    min_size: int | None = None
    allowed_types: tuple[str, ...] | None = None
    max_files: int | None = None
    media_type: str | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING


@dataclass(frozen=True)
class Depends:
    """`Depends(fn, use_cache=True)`: the argument is what `fn` returns, with `fn`'s own
    parameters (request, path/query/header/cookie values, other dependencies) resolved like a
    handler's. With `use_cache`, one request calls `fn` once however many times it is named."""

    dependency: Callable[..., Any] | None = None
    use_cache: bool = True

    def __post_init__(self) -> None:
        if self.dependency is not None and not callable(self.dependency):
            raise TypeError(f"Depends() expects a callable, got {self.dependency!r}")

def _constrained(source: str):
    def marker(
        default: Any = MISSING, *, alias: str | None = None, gt: float | None = None,
        ge: float | None = None, lt: float | None = None, le: float | None = None,
        min_length: int | None = None, max_length: int | None = None, pattern: str | None = None,
        description: str | None = None, example: Any = None, deprecated: bool = False,
        multiple_of: float | None = None,
    ) -> Any:
        if source == "path" and default is not MISSING:
            raise ValueError("Path parameters cannot have default values")
        if multiple_of is not None:
            raise TypeError(f"{source.capitalize()}(multiple_of=...) is not supported for parameters; "
                            "use msgspec.Meta(multiple_of=...) on a body field")
        return Param(source, default, alias, gt, ge, lt, le, min_length, max_length, pattern,
                     description, example, deprecated)

    marker.__name__ = source.capitalize()
    return marker


Query = _constrained("query")
Path = _constrained("path")
Header = _constrained("header")
Cookie = _constrained("cookie")
Form = _constrained("form")


def Body(default: Any = MISSING, *, alias: str | None = None, embed: bool = False,  # noqa: N802
         description: str | None = None, example: Any = None, media_type: str | None = None) -> Any:
    """The JSON body. With `embed=True` the value is read from the key `alias` (or the
    parameter's name) of a JSON object; several body parameters are always embedded."""
    return Param("body", default, alias, description=description, example=example, embed=embed,
                 media_type=media_type)


def File(default: Any = MISSING, *, alias: str | None = None, max_size: int | None = None,  # noqa: N802
         min_size: int | None = None, allowed_types: list[str] | tuple[str, ...] | None = None,
         max_files: int | None = None, description: str | None = None) -> Any:
    """An uploaded file (`UploadFile`, or `list[UploadFile]`) of a multipart body."""
    for name, value in (("max_size", max_size), ("min_size", min_size), ("max_files", max_files)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ValueError(f"File({name}=...) must be a non-negative int, not {value!r}")
    return Param("file", default, alias, description=description, max_size=max_size, min_size=min_size,
                 allowed_types=tuple(allowed_types) if allowed_types is not None else None, max_files=max_files)


__all__ = ["Query", "Path", "Header", "Cookie", "Form", "File", "Body", "Depends", "Param"]
