"""What Serializer validators raise, below everything else in `serializers` (the `before`
decoder and the bridge use it without importing `base`)."""

from __future__ import annotations

from typing import Any

VALIDATION_ERRORS = (ValueError, TypeError, AssertionError)


class SerializerValidationError(Exception):
    """Validator failures, one `{"loc", "msg", "type"}` item per failing field.

    Deliberately not a ValueError: msgspec would fold it into one message, and every field's
    error must reach the 422 on its own."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors
