"""The data every benchmark app serves, as plain Python values (no framework imports), so the
apps and the response checks agree on it byte for byte. Floats are multiples of 1/4, which
every JSON encoder writes the same way."""

from __future__ import annotations

import json
from typing import Any

HELLO = {"message": "Hello, World!"}
ITEM_ID = 42
ITEM_QUERY = "abc"
MEMBER_COUNT = 10


def order() -> dict[str, Any]:
    """The `POST /echo` body: one order with 135 lines, about 9.7 KB of JSON."""
    lines = [
        {"sku": f"SKU-{i:05d}", "qty": i % 7 + 1, "price": (i % 40) * 1.25 + 0.5, "note": f"line {i} of the order"}
        for i in range(135)
    ]
    return {"id": 7, "customer": "Ada Lovelace", "lines": lines}


def items() -> list[dict[str, Any]]:
    """`GET /big`: 1000 typed objects."""
    return [
        {"id": i, "name": f"item {i}", "price": (i % 100) * 0.25, "active": i % 3 != 0,
         "tags": ["red", "blue"] if i % 2 else ["green"]}
        for i in range(1000)
    ]


def members() -> list[dict[str, Any]]:
    """Rows of the `people_member` table (seeded by `manage.py seed_bench`); `GET /users`
    returns the first ten by id."""
    return [
        {"id": i, "username": f"user{i:03d}", "email": f"user{i:03d}@example.com", "age": 20 + i % 50}
        for i in range(1, 101)
    ]


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def expected_bodies() -> dict[str, bytes]:
    """What each endpoint must answer, keyed by endpoint name."""
    return {
        "json": dumps(HELLO),
        "items": dumps({"item_id": ITEM_ID, "q": ITEM_QUERY}),
        "echo": dumps(order()),
        "users": dumps(members()[:MEMBER_COUNT]),
        "big": dumps(items()),
    }
