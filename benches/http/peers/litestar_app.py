"""The benchmark endpoints on Litestar with msgspec Structs (served by granian). No Django
ORM here, so no `/users`."""

from __future__ import annotations

import benchdata
import msgspec
from litestar import Litestar, get, post


class Line(msgspec.Struct):
    sku: str
    qty: int
    price: float
    note: str


class Order(msgspec.Struct):
    id: int
    customer: str
    lines: list[Line]


class Item(msgspec.Struct):
    id: int
    name: str
    price: float
    active: bool
    tags: list[str]


ITEMS = msgspec.convert(benchdata.items(), list[Item])


@get("/json")
async def hello() -> dict[str, str]:
    return {"message": "Hello, World!"}


@get("/items/{item_id:int}")
async def item(item_id: int, q: str | None = None) -> dict[str, object]:
    return {"item_id": item_id, "q": q}


@post("/echo", status_code=200)
async def echo(data: Order) -> Order:
    return data


@get("/big")
async def big() -> list[Item]:
    return ITEMS


app = Litestar([hello, item, echo, big], debug=False)
