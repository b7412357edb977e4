"""`Serializer`: a msgspec Struct with field and model validators, computed fields, per-field
options and Django model integration (django-bolt's API)."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

import msgspec
import msgspec.structs

from .. import _core
from .._issues import validation_issue
from .._schema import SchemaRegistry
from ..exceptions import RequestValidationError
from .before import decode as decode_with_before
from .before import needs_before
from .errors import VALIDATION_ERRORS, SerializerValidationError
from .fields import FieldConfig
from .nested import apply_item_limits
from .views import SerializerView, subset

T = TypeVar("T", bound="Serializer")
_STRUCT_META = type(msgspec.Struct)
__all__ = ["Serializer", "SerializerValidationError", "VALIDATION_ERRORS"]


class _SerializerMeta(_STRUCT_META):
    def __new__(mcs, name: str, bases: tuple, namespace: dict, **kwargs: Any):
        apply_item_limits(namespace, name)
        configs: dict[str, FieldConfig] = {}
        for key, value in list(namespace.items()):
            if isinstance(value, FieldConfig):
                configs[key] = value
                namespace[key] = value.to_msgspec()
        field_validators: dict[str, list] = {}
        before_validators: dict[str, list] = {}
        model_validators: list = []
        computed: list[str] = []
        for key, value in namespace.items():
            fn = getattr(value, "__func__", value)
            marker = getattr(fn, "__bolt_field_validator__", None)
            if marker is not None:
                target = before_validators if marker[1] == "before" else field_validators
                for field_name in marker[0]:
                    target.setdefault(field_name, []).append(fn)
            if getattr(fn, "__bolt_model_validator__", False):
                model_validators.append(fn)
            if isinstance(value, property) and getattr(value.fget, "__bolt_computed__", False):
                computed.append(key)
        config_class = namespace.pop("Config", None) or namespace.pop("Meta", None)
        rename = getattr(config_class, "rename", None)
        if rename is not None:
            kwargs.setdefault("rename", rename)
        for flag in ("read_only", "write_only"):
            for field_name in getattr(config_class, flag, ()) or ():
                current = configs.get(field_name)
                if current is None:
                    default = namespace.get(field_name, msgspec.NODEFAULT)
                    current = FieldConfig(default=default)
                configs[field_name] = replace(current, **{flag: True})
                namespace[field_name] = configs[field_name].to_msgspec()
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        field_sets = {}
        for base in reversed(cls.__mro__[1:]):
            field_sets.update(getattr(base, "__bolt_field_sets__", {}))
        field_sets.update({k: list(v) for k, v in getattr(config_class, "field_sets", {}).items()})
        cls.__bolt_field_sets__ = field_sets
        inherited = [b for b in reversed(cls.__mro__[1:]) if isinstance(b, _SerializerMeta)]
        all_configs: dict[str, FieldConfig] = {}
        all_validators: dict[str, list] = {}
        all_before: dict[str, list] = {}
        all_model_validators: list = []
        all_computed: list[str] = []
        for base in inherited:
            all_configs.update(base.__bolt_field_configs__)
            for k, v in base.__bolt_field_validators__.items():
                all_validators.setdefault(k, []).extend(v)
            for k, v in base.__bolt_before_validators__.items():
                all_before.setdefault(k, []).extend(v)
            all_model_validators.extend(base.__bolt_model_validators__)
            all_computed.extend(c for c in base.__bolt_computed__ if c not in all_computed)
        all_configs.update(configs)
        for k, v in field_validators.items():
            all_validators.setdefault(k, []).extend(v)
        for k, v in before_validators.items():
            all_before.setdefault(k, []).extend(v)
        all_model_validators.extend(model_validators)
        all_computed.extend(c for c in computed if c not in all_computed)
        unknown = (set(all_validators) | set(all_before)) - set(cls.__struct_fields__)
        if unknown:
            raise TypeError(f"{name}: field_validator for unknown field(s) {sorted(unknown)}")
        cls.__bolt_field_configs__ = all_configs
        cls.__bolt_field_validators__ = all_validators
        cls.__bolt_before_validators__ = all_before
        cls.__bolt_model_validators__ = all_model_validators
        cls.__bolt_computed__ = tuple(all_computed)
        cls.__bolt_encode_names__ = dict(zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True))
        # Attribute paths the Rust encoder reads from model instances, one per field, or None when
        # `from_model` semantics need Python (validators may change values; write-only fields
        # take defaults).
        direct = (not all_validators and not all_model_validators
                  and not any(c.write_only or c.exclude for c in all_configs.values())
                  and ("Serializer" not in globals()
                       or (cls.__post_init__ is Serializer.__post_init__
                           and cls.from_model.__func__ is Serializer.from_model.__func__)))
        # The fast body path may build instances itself and then call __post_init__, when it is
        # Serializer's own (its errors are SerializerValidationError, as msgspec passes them on).
        cls.__bolt_post_init_builds__ = "Serializer" not in globals() or cls.__post_init__ is Serializer.__post_init__
        cls.__bolt_model_sources__ = tuple(
            tuple((all_configs[f].source if f in all_configs and all_configs[f].source else f).split("."))
            for f in cls.__struct_fields__) if direct else None
        return cls


def _nested(annotation: Any) -> tuple[type[Serializer], bool] | None:
    """`(serializer class, many)` when a field holds nested serializers."""
    annotation = typing.get_args(annotation)[0] if typing.get_origin(annotation) is typing.Annotated else annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, __import__("types").UnionType) and len(args) == 1:
        annotation = args[0]
    if isinstance(annotation, type) and issubclass(annotation, Serializer):
        return annotation, False
    if typing.get_origin(annotation) in (list, tuple, set, frozenset):
        inner = typing.get_args(annotation)
        if inner and isinstance(inner[0], type) and issubclass(inner[0], Serializer):
            return inner[0], True
    return None


def _is_related_manager(value: Any) -> bool:
    return hasattr(value, "all") and hasattr(value, "model") and hasattr(value, "get_queryset")


class Serializer(msgspec.Struct, metaclass=_SerializerMeta):
    """Subclass with typed fields; use `field(...)`, `@field_validator`, `@model_validator` and
    `@computed_field`. Valid instances come from decoding a request body, `model_validate`,
    `model_validate_json` or `from_model`."""

    __bolt_field_configs__: ClassVar[dict[str, FieldConfig]]
    __bolt_field_validators__: ClassVar[dict[str, list]]
    __bolt_before_validators__: ClassVar[dict[str, list]]
    __bolt_model_validators__: ClassVar[list]
    __bolt_computed__: ClassVar[tuple[str, ...]]
    __bolt_encode_names__: ClassVar[dict[str, str]]
    __bolt_model_sources__: ClassVar[tuple[tuple[str, ...], ...] | None]
    __bolt_from_model_plan__: ClassVar[list | None] = None
    __bolt_field_sets__: ClassVar[dict[str, list[str]]]

    def __post_init__(self) -> None:
        cls = type(self)
        errors: list[dict[str, Any]] = []
        for field_name, validators in cls.__bolt_field_validators__.items():
            value = getattr(self, field_name)
            try:
                for validator in validators:
                    result = validator(cls, value)
                    value = value if result is None else result
            except VALIDATION_ERRORS as exc:
                errors.append({"loc": [cls.__bolt_encode_names__[field_name]], "msg": str(exc) or type(exc).__name__,
                               "type": "value_error"})
                continue
            setattr(self, field_name, value)
        if not errors:
            for validator in cls.__bolt_model_validators__:
                try:
                    validator(self)
                except VALIDATION_ERRORS as exc:
                    errors.append({"loc": [], "msg": str(exc) or type(exc).__name__, "type": "value_error"})
        if errors:
            raise SerializerValidationError(errors)

    # -- input --------------------------------------------------------------------------------

    @classmethod
    def model_validate(cls: type[T], data: Any) -> T:
        """Validate a dict (every failing field reported) or an object's attributes."""
        if isinstance(data, dict):
            return cls.model_validate_json(msgspec.json.encode(data))
        if needs_before(cls):
            raise TypeError(f"{cls.__name__} has mode='before' validators: model_validate takes a dict")
        try:
            return msgspec.convert(data, cls, from_attributes=True)
        except msgspec.ValidationError as exc:
            raise RequestValidationError([_issue(str(exc))]) from None
        except SerializerValidationError as exc:
            raise RequestValidationError(exc.errors) from None

    @classmethod
    def model_validate_json(cls: type[T], data: str | bytes) -> T:
        raw = data.encode() if isinstance(data, str) else data
        if needs_before(cls):
            try:
                return decode_with_before(raw, cls)
            except msgspec.ValidationError as exc:  # (a DecodeError subclass: first)
                raise RequestValidationError([_issue(str(exc))]) from None
            except msgspec.DecodeError as exc:
                raise RequestValidationError([{"loc": [], "msg": str(exc), "type": "json_invalid"}]) from None
            except SerializerValidationError as exc:
                raise RequestValidationError(exc.errors) from None
        registry = SchemaRegistry()
        described = registry.describe(cls)
        found = _core.validate_json(raw, msgspec.json.encode(described).decode(),
                                    msgspec.json.encode(registry.schemas).decode())
        issues = msgspec.json.decode(found) if found is not None else None
        if issues:
            raise RequestValidationError([{**i, "loc": i["loc"][1:]} for i in issues])
        try:
            return msgspec.json.decode(raw, type=cls)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise RequestValidationError([_issue(str(exc))]) from None
        except SerializerValidationError as exc:
            raise RequestValidationError(exc.errors) from None

    @classmethod
    def _from_model_plan(cls) -> list[tuple[str, list[str], tuple[type[Serializer], bool] | None, bool]]:
        """Per field: name, source path, nested serializer (class, many), required. Built once."""
        plan = cls.__dict__.get("__bolt_from_model_plan__")
        if plan is None:
            hints = typing.get_type_hints(cls, include_extras=True)
            plan = []
            for name, info in zip(cls.__struct_fields__, msgspec.structs.fields(cls), strict=True):
                config = cls.__bolt_field_configs__.get(name)
                if config is not None and config.write_only:
                    continue
                path = (config.source if config and config.source else name).split(".")
                plan.append((name, path, _nested(hints.get(name)), info.required))
            cls.__bolt_from_model_plan__ = plan
        return plan

    @classmethod
    def from_model(cls: type[T], instance: Any) -> T:
        """Read the fields from a model instance: `source="fk.field"` paths, related managers
        as lists, nested serializers recursively. Validators run as for any instance."""
        values: dict[str, Any] = {}
        for name, path, nested, required in cls._from_model_plan():
            value = instance
            try:
                for part in path:
                    value = getattr(value, part)
                    if value is None:
                        break
            except AttributeError:
                if required:
                    raise
                continue
            if _is_related_manager(value):
                value = list(value.all())
            if nested is not None and value is not None:
                nested_cls, many = nested
                value = [nested_cls.from_model(v) for v in value] if many else nested_cls.from_model(value)
            values[name] = value
        return cls(**values)

    @classmethod
    def from_models(cls: type[T], objects: Iterable[Any]) -> list[T]:
        return [cls.from_model(obj) for obj in objects]

    # -- output -------------------------------------------------------------------------------

    def dump(self, exclude_none: bool = False, exclude_defaults: bool = False) -> dict[str, Any]:
        """The output dict: wire names, computed fields (by their alias), without write-only
        and excluded fields; `exclude_none` drops None values, `exclude_defaults` the fields
        equal to their default."""
        cls = type(self)
        data = msgspec.to_builtins(self)
        for name, config in cls.__bolt_field_configs__.items():
            if config.write_only or config.exclude:
                data.pop(cls.__bolt_encode_names__[name], None)
        if exclude_defaults:
            for info in msgspec.structs.fields(cls):
                default = info.default if info.default is not msgspec.NODEFAULT else (
                    info.default_factory() if info.default_factory is not msgspec.NODEFAULT else msgspec.NODEFAULT)
                if default is not msgspec.NODEFAULT and getattr(self, info.name) == default:
                    data.pop(info.encode_name, None)
        for name in cls.__bolt_computed__:
            prop = inspect.getattr_static(cls, name)
            key = getattr(prop.fget, "__bolt_computed_alias__", None) or name
            data[key] = msgspec.to_builtins(getattr(self, name))
        if exclude_none:
            data = {k: v for k, v in data.items() if v is not None}
        return data

    # -- Django models ------------------------------------------------------------------------

    def _input_values(self) -> dict[str, Any]:
        """Field values a model receives: without read-only and excluded fields."""
        configs = type(self).__bolt_field_configs__
        return {name: getattr(self, name) for name in type(self).__struct_fields__
                if not (name in configs and (configs[name].read_only or configs[name].exclude))}

    def to_model(self, model: type) -> Any:
        """An unsaved `model` instance from the fields (read-only ones left out)."""
        return model(**self._input_values())

    def update_instance(self, instance: Any) -> Any:
        """Set the fields (read-only ones left out) on `instance`; it is returned, unsaved."""
        for name, value in self._input_values().items():
            setattr(instance, name, value)
        return instance

    @classmethod
    def from_parent(cls: type[T], parent: Serializer) -> T:
        """This (subset) serializer from an instance of a larger one with the same fields."""
        return cls(**{name: getattr(parent, name) for name in cls.__struct_fields__ if hasattr(parent, name)})

    def dump_json(self) -> bytes:
        return msgspec.json.encode(self.dump())

    @classmethod
    def dump_many(cls, instances: Iterable[Serializer]) -> list[dict[str, Any]]:
        return [instance.dump() for instance in instances]

    @classmethod
    def dump_many_json(cls, instances: Iterable[Serializer]) -> bytes:
        return msgspec.json.encode(cls.dump_many(instances))

    # -- field selection ----------------------------------------------------------------------

    @classmethod
    def subset(cls: type[T], *fields: str, name: str | None = None) -> type[T]:
        """A new Serializer class with only these fields (usable as a type annotation)."""
        return subset(cls, fields, name, base=Serializer)

    @classmethod
    def fields(cls: type[T], field_set: str, *, name: str | None = None) -> type[T]:
        """`subset()` of a set named in `class Config: field_sets = {...}`."""
        if field_set not in cls.__bolt_field_sets__:
            raise ValueError(f"{cls.__name__} has no field set {field_set!r}; sets: {sorted(cls.__bolt_field_sets__)}")
        return cls.subset(*cls.__bolt_field_sets__[field_set], name=name or f"{cls.__name__}_{field_set}")

    @classmethod
    def only(cls, *fields: str):
        return SerializerView(cls, include=frozenset(fields))

    @classmethod
    def exclude(cls, *fields: str):
        return SerializerView(cls, exclude=frozenset(fields))

    @classmethod
    def use(cls, field_set: str):
        if field_set not in cls.__bolt_field_sets__:
            raise ValueError(f"{cls.__name__} has no field set {field_set!r}; sets: {sorted(cls.__bolt_field_sets__)}")
        return cls.only(*cls.__bolt_field_sets__[field_set])

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).__struct_fields__}


def _issue(message: str) -> dict[str, Any]:
    issue = validation_issue(message)
    return {**issue, "loc": issue["loc"][1:]}
