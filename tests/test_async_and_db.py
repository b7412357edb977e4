"""Async handlers (eager stepping and real suspension) and Django ORM access from TestClient
inside the test's transaction."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django_bolt import BoltAPI, NotFound
from library.models import Author, Book

api = BoltAPI()


@api.get("/eager")
async def eager() -> dict:
    return {"thread": threading.current_thread().name}


@api.get("/suspends")
async def suspends(ms: int = 10) -> dict:
    await asyncio.sleep(ms / 1000)
    return {"slept": ms}


@api.get("/async-error")
async def async_error() -> dict:
    await asyncio.sleep(0)
    raise NotFound(detail="async missing")


@api.get("/authors")
def authors_sync() -> list:
    return [a.name for a in Author.objects.order_by("name")]


@api.get("/authors-async")
async def authors_async() -> list:
    return [a.name async for a in Author.objects.order_by("name")]


@api.get("/books/{book_id}")
async def get_book(book_id: int) -> dict:
    book = await Book.objects.select_related("author").aget(id=book_id)
    return {"title": book.title, "author": book.author.name}


@api.post("/authors")
def create_author(name: str) -> dict:
    author = Author.objects.create(name=name)
    return {"id": author.id}


def test_async_handler_without_suspension(client_for):
    assert client_for(api).get("/eager").status_code == 200


def test_async_handler_that_suspends(client_for):
    assert client_for(api).get("/suspends?ms=5").json() == {"slept": 5}


def test_async_exception_becomes_response(client_for):
    r = client_for(api).get("/async-error")
    assert (r.status_code, r.json()) == (404, {"detail": "async missing"})


@pytest.mark.django_db
def test_handlers_see_rows_from_the_test_transaction(client_for):
    author = Author.objects.create(name="Inside Transaction")
    book = Book.objects.create(title="T", author=author)
    client = client_for(api)
    assert client.get("/authors").json() == ["Inside Transaction"]
    assert client.get("/authors-async").json() == ["Inside Transaction"]
    assert client.get(f"/books/{book.id}").json() == {"title": "T", "author": "Inside Transaction"}


@pytest.mark.django_db
def test_writes_from_handlers_are_visible_to_the_test(client_for):
    r = client_for(api).post("/authors?name=Written")
    assert Author.objects.get(id=r.json()["id"]).name == "Written"


def test_several_clients_with_different_apis_coexist(client_for):
    one, two = BoltAPI(), BoltAPI()

    @one.get("/who")
    def who_one() -> str:
        return "one"

    @two.get("/who")
    def who_two() -> str:
        return "two"

    c1, c2 = client_for(one), client_for(two)
    assert (c1.get("/who").text, c2.get("/who").text, c1.get("/who").text) == ("one", "two", "one")
    assert c2.get("/eager").status_code == 404
