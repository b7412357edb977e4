"""Declared body/response types described for the manifest, via `msgspec.inspect` so the
description follows msgspec's own reading of the type. Named types (Structs, dataclasses,
TypedDicts, NamedTuples, Enums) become entries of the manifest's `schemas`, referenced by
`{"kind": "named", "name": "module:qualname"}`."""

from __future__ import annotations

import enum
import functools
import typing
from typing import Any

import msgspec
import msgspec.inspect as mi

from ._types import qualified_name

_SCALARS: dict[type, str] = {
    mi.IntType: "int", mi.FloatType: "float", mi.StrType: "str", mi.BoolType: "bool", mi.NoneType: "none",
    mi.AnyType: "any", mi.BytesType: "bytes", mi.ByteArrayType: "bytes", mi.MemoryViewType: "bytes",
    mi.DateTimeType: "datetime", mi.DateType: "date", mi.TimeType: "time", mi.TimeDeltaType: "timedelta",
    mi.UUIDType: "uuid", mi.DecimalType: "decimal", mi.RawType: "raw", mi.CustomType: "any",
}
_CONSTRAINTS = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern", "tz")
_ARRAYS: dict[type, str] = {mi.ListType: "list", mi.SetType: "set", mi.FrozenSetType: "frozenset",
                            mi.VarTupleType: "vartuple"}


class SchemaRegistry:
    """Collects the named types reachable from the declared types of a set of routes."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {}
        self.classes: dict[str, type] = {}  # the runtime class of each schema (a generic's origin)
        self._described: dict[str, Any] = {}  # what each name was made for (class or generic alias)

    def describe(self, annotation: Any) -> dict[str, Any]:
        try:
            info = mi.type_info(annotation)
        except (TypeError, ValueError, NotImplementedError):
            # A type msgspec cannot describe (an IntEnum member above 2**63, an Enum of floats):
            # the route's values are encoded as they are, by the generic encoder.
            return {"kind": "any"}
        return self._node(info)

    def _json(self, value: Any) -> Any:
        try:
            return msgspec.to_builtins(value)
        except (TypeError, msgspec.EncodeError):
            return repr(value)

    def _name_for(self, cls: Any) -> str:
        """A schema name unique to `cls`: `module:qualname`, with the type arguments of a generic
        alias (`Page[int]`), and a suffix when another class already has that name."""
        origin = typing.get_origin(cls) or cls
        base = qualified_name(origin)
        args = typing.get_args(cls)
        if args:
            base += "[" + ", ".join(getattr(a, "__qualname__", repr(a)) for a in args) + "]"
        name, counter = base, 1
        while name in self._described and self._described[name] is not cls and self._described[name] != cls:
            counter += 1
            name = f"{base}#{counter}"
        return name

    def _named(self, cls: Any, build) -> dict[str, Any]:
        name = self._name_for(cls)
        if name not in self.schemas:
            self.schemas[name] = {}  # placeholder: recursive types refer to themselves
            self._described[name] = cls
            self.classes[name] = typing.get_origin(cls) or cls
            self.schemas[name] = build()
        return {"kind": "named", "name": name}

    def _fields(self, fields) -> list[dict[str, Any]]:
        return [
            {
                "name": f.name,
                "encode_name": getattr(f, "encode_name", f.name),
                "type": self._node(f.type),
                "required": f.required,
                "default": None if f.default is mi.NODEFAULT else self._json(f.default),
            }
            for f in fields
        ]

    def _node(self, info: Any) -> dict[str, Any]:
        node = self._plain_node(info)
        constraints = {key: getattr(info, key) for key in _CONSTRAINTS if getattr(info, key, None) is not None}
        if constraints:
            return {"kind": "constrained", "inner": node, "constraints": constraints}
        return node

    def _plain_node(self, info: Any) -> dict[str, Any]:
        kind = _SCALARS.get(type(info))
        if kind is not None:
            return {"kind": kind}
        kind = _ARRAYS.get(type(info))
        if kind is not None:
            return {"kind": kind, "item": self._node(info.item_type)}
        if isinstance(info, mi.TupleType):
            return {"kind": "tuple", "items": [self._node(t) for t in info.item_types]}
        if isinstance(info, mi.DictType):
            return {"kind": "dict", "key": self._node(info.key_type), "value": self._node(info.value_type)}
        if isinstance(info, mi.UnionType):
            return {"kind": "union", "options": [self._node(t) for t in info.types]}
        if isinstance(info, mi.LiteralType):
            return {"kind": "literal", "values": [self._json(v) for v in info.values]}
        if isinstance(info, mi.EnumType):
            cls = info.cls
            # Flags combine members and `_missing_` accepts more values than the members: msgspec's call.
            if issubclass(cls, enum.Flag) or "_missing_" in vars(cls):
                return {"kind": "any"}
            return self._named(cls, lambda: {"kind": "enum", "values": [self._json(m.value) for m in cls]})
        if isinstance(info, mi.StructType):
            cls = info.cls
            if getattr(cls, "__bolt_before_validators__", None) is not None and needs_before(cls):
                return {"kind": "any"}  # raw values first go through Python validators
            config = (typing.get_origin(cls) or cls).__struct_config__
            return self._named(cls, lambda: {
                "kind": "struct", "fields": self._fields(info.fields), "tag_field": info.tag_field,
                "tag": self._json(info.tag), "array_like": info.array_like,
                "forbid_unknown_fields": info.forbid_unknown_fields, "omit_defaults": config.omit_defaults,
            })
        if isinstance(info, mi.DataclassType):
            return self._named(info.cls, lambda: {"kind": "dataclass", "fields": self._fields(info.fields)})
        if isinstance(info, mi.TypedDictType):
            return self._named(info.cls, lambda: {"kind": "typeddict", "fields": self._fields(info.fields)})
        if isinstance(info, mi.NamedTupleType):
            return self._named(info.cls, lambda: {"kind": "namedtuple", "fields": self._fields(info.fields)})
        return {"kind": "any"}


def _struct_classes(annotation: Any) -> list[type]:
    """The Struct classes (Serializers included) an annotation holds directly, through
    Optional, Annotated and containers."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return [annotation]
    return [cls for arg in typing.get_args(annotation) for cls in _struct_classes(arg)]


def _before_validators(cls: type) -> dict[str, list]:
    return getattr(cls, "__bolt_before_validators__", None) or {}


@functools.cache
def needs_before(annotation: Any, _seen: frozenset = frozenset()) -> bool:
    """Whether decoding `annotation` must run `before` validators somewhere."""
    for cls in _struct_classes(annotation):
        if cls in _seen:
            continue
        if _before_validators(cls):
            return True
        hints = typing.get_type_hints(cls, include_extras=True)
        if any(needs_before(hints[name], _seen | {cls}) for name in cls.__struct_fields__):
            return True
    return False

