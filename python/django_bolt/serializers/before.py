"""`@field_validator(..., mode="before")`: validators that see the raw input value (as decoded
from JSON or given to `model_validate`) and may replace it before msgspec checks its type.

Raw values cannot pass the Rust body check first, so a Serializer with `before` validators
anywhere in its tree is described as `any` to the runtime, and its bodies are decoded here:
JSON → builtins → `before` validators (nested Structs and Serializers included) → JSON →
msgspec."""

from __future__ import annotations

import types
import typing
from typing import Any

import msgspec

from .._schema import _before_validators, needs_before
from .errors import VALIDATION_ERRORS, SerializerValidationError

__all__ = ["needs_before", "decode", "apply_before"]


def apply_before(annotation: Any, raw: Any) -> Any:
    """`raw` with every `before` validator of the Serializers in `annotation` applied; failures
    become one SerializerValidationError with every failing field (locs in wire names)."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return _apply_to_struct(annotation, raw)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset) and isinstance(raw, list) and args:
        # tuple[A, B] types each position; list[T], set[T] and tuple[T, ...] all items alike.
        fixed = origin is tuple and args[-1] is not Ellipsis
        errors: list[dict[str, Any]] = []
        out = []
        for index, item in enumerate(raw):
            item_type = (args[index] if index < len(args) else None) if fixed else args[0]
            try:
                out.append(item if item_type is None else apply_before(item_type, item))
            except SerializerValidationError as exc:
                errors.extend({**e, "loc": [index, *e["loc"]]} for e in exc.errors)
        if errors:
            raise SerializerValidationError(errors)
        return out
    if origin is dict and isinstance(raw, dict) and len(args) == 2:
        return {key: apply_before(args[1], value) for key, value in raw.items()}
    if origin in (typing.Union, types.UnionType) and raw is not None:
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:  # Optional[X]
            return apply_before(options[0], raw)
    return raw


def _apply_to_struct(cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        return raw
    hints = typing.get_type_hints(cls, include_extras=True)
    data = dict(raw)
    errors: list[dict[str, Any]] = []
    wire_names = dict(zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True))
    for name in cls.__struct_fields__:
        wire = wire_names[name]
        if wire not in data:
            continue
        value = data[wire]
        try:
            for validator in _before_validators(cls).get(name, ()):
                value = validator(cls, value)
            data[wire] = apply_before(hints[name], value)
        except VALIDATION_ERRORS as exc:
            errors.append({"loc": [wire], "msg": str(exc) or type(exc).__name__, "type": "value_error"})
        except SerializerValidationError as exc:
            errors.extend({**e, "loc": [wire, *e["loc"]]} for e in exc.errors)
    if errors:
        raise SerializerValidationError(errors)
    return data


def decode(raw_json: bytes, annotation: Any) -> Any:
    """A body of `annotation` through its `before` validators, then msgspec's JSON decoding of
    the result (so object keys, dates and error locations follow the JSON rules). Numbers reach
    the validators as int/float: a Decimal field gets the float's shortest text back."""
    data = apply_before(annotation, msgspec.json.decode(raw_json))
    return msgspec.json.decode(msgspec.json.encode(data), type=annotation)
