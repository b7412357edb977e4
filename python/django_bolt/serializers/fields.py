"""`field()`: per-field options beyond a plain default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec


@dataclass(frozen=True)
class FieldConfig:
    default: Any = msgspec.NODEFAULT
    default_factory: Any = msgspec.NODEFAULT
    read_only: bool = False
    write_only: bool = False
    source: str | None = None
    alias: str | None = None
    description: str | None = None
    title: str | None = None
    examples: tuple[Any, ...] | None = None
    deprecated: bool = False
    exclude: bool = False  # left out of dump() and responses' dump
    include_in_schema: bool = True

    def to_msgspec(self) -> Any:
        """The msgspec field this stands for (default and wire name)."""
        default = self.default
        if default is msgspec.NODEFAULT and self.default_factory is msgspec.NODEFAULT and self.read_only:
            default = None  # read-only fields are filled by the server, never required as input
        return msgspec.field(default=default, default_factory=self.default_factory, name=self.alias)


def field(*, default: Any = msgspec.NODEFAULT, default_factory: Any = msgspec.NODEFAULT, read_only: bool = False,
          write_only: bool = False, source: str | None = None, alias: str | None = None,
          description: str | None = None, title: str | None = None, examples: list[Any] | None = None,
          deprecated: bool = False, exclude: bool = False, include_in_schema: bool = True) -> Any:
    """`read_only`: output only (ignored in input); `write_only`: input only (left out of
    `dump()`); `source`: attribute path read by `from_model` (`"author.name"`); `alias`: the
    name on the wire; `exclude`: never dumped; `title`, `description`, `examples`,
    `deprecated`, `include_in_schema`: documentation (OpenAPI)."""
    if read_only and write_only:
        raise ValueError("a field cannot be both read_only and write_only")
    return FieldConfig(default, default_factory, read_only, write_only, source, alias, description, title,
                       tuple(examples) if examples is not None else None, deprecated, exclude, include_in_schema)
