"""Response encoding, in one process and one run: the Rust encoder (as the server uses it,
through `App.encode_response`) against `msgspec.json.encode` on the same values.

Run by `make bench` against a release build of the extension."""

from __future__ import annotations

import datetime as dt
import os
import sys
import timeit
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "demo"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")


class Item(msgspec.Struct):
    id: int
    name: str
    price: float
    tags: list[str]
    active: bool
    created: dt.date


def best_of(fn, number: int = 200, repeat: int = 7) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main() -> None:
    import django

    django.setup()
    from django_bolt import BoltAPI
    from django_bolt.testing import TestClient

    api = BoltAPI()

    @api.get("/items")
    def items() -> list[Item]:
        raise NotImplementedError

    @api.get("/dicts")
    def dicts() -> list[dict]:
        raise NotImplementedError

    client = TestClient(api)
    routes = {r["path"]: r["id"] for r in client.manifest["routes"]}
    structs = [Item(i, f"item {i}", i * 1.25, ["a", "b"], i % 2 == 0, dt.date(2024, 1, 1 + i % 28))
               for i in range(1000)]
    dicts_ = [msgspec.to_builtins(s) for s in structs]
    cases = [("1000 Structs", routes["/items"], structs), ("1000 dicts", routes["/dicts"], dicts_)]
    for label, route, value in cases:
        assert client.app.encode_response(route, value) == msgspec.json.encode(value)
        ours = best_of(lambda route=route, value=value: client.app.encode_response(route, value))
        theirs = best_of(lambda value=value: msgspec.json.encode(value))
        print(f"encode {label}: bolt {ours * 1e6:7.1f} us, msgspec {theirs * 1e6:7.1f} us, "
              f"bolt/msgspec = {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
