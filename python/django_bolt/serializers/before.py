"""`@field_validator(..., mode="before")`: validators that see the raw input value (as decoded
from JSON or given to `model_validate`) and may replace it before msgspec checks its type.

Raw values cannot pass the Rust body check first, so a Serializer with `before` validators
anywhere in its tree is described as `any` to the runtime, and its bodies are decoded here:
JSON → builtins → `before` validators (nested serializers included) → `msgspec.convert`."""

from __future__ import annotations

import functools
import typing
from typing import Any

import msgspec


def _serializer_classes(annotation: Any) -> list[type]:
    """The Serializer classes an annotation holds directly (through Optional, Annotated and
    containers)."""
    from .base import Serializer

    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, Serializer):
        return [annotation]
    return [cls for arg in typing.get_args(annotation) for cls in _serializer_classes(arg)]


@functools.cache
def needs_before(annotation: Any, _seen: frozenset = frozenset()) -> bool:
    """Whether decoding `annotation` must run `before` validators somewhere."""
    for cls in _serializer_classes(annotation):
        if cls in _seen:
            continue
        if cls.__bolt_before_validators__:
            return True
        hints = typing.get_type_hints(cls, include_extras=True)
        if any(needs_before(hints[name], _seen | {cls}) for name in cls.__struct_fields__):
            return True
    return False


def apply_before(annotation: Any, raw: Any) -> Any:
    """`raw` with every `before` validator of the Serializers in `annotation` applied; failures
    become one SerializerValidationError with every failing field (locs in wire names)."""
    from .base import Serializer, SerializerValidationError

    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, Serializer):
        return _apply_to_serializer(annotation, raw)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset) and isinstance(raw, list) and args:
        errors: list[dict[str, Any]] = []
        out = []
        for index, item in enumerate(raw):
            try:
                out.append(apply_before(args[0], item))
            except SerializerValidationError as exc:
                errors.extend({**e, "loc": [index, *e["loc"]]} for e in exc.errors)
        if errors:
            raise SerializerValidationError(errors)
        return out
    if origin is dict and isinstance(raw, dict) and len(args) == 2:
        return {key: apply_before(args[1], value) for key, value in raw.items()}
    if args and raw is not None:
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:  # Optional[X]
            return apply_before(options[0], raw)
    return raw


def _apply_to_serializer(cls: type, raw: Any) -> Any:
    from .base import VALIDATION_ERRORS, SerializerValidationError

    if not isinstance(raw, dict):
        return raw
    hints = typing.get_type_hints(cls, include_extras=True)
    data = dict(raw)
    errors: list[dict[str, Any]] = []
    for name in cls.__struct_fields__:
        wire = cls.__bolt_encode_names__[name]
        if wire not in data:
            continue
        value = data[wire]
        try:
            for validator in cls.__bolt_before_validators__.get(name, ()):
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
    """A body of `annotation` through its `before` validators, then msgspec's checks."""
    return msgspec.convert(apply_before(annotation, msgspec.json.decode(raw_json)), annotation)
