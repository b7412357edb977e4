"""Python annotations to manifest type descriptors (`{"kind": ...}`)."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import types
import typing
import uuid
from typing import Annotated, Any, Union

import msgspec

SCALARS: dict[Any, str] = {
    int: "int", float: "float", bool: "bool", str: "str", bytes: "bytes", uuid.UUID: "uuid",
    datetime.date: "date", datetime.datetime: "datetime", datetime.time: "time",
    decimal.Decimal: "decimal",
}
SEQUENCES = (list, tuple, set, frozenset)


def qualified_name(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', repr(obj))}"


def strip_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    """`Annotated[T, m1, m2]` → `(T, [m1, m2])`."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is Annotated:
        metadata.extend(annotation.__metadata__)
        annotation = annotation.__origin__
    return annotation, metadata


def optional_inner(annotation: Any) -> Any | None:
    """`T | None` → `T`; anything else → None."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0]
    return None


def is_struct_like(annotation: Any) -> bool:
    return isinstance(annotation, type) and (
        issubclass(annotation, msgspec.Struct) or dataclasses.is_dataclass(annotation)
    )


def describe(annotation: Any) -> dict[str, Any]:
    """A manifest type descriptor for any annotation (unknown shapes become `any`/`named`)."""
    annotation, _ = strip_annotated(annotation)
    if annotation is Any or annotation is typing.Any:
        return {"kind": "any"}
    if annotation is None or annotation is type(None):
        return {"kind": "none"}
    if annotation in SCALARS:
        return {"kind": SCALARS[annotation]}
    inner = optional_inner(annotation)
    if inner is not None:
        return {"kind": "optional", "inner": describe(inner)}
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation in SEQUENCES or origin in SEQUENCES:
        return {"kind": "list", "item": describe(args[0]) if args else {"kind": "any"}}
    if annotation is dict or origin is dict:
        key, value = args if len(args) == 2 else (Any, Any)
        return {"kind": "dict", "key": describe(key), "value": describe(value)}
    if isinstance(annotation, type):
        return {"kind": "named", "name": qualified_name(annotation)}
    return {"kind": "any"}


def is_type_form(annotation: Any) -> bool:
    """Whether `annotation` is made only of classes and typing forms (whatever msgspec makes
    of them): `5` or an unresolved name is not."""
    if annotation is Any or annotation is None or isinstance(annotation, (type, typing.TypeVar)):
        return True
    supertype = getattr(annotation, "__supertype__", None)  # typing.NewType
    if supertype is not None:
        return is_type_form(supertype)
    alias = getattr(typing, "TypeAliasType", None)  # `type X = ...` (Python 3.12+)
    if alias is not None and isinstance(annotation, alias):
        return is_type_form(annotation.__value__)
    origin = typing.get_origin(annotation)
    if origin is None:
        return False
    if origin is typing.Literal:
        return True
    if origin is Annotated:
        return is_type_form(annotation.__origin__)
    return (is_type_form(origin) or origin is Union) and all(
        a is Ellipsis or is_type_form(a) for a in typing.get_args(annotation))

