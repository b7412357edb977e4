"""`django_bolt.serializers`: validators reported per field, computed/write-only/aliased fields,
Django model integration, and their behaviour through HTTP in both tables."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec
import pytest
from django_bolt import BoltAPI
from django_bolt.exceptions import RequestValidationError
from django_bolt.serializers import (
    Nested,
    Serializer,
    computed_field,
    create_serializer,
    field,
    field_validator,
    model_validator,
)
from library.models import Author, Book


class Signup(Serializer):
    username: str
    password: str = field(write_only=True, default="")
    age: int = 0
    display: str = field(alias="displayName", default="")

    @field_validator("username")
    def normalize(cls, value):
        if not value.strip():
            raise ValueError("username must not be blank")
        return value.strip().lower()

    @field_validator("age")
    def adult(cls, value):
        if value < 18:
            raise ValueError("must be 18 or older")

    @model_validator
    def password_not_username(self):
        if self.password and self.password == self.username:
            raise ValueError("password must differ from the username")

    @computed_field
    def greeting(self) -> str:
        return f"hello {self.username}"


class AuthorOut(Serializer):
    id: int
    name: str


class BookOut(Serializer):
    id: int
    title: str
    author_name: str = field(source="author.name")
    author: AuthorOut | None = None


class AuthorWithBooks(Serializer):
    id: int
    name: str
    books: list[BookOut] = []


def test_field_validators_transform_and_dump_hides_write_only():
    s = Signup(username="  Bob ", password="pw", age=20, display="B")
    assert s.username == "bob"
    assert s.dump() == {"username": "bob", "age": 20, "displayName": "B", "greeting": "hello bob"}
    assert msgspec.json.decode(s.dump_json()) == s.dump()


def test_model_validate_reports_every_field():
    with pytest.raises(RequestValidationError) as caught:
        Signup.model_validate({"username": " ", "age": 3})
    assert caught.value.errors == [
        {"loc": ["username"], "msg": "username must not be blank", "type": "value_error"},
        {"loc": ["age"], "msg": "must be 18 or older", "type": "value_error"},
    ]
    with pytest.raises(RequestValidationError) as caught:
        Signup.model_validate_json(b'{"username": 1, "age": "x", "displayName": 2}')
    assert [e["loc"] for e in caught.value.errors] == [["username"], ["age"], ["displayName"]]


def test_model_validator_runs_after_fields():
    with pytest.raises(RequestValidationError, match="password must differ"):
        Signup.model_validate({"username": "amy", "password": "amy", "age": 30})
    assert Signup.model_validate({"username": "Amy", "password": "x", "age": 30}).username == "amy"


def test_unknown_validator_field_is_a_class_error():
    with pytest.raises(TypeError, match="unknown field"):
        class Broken(Serializer):
            a: int

            @field_validator("b")
            def check(cls, value):
                return value


@pytest.mark.django_db
def test_from_model_follows_sources_relations_and_nesting():
    author = Author.objects.create(name="Le Guin", born=datetime.date(1929, 10, 21))
    book = Book.objects.create(title="Earthsea", author=author, price=Decimal("9.99"))
    out = BookOut.from_model(book)
    assert (out.author_name, out.author) == ("Le Guin", AuthorOut(id=author.id, name="Le Guin"))
    nested = AuthorWithBooks.from_model(author)
    assert [b.title for b in nested.books] == ["Earthsea"]
    assert msgspec.json.decode(msgspec.json.encode(nested))["books"][0]["author_name"] == "Le Guin"


@pytest.mark.django_db
def test_create_serializer_from_a_model():
    BookSerializer = create_serializer(Book, fields=["id", "title", "author", "price", "published"])
    assert BookSerializer.__struct_fields__ == ("title", "author_id", "id", "price", "published")
    author = Author.objects.create(name="A")
    book = Book.objects.create(title="T", author=author, price=Decimal("1.50"))
    data = BookSerializer.from_model(book)
    assert msgspec.json.decode(msgspec.json.encode(data)) == {
        "title": "T", "author_id": author.id, "price": "1.50", "id": book.id, "published": None}
    with pytest.raises(ValueError, match="no field"):
        create_serializer(Book, fields=["nope"])


api = BoltAPI()
received: list[Signup] = []


@api.post("/signup")
def signup(data: Signup) -> Signup:
    received.append(data)
    return data


def test_validator_errors_through_http(client_for):
    received.clear()
    client = client_for(api)
    r = client.post("/signup", json={"username": " ", "age": 3})
    assert r.status_code == 422
    assert r.json() == {"detail": [
        {"loc": ["body", "username"], "msg": "username must not be blank", "type": "value_error"},
        {"loc": ["body", "age"], "msg": "must be 18 or older", "type": "value_error"},
    ]}
    r = client.post("/signup", json={"username": 5, "age": "x"})
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "username"], ["body", "age"]]
    assert received == []
    r = client.post("/signup", json={"username": "Zed", "password": "p", "age": 40, "displayName": "Z"})
    assert r.status_code == 200
    assert r.content == msgspec.json.encode(received[0])
    assert received[0].username == "zed"


class BookCard(Serializer):
    id: int
    title: str
    price: Decimal
    published: datetime.date | None
    author_name: str = field(source="author.name")
    author: AuthorOut | None = None


class AuthorCard(Serializer):
    id: int
    name: str
    books: list[BookCard] = []


class ValidatedCard(Serializer):
    title: str

    @field_validator("title")
    def upper(cls, value):
        return value.upper()


model_api = BoltAPI()


@model_api.get("/books")
def books_queryset() -> list[BookCard]:
    return Book.objects.select_related("author").order_by("id")


@model_api.get("/books/list")
def books_list() -> list[BookCard]:
    return list(Book.objects.select_related("author").order_by("id"))


@model_api.get("/authors/{author_id}")
def author_card(author_id: int) -> AuthorCard:
    return Author.objects.prefetch_related("books").get(id=author_id)


@model_api.get("/validated")
def validated() -> list[ValidatedCard]:
    return list(Book.objects.order_by("id"))


@pytest.mark.django_db
def test_model_instances_encode_like_from_model_then_msgspec(client_for):
    le_guin = Author.objects.create(name="Le Guin")
    chiang = Author.objects.create(name="Chiang")
    Book.objects.create(title="Earthsea", author=le_guin, price=Decimal("9.99"), published=datetime.date(1968, 11, 1))
    Book.objects.create(title="Exhalation", author=chiang, price=Decimal("15.00"))
    client = client_for(model_api)
    books = Book.objects.select_related("author").order_by("id")
    expected = msgspec.json.encode([BookCard.from_model(b) for b in books])
    assert client.get("/books").content == expected
    assert client.get("/books/list").content == expected
    author = Author.objects.prefetch_related("books").get(id=le_guin.id)
    assert client.get(f"/authors/{le_guin.id}").content == msgspec.json.encode(AuthorCard.from_model(author))
    assert client.get("/validated").json() == [{"title": "EARTHSEA"}, {"title": "EXHALATION"}]


@pytest.mark.django_db
def test_model_rows_are_read_directly_without_building_serializers(client_for, monkeypatch):
    author = Author.objects.create(name="A")
    Book.objects.create(title="T", author=author, price=Decimal("1.00"))
    expected = msgspec.json.encode([BookCard.from_model(b) for b in Book.objects.select_related("author")])
    built: list[Any] = []
    original = BookCard.from_model.__func__

    def counting_from_model(cls, instance):
        built.append(instance)
        return original(cls, instance)

    monkeypatch.setattr(BookCard, "from_model", classmethod(counting_from_model))
    BookCard.from_model(Book.objects.first())
    assert len(built) == 1  # the probe works: from_model calls are seen
    built.clear()
    assert client_for(model_api).get("/books").content == expected
    assert built == []  # from_model was never called: the rows were read directly


class PlainCard(Serializer):
    """Every field a plain column (a foreign key by its id): a QuerySet of these is read with
    values_list, without building model instances."""
    id: int
    title: str
    price: Decimal
    published: datetime.date | None
    author_id: int


plain_api = BoltAPI()


@plain_api.get("/plain")
def plain_cards() -> list[PlainCard]:
    return Book.objects.order_by("id")


@plain_api.get("/plain/evaluated")
def plain_evaluated() -> list[PlainCard]:
    books = Book.objects.order_by("id")
    len(books)  # evaluated: its cached instances are what gets encoded
    return books


@plain_api.get("/plain/prefetched")
def plain_prefetched() -> list[PlainCard]:
    return Book.objects.prefetch_related("author").order_by("id")


@plain_api.get("/plain/cards")
def plain_with_relation() -> list[BookCard]:
    return Book.objects.select_related("author").order_by("id")


def _selected(queries: list[dict]) -> str:
    return " ".join(q["sql"] for q in queries if q["sql"].startswith("SELECT"))


@pytest.mark.django_db
def test_querysets_of_plain_serializers_read_only_the_declared_columns(client_for):
    from django.db import connection
    from django.db.models.signals import post_init
    from django.test.utils import CaptureQueriesContext

    author = Author.objects.create(name="A")
    Book.objects.create(title="One", author=author, price=Decimal("1.50"), published=datetime.date(2001, 2, 3))
    Book.objects.create(title="Two", author=author, price=Decimal("20.00"), in_stock=False)
    client = client_for(plain_api)
    expected = msgspec.json.encode([PlainCard.from_model(b) for b in Book.objects.order_by("id")])
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/plain").content == expected
    # Only the declared columns were read (no in_stock): value rows, no model instances.
    assert "in_stock" not in _selected(queries.captured_queries) and "title" in _selected(queries.captured_queries)
    # Where rows would differ from instances, the instances are read, with the same bytes.
    for path in ("/plain/evaluated", "/plain/prefetched"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).content == expected, path
        assert "in_stock" in _selected(queries.captured_queries), path
    cards = msgspec.json.encode([BookCard.from_model(b) for b in Book.objects.select_related("author").order_by("id")])
    assert client.get("/plain/cards").content == cards

    def receiver(sender, instance, **kwargs):
        instance.title = instance.title.upper()

    post_init.connect(receiver, sender=Book)
    try:
        changed = msgspec.json.encode([PlainCard.from_model(b) for b in Book.objects.order_by("id")])
        assert b'"ONE"' in changed
        assert client.get("/plain").content == changed  # a post_init receiver sees every instance
    finally:
        post_init.disconnect(receiver, sender=Book)


class Upper(Serializer):
    id: int
    title: str

    def __post_init__(self):
        self.title = self.title.upper()
        super().__post_init__()


SmallBook = create_serializer(Book, fields=["id", "title"])
BigBook = create_serializer(Book, fields=["title", "price", "in_stock"])
review_api = BoltAPI()


@review_api.get("/upper")
def upper_books() -> list[Upper]:
    return list(Book.objects.order_by("id"))


@review_api.get("/small")
def small_book() -> SmallBook:
    return Book.objects.order_by("id").first()


@review_api.get("/big")
def big_book() -> BigBook:
    return Book.objects.order_by("id").first()


@review_api.get("/maybe")
def maybe_card() -> BookCard | None:
    return Book.objects.select_related("author").order_by("id").first()


@pytest.mark.django_db
def test_serializer_review_cases(client_for):
    author = Author.objects.create(name="N")
    book = Book.objects.create(title="t", author=author, price=Decimal("2.50"))
    client = client_for(review_api)
    assert client.get("/upper").json() == [{"id": book.id, "title": "T"}]  # custom __post_init__ ran
    assert client.get("/small").json() == {"title": "t", "id": book.id}
    assert client.get("/big").json() == {"title": "t", "price": "2.50", "in_stock": True}
    assert client.get("/maybe").content == msgspec.json.encode(BookCard.from_model(book))


class Profile(Serializer):
    id: int
    name: str
    email: str = ""
    bio: str = field(alias="about", default="")

    @field_validator("name")
    def lower(cls, value):
        return value.lower()

    @computed_field
    def handle(self) -> str:
        return "@" + self.name

    class Config:
        field_sets = {"mini": ["id", "name"], "card": ["id", "handle", "bio"]}


def test_field_sets_subsets_and_views():
    Mini = Profile.fields("mini")
    assert Mini.__struct_fields__ == ("id", "name")
    assert Mini(id=1, name="AB").dump() == {"id": 1, "name": "ab"}  # field validators come along
    Card = Profile.subset("id", "handle", "bio", name="ProfileCard")
    assert Card.__name__ == "ProfileCard" and Card.__bolt_computed__ == ("handle",)
    assert msgspec.json.decode(b'{"id": 1, "about": "hi"}', type=Card).bio == "hi"  # alias kept
    p = Profile(id=1, name="Bob", email="e", bio="b")
    assert Profile.only("id", "handle").dump(p) == {"id": 1, "handle": "@bob"}
    assert Profile.exclude("email", "handle").dump(p) == {"id": 1, "name": "bob", "about": "b"}
    assert Profile.use("card").dump(p) == {"id": 1, "about": "b", "handle": "@bob"}
    assert Profile.only("id", "name").exclude("name").dump_many([p]) == [{"id": 1}]
    with pytest.raises(ValueError, match="no field set 'nope'"):
        Profile.fields("nope")
    with pytest.raises(ValueError, match="no field"):
        Profile.only("missing")


@pytest.mark.django_db
def test_views_dump_model_instances():
    author = Author.objects.create(name="A")
    book = Book.objects.create(title="T", author=author, price=Decimal("1.00"))
    assert BookOut.only("title", "author_name").dump(book) == {"title": "T", "author_name": "A"}


class TagIn(Serializer):
    name: str


class PostIn(Serializer):
    title: str
    tags: Annotated[list[TagIn], Nested(TagIn, many=True, max_items=2)] = []
    main: Annotated[TagIn | None, Nested(TagIn)] = None
    lots: Annotated[list[TagIn], Nested(TagIn, many=True)] = []


nested_api = BoltAPI()


@nested_api.post("/posts")
def create_post(payload: PostIn) -> dict:
    return {"tags": [t.name for t in payload.tags], "main": payload.main.name if payload.main else None}


def test_nested_max_items_caps_request_lists(client_for):
    client = client_for(nested_api)
    ok = client.post("/posts", json={"title": "t", "tags": [{"name": "a"}, {"name": "b"}], "main": {"name": "m"}})
    assert (ok.status_code, ok.json()) == (200, {"tags": ["a", "b"], "main": "m"})
    many = client.post("/posts", json={"title": 1, "tags": [{"name": "a"}] * 3, "lots": [{"name": "x"}] * 1001})
    assert many.status_code == 422
    assert many.json()["detail"] == [
        {"loc": ["body", "title"], "msg": "Expected `str`, got `int`", "type": "validation_error"},
        {"loc": ["body", "tags"], "msg": "Expected `array` of length <= 2", "type": "validation_error"},
        {"loc": ["body", "lots"], "msg": "Expected `array` of length <= 1000", "type": "validation_error"},
    ]
    with pytest.raises(RequestValidationError):
        PostIn.model_validate({"title": "t", "tags": [{"name": "a"}] * 3})
    # Output is not capped: from_model/constructing keeps every item.
    assert len(PostIn(title="t", tags=[TagIn(name="a")] * 3).tags) == 3


def test_nested_marker_checks_its_arguments():
    with pytest.raises(TypeError, match="Serializer subclass"):
        Nested(dict)
    with pytest.raises(ValueError, match="max_items"):
        Nested(TagIn, many=True, max_items=-1)


class Phone(Serializer):
    number: str

    @field_validator("number", mode="before")
    def digits_only(cls, value):
        if isinstance(value, int):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError("a phone number is text or digits")
        return "".join(ch for ch in value if ch.isdigit())


class Contact(Serializer):
    name: str
    tags: list[str]
    phones: list[Phone] = []

    @field_validator("tags", mode="before")
    def split_tags(cls, value):
        return value.split(",") if isinstance(value, str) else value

    @field_validator("name")
    def strip(cls, value):
        return value.strip()


before_api = BoltAPI()


@before_api.post("/contacts")
def create_contact(payload: Contact) -> Contact:
    return payload


def test_before_validators_see_raw_input(client_for):
    client = client_for(before_api)
    phones = [{"number": "+1 (555) 01"}, {"number": 42}]
    r = client.post("/contacts", json={"name": " Ann ", "tags": "a,b", "phones": phones})
    assert r.status_code == 200, r.content
    assert r.json() == {"name": "Ann", "tags": ["a", "b"], "phones": [{"number": "155501"}, {"number": "42"}]}
    bad = client.post("/contacts", json={"name": 1, "tags": "x", "phones": [{"number": None}, {"number": [1]}]})
    assert bad.status_code == 422
    assert bad.json()["detail"] == [
        {"loc": ["body", "phones", 0, "number"], "msg": "a phone number is text or digits", "type": "value_error"},
        {"loc": ["body", "phones", 1, "number"], "msg": "a phone number is text or digits", "type": "value_error"},
    ]
    # After the before validators, msgspec checks the types as usual.
    typed = client.post("/contacts", json={"name": 1, "tags": "x"})
    assert typed.status_code == 422 and typed.json()["detail"][0]["loc"] == ["body", "name"]
    assert Contact.model_validate({"name": "Bo", "tags": "x,y"}).tags == ["x", "y"]
    assert Contact.model_validate_json(b'{"name": "Bo", "tags": "z"}').tags == ["z"]
    with pytest.raises(RequestValidationError) as malformed:
        Contact.model_validate_json(b'{"name": ')
    assert malformed.value.errors[0]["type"] == "json_invalid"


def test_validator_modes_are_checked():
    with pytest.raises(ValueError, match="'before' or 'after'"):
        field_validator("x", mode="wrap")


class Wrapper(msgspec.Struct):
    """A plain Struct around Serializers with before validators, in a fixed tuple and optionally."""
    pair: tuple[int, Phone]
    maybe: Phone | None = None
    counts: dict[int, int] = {}


def test_before_validators_under_plain_structs_and_tuples():
    from django_bolt._bridge import decode_body

    got = decode_body(b'{"pair": [1, {"number": 5}], "maybe": {"number": "+4 2"}, "counts": {"1": 2}}', Wrapper)
    assert got == Wrapper(pair=(1, Phone(number="5")), maybe=Phone(number="42"), counts={1: 2})
    with pytest.raises(RequestValidationError) as bad:
        decode_body(b'{"pair": [1, {"number": null}]}', Wrapper)
    assert bad.value.errors == [
        {"loc": ["body", "pair", 1, "number"], "msg": "a phone number is text or digits", "type": "value_error"}]


class Capped(Serializer):
    tags: Annotated[list[TagIn], Nested(TagIn, many=True, max_items=1)] | None = None


def test_nested_caps_survive_optional():
    with pytest.raises(RequestValidationError):
        Capped.model_validate({"tags": [{"name": "a"}, {"name": "b"}]})
    assert Capped.model_validate({"tags": [{"name": "a"}]}).tags == [TagIn(name="a")]
