"""`create_serializer(Model, fields=...)`: a Serializer generated from a Django model."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import msgspec
import msgspec.structs

from .base import Serializer

_FIELD_TYPES: dict[str, Any] = {
    "AutoField": int, "BigAutoField": int, "SmallAutoField": int, "IntegerField": int, "BigIntegerField": int,
    "SmallIntegerField": int, "PositiveIntegerField": int, "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int, "FloatField": float, "DecimalField": decimal.Decimal,
    "BooleanField": bool, "NullBooleanField": bool, "CharField": str, "TextField": str, "EmailField": str,
    "SlugField": str, "URLField": str, "GenericIPAddressField": str, "FilePathField": str, "FileField": str,
    "ImageField": str, "DateField": datetime.date, "DateTimeField": datetime.datetime, "TimeField": datetime.time,
    "DurationField": datetime.timedelta, "UUIDField": uuid.UUID, "BinaryField": bytes, "JSONField": Any,
}


def _python_type(model_field: Any) -> Any:
    if model_field.is_relation and (model_field.many_to_one or model_field.one_to_one):
        return _python_type(model_field.target_field)
    internal = model_field.get_internal_type()
    if internal == "ForeignKey":
        return int
    try:
        return _FIELD_TYPES[internal]
    except KeyError:
        raise TypeError(f"create_serializer: unsupported model field {model_field.name!r} ({internal})") from None


def create_serializer_set(model: type, create_fields: list[str] | tuple[str, ...] | str = "__all__",
                          update_fields: list[str] | tuple[str, ...] | str | None = None,
                          public_fields: list[str] | tuple[str, ...] | str = "__all__",
                          exclude: list[str] | tuple[str, ...] = ()) -> tuple[type[Serializer], ...]:
    """`(Create, Update, Public)` serializers of `model`: `Create` takes `create_fields` (the
    primary key left out), `Update` the same fields (or `update_fields`) all optional, for
    partial updates, and `Public` is what responses show."""
    pk = model._meta.pk.name
    create_exclude = (*exclude, pk) if create_fields == "__all__" else exclude
    create = create_serializer(model, create_fields, create_exclude, name=f"{model.__name__}Create")
    update_base = create_serializer(model, update_fields if update_fields is not None else create_fields,
                                    create_exclude, name=f"{model.__name__}UpdateBase")
    annotations = {name: (info.type | None) for name, info in
                   zip(update_base.__struct_fields__, msgspec.structs.fields(update_base), strict=True)}
    namespace: dict[str, Any] = {"__module__": model.__module__, "__annotations__": annotations,
                                 **{name: None for name in annotations}}
    update = type(Serializer)(f"{model.__name__}Update", (Serializer,), namespace)
    public = create_serializer(model, public_fields, exclude, name=f"{model.__name__}Public")
    return create, update, public


def create_serializer(model: type, fields: list[str] | tuple[str, ...] | str = "__all__",
                      exclude: list[str] | tuple[str, ...] = (), name: str | None = None) -> type[Serializer]:
    """Fields in model order; foreign keys as their `<name>_id` value; `null=True` fields are
    optional (default None); fields with a default or `blank=True` are optional."""
    concrete = [f for f in model._meta.concrete_fields if f.name not in exclude]
    if fields != "__all__":
        by_name = {f.name: f for f in concrete}
        missing = [f for f in fields if f not in by_name]
        if missing:
            raise ValueError(f"create_serializer({model.__name__}): no field(s) {missing}")
        concrete = [by_name[f] for f in fields]
    required, optional = [], []
    for model_field in concrete:
        attr = model_field.attname if model_field.is_relation else model_field.name
        python_type = _python_type(model_field)
        if model_field.null:
            optional.append((attr, python_type | None, None))
        elif model_field.has_default() and not callable(model_field.default):
            optional.append((attr, python_type, model_field.default))
        elif model_field.primary_key or model_field.blank or model_field.has_default():
            optional.append((attr, python_type | None, None))
        else:
            required.append((attr, python_type))
    namespace: dict[str, Any] = {"__module__": model.__module__,
                                 "__annotations__": {attr: t for attr, t, *_ in [*required, *optional]}}
    namespace.update({attr: default for attr, _, default in optional})
    return type(Serializer)(name or f"{model.__name__}Serializer", (Serializer,), namespace)
