"""Response encoding and body decoding, in one process and one run: the compiled table (a
release build of this API's generated crate) and the interpreted table, as the server uses them
(`App.encode_response`, `App.check_body`), against msgspec on the same values.

Run by `make bench` against a release build of the extension."""

from __future__ import annotations

import datetime as dt
import decimal
import os
import sys
import timeit
from pathlib import Path

import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "demo"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")

from django_bolt.serializers import Serializer, field  # noqa: E402


class Item(msgspec.Struct):
    id: int
    name: str
    price: float
    tags: list[str]
    active: bool
    created: dt.date


class Line(msgspec.Struct):
    sku: str
    quantity: int
    price: float
    tags: list[str]
    note: str | None = None


class Order(msgspec.Struct):
    id: int
    customer: str
    lines: list[Line]


class AuthorOut(Serializer):
    id: int
    name: str


class BookOut(Serializer):
    id: int
    title: str
    price: decimal.Decimal
    published: dt.date | None
    in_stock: bool
    author_name: str = field(source="author.name")
    author: AuthorOut | None = None


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

    from library.models import Author, Book

    @api.get("/books")
    def books() -> list[BookOut]:
        raise NotImplementedError

    @api.post("/orders")
    def orders(order: Order) -> dict:
        raise NotImplementedError

    interpreted = TestClient(api)
    client = TestClient(api, compiled="release")
    routes = {r["path"]: r["id"] for r in client.manifest["routes"]}
    order = Order(id=1, customer="someone", lines=[
        Line(sku=f"SKU-{i:05}", quantity=i % 7 + 1, price=i * 0.75, tags=["x", "y"], note=None if i % 2 else "gift")
        for i in range(135)])
    body = msgspec.json.encode(order)
    route = routes["/orders"]
    decoded, fast = client.app.decode_body(route, body)
    assert fast and decoded == msgspec.json.decode(body, type=Order)
    ours = best_of(lambda: client.app.decode_body(route, body))
    scan = best_of(lambda: client.app.fast_scan(route, body))
    generic = best_of(lambda: interpreted.app.decode_body(route, body))
    theirs = best_of(lambda: msgspec.json.decode(body, type=Order))
    print(f"decode a {len(body) / 1024:.1f} KB body (scan without the GIL + build): "
          f"compiled {ours * 1e6:6.1f} us (scan {scan * 1e6:.1f} us), interpreted {generic * 1e6:6.1f} us, "
          f"msgspec {theirs * 1e6:6.1f} us, compiled/msgspec = {ours / theirs:.2f}x")
    authors = [Author(id=i, name=f"author {i}") for i in range(10)]
    rows = [Book(id=i, title=f"book {i}", author=authors[i % 10], price=decimal.Decimal(f"{i}.99"),
                 published=dt.date(2000, 1, 1 + i % 28), in_stock=i % 3 == 0) for i in range(1000)]
    expected = msgspec.json.encode([BookOut.from_model(b) for b in rows])
    assert client.app.encode_response(routes["/books"], rows) == expected
    ours = best_of(lambda: client.app.encode_response(routes["/books"], rows), number=50)
    theirs = best_of(lambda: msgspec.json.encode([BookOut.from_model(b) for b in rows]), number=20)
    print(f"encode 1000 model instances (Serializer): bolt {ours * 1e6:7.1f} us, from_model + msgspec "
          f"{theirs * 1e6:7.1f} us, speed-up {theirs / ours:.1f}x")
    structs = [Item(i, f"item {i}", i * 1.25, ["a", "b"], i % 2 == 0, dt.date(2024, 1, 1 + i % 28))
               for i in range(1000)]
    dicts_ = [msgspec.to_builtins(s) for s in structs]
    cases = [("1000 Structs", routes["/items"], structs), ("1000 dicts", routes["/dicts"], dicts_)]
    for label, route, value in cases:
        assert client.app.encode_response(route, value) == msgspec.json.encode(value)
        assert interpreted.app.encode_response(route, value) == msgspec.json.encode(value)
        ours = best_of(lambda route=route, value=value: client.app.encode_response(route, value))
        generic = best_of(lambda route=route, value=value: interpreted.app.encode_response(route, value))
        theirs = best_of(lambda value=value: msgspec.json.encode(value))
        print(f"encode {label}: compiled {ours * 1e6:7.1f} us, interpreted {generic * 1e6:7.1f} us, "
              f"msgspec {theirs * 1e6:7.1f} us, compiled/msgspec = {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
