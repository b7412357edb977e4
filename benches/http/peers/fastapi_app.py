"""The benchmark endpoints on FastAPI (served by uvicorn with uvloop and httptools). No Django
ORM here, so no `/users`."""

from __future__ import annotations

import benchdata
from fastapi import FastAPI
from pydantic import BaseModel, TypeAdapter

app = FastAPI()


class Line(BaseModel):
    sku: str
    qty: int
    price: float
    note: str


class Order(BaseModel):
    id: int
    customer: str
    lines: list[Line]


class Item(BaseModel):
    id: int
    name: str
    price: float
    active: bool
    tags: list[str]


ITEMS = TypeAdapter(list[Item]).validate_python(benchdata.items())


@app.get("/json")
async def hello():
    return {"message": "Hello, World!"}


@app.get("/items/{item_id}")
async def item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


@app.post("/echo", response_model=Order)
async def echo(order: Order) -> Order:
    return order


@app.get("/big", response_model=list[Item])
async def big() -> list[Item]:
    return ITEMS
