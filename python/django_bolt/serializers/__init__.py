"""Serializers: msgspec Structs with validators, computed fields and Django model integration."""

from msgspec import Meta

from .base import Serializer, SerializerValidationError
from .decorators import computed_field, field_validator, model_validator
from .fields import FieldConfig, field
from .helpers import create_serializer, create_serializer_set
from .nested import DEFAULT_MAX_NESTED_ITEMS, Nested, NestedConfig
from .types import *  # noqa: F403 (the constrained type aliases)
from .types import __all__ as _TYPES
from .views import SerializerView

__all__ = [
    "Serializer", "SerializerValidationError", "field", "FieldConfig", "Meta", "field_validator",
    "model_validator", "computed_field", "create_serializer", "SerializerView", "Nested", "NestedConfig",
    "DEFAULT_MAX_NESTED_ITEMS", "create_serializer_set", *_TYPES,
]
