"""msgspec's validation messages as 422 items (`{"loc", "msg", "type"}`): used by the bridge
for request bodies and by Serializer.model_validate*. Imports nothing of django_bolt."""

from __future__ import annotations

import re
from typing import Any

_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")
_MISSING_FIELD = re.compile(r"^Object missing required field `([^`]*)`$")


def _loc_from_msgspec(path: str) -> list[Any]:
    """`$.items[3].price` → `["items", 3, "price"]`."""
    loc: list[Any] = []
    for name, index in _PATH_PART.findall(path[1:]):
        loc.append(name if name else int(index) if index else "...")
    return loc


def validation_issue(message: str) -> dict[str, Any]:
    msg, _, where = message.partition(" - at `")
    loc = ["body", *_loc_from_msgspec(where.rstrip("`"))] if where else ["body"]
    missing = _MISSING_FIELD.match(msg)
    if missing:
        return {"loc": [*loc, missing.group(1)], "msg": msg, "type": "missing_field"}
    return {"loc": loc, "msg": msg, "type": "validation_error"}
