"""The demo API. Each endpoint shows one capability (see the README's table).

Try:
#   curl 'http://127.0.0.1:8000/health'
#   curl 'http://127.0.0.1:8000/api/books'
#   curl 'http://127.0.0.1:8000/api/books/1'
#   curl -X POST 'http://127.0.0.1:8000/api/books' -H 'Content-Type: application/json' \
#        -d '{"title":"New","author_id":1,"price":"5.00"}'
#   curl 'http://127.0.0.1:8000/api/items/42?q=hello'
#   curl 'http://127.0.0.1:8000/api/items/abc'          (422, handler not called)
#   curl 'http://127.0.0.1:8000/api/search?tag=a&tag=b&limit=5'
#   curl 'http://127.0.0.1:8000/api/types/0b5d1c1e-9c3a-4d5e-8f00-1234567890ab/2024-01-05?at=2024-01-05T10:00:00Z&amount=1.50'
#   curl 'http://127.0.0.1:8000/api/files/docs/readme.txt'
#   curl -H 'x-token: secret' -b 'session=abc' 'http://127.0.0.1:8000/api/whoami'
#   curl 'http://127.0.0.1:8000/api/v1/ping'
#   curl -i 'http://127.0.0.1:8000/api/books/' (308 to /api/books)
#   curl -i -X PATCH 'http://127.0.0.1:8000/api/books'   (405 with Allow)
"""

from __future__ import annotations

import asyncio
import datetime
import time
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec
from django_bolt import (
    HTML,
    JSON,
    BoltAPI,
    Cookie,
    Header,
    HTTPException,
    NotFound,
    PlainText,
    Query,
    Redirect,
    Request,
    Router,
)

from .models import Author, Book

api = BoltAPI(prefix="/api")


class BookOut(msgspec.Struct):
    id: int
    title: str
    author: str
    published: datetime.date | None
    price: Decimal
    in_stock: bool


class BookIn(msgspec.Struct):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    author_id: int
    price: Decimal = Decimal("0")
    published: datetime.date | None = None


def _book_out(book: Book) -> BookOut:
    return BookOut(id=book.id, title=book.title, author=book.author.name, published=book.published,
                   price=book.price, in_stock=book.in_stock)


@api.get("/books")
async def list_books(limit: Annotated[int, Query(ge=1, le=100)] = 20,
                     author_id: int | None = None) -> list[BookOut]:
    """Async ORM query; validated query params (limit 1..100, optional author filter)."""
    qs = Book.objects.select_related("author").order_by("id")
    if author_id is not None:
        qs = qs.filter(author_id=author_id)
    return [_book_out(book) async for book in qs[:limit]]


@api.get("/books/{book_id}")
async def get_book(book_id: int) -> BookOut:
    """Async ORM get; a missing row is a 404 via NotFound."""
    try:
        book = await Book.objects.select_related("author").aget(id=book_id)
    except Book.DoesNotExist:
        raise NotFound(detail=f"Book {book_id} not found") from None
    return _book_out(book)


@api.post("/books", status_code=201)
def create_book(payload: BookIn) -> BookOut:
    """Sync ORM write; JSON body decoded into a Struct; 201."""
    author = Author.objects.filter(id=payload.author_id).first()
    if author is None:
        raise HTTPException(400, f"Unknown author {payload.author_id}")
    book = Book.objects.create(title=payload.title, author=author, price=payload.price,
                               published=payload.published)
    return _book_out(book)


@api.delete("/books/{book_id}", status_code=204)
def delete_book(book_id: int) -> None:
    deleted, _ = Book.objects.filter(id=book_id).delete()
    if not deleted:
        raise NotFound(detail=f"Book {book_id} not found")


@api.get("/items/{item_id}")
def get_item(item_id: int, q: str | None = None) -> dict:
    """int path param: /api/items/abc is a 422 answered in Rust."""
    return {"item_id": item_id, "q": q}


@api.get("/search")
def search(tag: list[str] = Query([]), limit: Annotated[int, Query(gt=0, le=50)] = 10,
           exact: bool = False) -> dict:
    """Repeated query keys into list[str]; constraints; lax bool."""
    return {"tags": tag, "limit": limit, "exact": exact}


@api.get("/types/{uid}/{day}")
def types(uid: uuid.UUID, day: datetime.date, at: datetime.datetime | None = None,
          amount: Decimal = Decimal("0"), ratio: float = 1.0, when: datetime.time | None = None) -> dict:
    """Every supported scalar parameter type, echoed back."""
    return {"uid": uid, "day": day, "at": at, "amount": amount, "ratio": ratio, "when": when,
            "types": [type(v).__name__ for v in (uid, day, at, amount, ratio, when)]}


@api.get("/files/{file_path:path}")
def file_path(file_path: str) -> dict:
    """{name:path} captures the rest of the path, slashes included."""
    return {"path": file_path}


@api.get("/whoami")
def whoami(token: Annotated[str, Header(alias="x-token")], session: str | None = Cookie(None),
           request: Request = None) -> dict:
    """Header (required) and cookie (optional) params; the Request object."""
    return {"token": token, "session": session, "method": request.method, "path": request.path}


@api.get("/text")
def text() -> str:
    return "plain text"


@api.get("/html")
def html() -> HTML:
    return HTML("<h1>django-bolt</h1>")


@api.get("/bytes")
def raw_bytes() -> bytes:
    return b"\x00\x01binary"


@api.get("/json")
def custom_json() -> JSON:
    return JSON({"created": True}, status_code=202, headers={"X-Demo": "1"})


@api.get("/plain")
def plain() -> PlainText:
    return PlainText("hello", headers={"Cache-Control": "no-store"})


@api.get("/go")
def go() -> Redirect:
    return Redirect("/api/books")


@api.get("/teapot")
def teapot() -> dict:
    raise HTTPException(418, "I'm a teapot", headers={"X-Tea": "earl-grey"})


@api.get("/boom")
def boom() -> dict:
    raise ValueError("demo failure")


@api.get("/sleep")
async def sleep(ms: Annotated[int, Query(ge=0, le=5000)] = 100) -> dict:
    """Really suspends: continues on the asyncio loop; many run concurrently."""
    await asyncio.sleep(ms / 1000)
    return {"slept_ms": ms}


@api.get("/slow")
def slow(ms: Annotated[int, Query(ge=0, le=10000)] = 500) -> dict:
    """Blocking sync handler: runs off the connection thread, other requests keep flowing."""
    time.sleep(ms / 1000)
    return {"slept_ms": ms}


v1 = Router(prefix="/v1")


@v1.get("/ping")
def ping() -> dict:
    return {"pong": True}


api.include_router(v1)
