"""The five benchmark endpoints, written once against django-bolt's public API: this same file
is served by this project and by django-bolt 0.13 from PyPI."""

from __future__ import annotations

import benchdata
import msgspec
from django_bolt import BoltAPI
from django_bolt.serializers import Serializer

from people.models import Member

api = BoltAPI()


class MemberOut(Serializer):
    id: int
    username: str
    email: str
    age: int


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


@api.get("/json")
async def hello():
    return {"message": "Hello, World!"}


@api.get("/items/{item_id}")
async def item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


@api.post("/echo")
async def echo(order: Order) -> Order:
    return order


@api.get("/users")
async def users() -> list[MemberOut]:
    return Member.objects.order_by("id")[: benchdata.MEMBER_COUNT]


@api.get("/big")
async def big() -> list[Item]:
    return ITEMS
