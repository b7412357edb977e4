"""Field selection: `Config.field_sets`, `subset()`/`fields()` (new Serializer classes) and
`only()`/`exclude()`/`use()` (views that filter `dump()` output)."""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import Any

import msgspec


def field_names(cls: type) -> list[str]:
    """Struct fields and computed fields, in declaration order."""
    return [*cls.__struct_fields__, *cls.__bolt_computed__]


def check_names(cls: type, names: Iterable[str]) -> None:
    unknown = [n for n in names if n not in field_names(cls)]
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {unknown}; fields: {field_names(cls)}")


def subset(cls: type, names: tuple[str, ...], name: str | None, *, base: type) -> type:
    """A new Serializer class with only `names` (struct and computed fields), keeping their
    types, defaults, `field()` options and field validators. Model validators, which may read
    any field, are not copied. `base`: the Serializer class (this module sits below it)."""
    check_names(cls, names)
    hints = typing.get_type_hints(cls, include_extras=True)
    defaults = {f.name: f for f in msgspec.structs.fields(cls)}
    namespace: dict[str, Any] = {"__module__": cls.__module__, "__annotations__": {}}
    for field_name in cls.__struct_fields__:
        if field_name not in names:
            continue
        namespace["__annotations__"][field_name] = hints[field_name]
        info = defaults[field_name]
        config = cls.__bolt_field_configs__.get(field_name)
        if config is not None:
            namespace[field_name] = config
        elif not info.required:
            namespace[field_name] = msgspec.field(default=info.default, default_factory=info.default_factory)
    for field_name, validators in cls.__bolt_field_validators__.items():
        if field_name in names:
            for index, validator in enumerate(validators):
                namespace[f"__validate_{field_name}_{index}"] = validator
    for computed in cls.__bolt_computed__:
        if computed in names:
            namespace[computed] = getattr(cls, computed)
    return type(cls)(name or f"{cls.__name__}Subset", (base,), namespace)


class SerializerView:
    """`Serializer.only(...)` / `.exclude(...)` / `.use(set)`: dumps with some fields left out.
    Accepts Serializer instances or model instances (through `from_model`)."""

    def __init__(self, cls: type, include: frozenset[str] | None = None, exclude: frozenset[str] = frozenset()):
        if include is not None:
            check_names(cls, include)
        check_names(cls, exclude)
        self.cls, self.include, self.exclude_ = cls, include, exclude

    def _keys(self) -> set[str]:
        names = set(field_names(self.cls)) if self.include is None else set(self.include)
        names -= self.exclude_
        wire = self.cls.__bolt_encode_names__
        return {wire.get(n, n) for n in names}

    def only(self, *fields: str) -> SerializerView:
        current = set(field_names(self.cls)) if self.include is None else set(self.include)
        return SerializerView(self.cls, frozenset(current & set(fields)), self.exclude_)

    def exclude(self, *fields: str) -> SerializerView:
        return SerializerView(self.cls, self.include, self.exclude_ | frozenset(fields))

    def from_model(self, instance: Any) -> Any:
        return self.cls.from_model(instance)

    def dump(self, obj: Any) -> dict[str, Any]:
        if not isinstance(obj, self.cls):
            obj = self.cls.from_model(obj)
        keys = self._keys()
        return {k: v for k, v in obj.dump().items() if k in keys}

    def dump_many(self, objects: Iterable[Any]) -> list[dict[str, Any]]:
        return [self.dump(obj) for obj in objects]

    def dump_json(self, obj: Any) -> bytes:
        return msgspec.json.encode(self.dump(obj))

    def dump_many_json(self, objects: Iterable[Any]) -> bytes:
        return msgspec.json.encode(self.dump_many(objects))
