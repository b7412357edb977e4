"""`Nested(...)`: django-bolt's marker for nested serializer fields, with a cap on list sizes.

`Annotated[list[TagOut], Nested(TagOut, many=True, max_items=50)]` is a list of nested
serializers whose *input* (request bodies, `model_validate*`) may hold at most 50 items: the cap
becomes `msgspec.Meta(max_length=50)` on the field, so it is checked in Rust with every other
body error. Output built by `from_model` is not capped (it comes from the database, not from a
client)."""

from __future__ import annotations

import functools
import operator
import sys
import types
import typing
from dataclasses import dataclass
from typing import Any

import msgspec

DEFAULT_MAX_NESTED_ITEMS = 1000


@dataclass(frozen=True)
class NestedConfig:
    serializer_class: type
    many: bool = False
    max_items: int | None = DEFAULT_MAX_NESTED_ITEMS


def _is_serializer_class(obj: Any) -> bool:
    # What the Serializer metaclass gives every Serializer class (this module sits below
    # `base`, which uses it, so it cannot import the class itself).
    return isinstance(obj, type) and issubclass(obj, msgspec.Struct) and hasattr(obj, "__bolt_field_configs__")


def Nested(serializer_class: type, *, many: bool = False,  # noqa: N802 (django-bolt's name)
           max_items: int | None = DEFAULT_MAX_NESTED_ITEMS) -> NestedConfig:
    if not _is_serializer_class(serializer_class):
        raise TypeError(f"Nested() takes a Serializer subclass, got {serializer_class!r}")
    if max_items is not None and (not isinstance(max_items, int) or max_items < 0):
        raise ValueError(f"Nested(max_items=...) must be a non-negative int or None, got {max_items!r}")
    return NestedConfig(serializer_class, many, max_items)


def _with_limits(annotation: Any) -> Any:
    """`annotation` with `Meta(max_length=max_items)` next to each `Nested(..., many=True)`,
    also inside `Optional`/unions."""
    if typing.get_origin(annotation) is typing.Annotated:
        config = next((m for m in annotation.__metadata__ if isinstance(m, NestedConfig)), None)
        if config is not None and config.many and config.max_items is not None:
            return typing.Annotated[annotation, msgspec.Meta(max_length=config.max_items)]
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = tuple(_with_limits(a) for a in typing.get_args(annotation))
        if options != typing.get_args(annotation):
            return functools.reduce(operator.or_, options)
    return annotation


def apply_item_limits(namespace: dict[str, Any], class_name: str) -> None:
    """Add the caps of `Nested(..., many=True, max_items=N)` fields to their annotations, before
    msgspec builds the class. String annotations (`from __future__ import annotations`) are
    evaluated here; one that names `Nested` but cannot be evaluated yet (a forward reference)
    is a class error, since its cap would otherwise be silently lost."""
    annotations = namespace.get("__annotations__", {})
    module = sys.modules.get(namespace.get("__module__", ""))
    scope = {**(vars(module) if module else {}), **namespace}
    for name, annotation in list(annotations.items()):
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, scope)  # noqa: S307 (the class's own annotation)
            except Exception as exc:  # noqa: BLE001 - forward references resolve later, in msgspec
                if "Nested" in annotations[name]:
                    raise TypeError(f"{class_name}.{name}: cannot resolve {annotations[name]!r} "
                                    f"for Nested(): {exc}") from None
                continue
            limited = _with_limits(annotation)
            if limited is not annotation:
                annotations[name] = limited
            continue
        annotations[name] = _with_limits(annotation)
