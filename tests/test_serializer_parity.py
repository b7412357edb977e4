"""django-bolt's Serializer surface: Config.read_only/write_only/rename, computed_field(alias=),
dump(exclude_none=, exclude_defaults=), field(exclude=, ...), to_model, update_instance,
from_parent, create_serializer_set and the constrained type aliases (checked by the Rust body
path in both tables)."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI
from django_bolt.serializers import (
    URL,
    Email,
    PositiveInt,
    Serializer,
    Slug,
    computed_field,
    create_serializer_set,
    field,
)
from library.models import Author


class Signup(Serializer):
    email: Email
    site: URL | None = None
    handle: Slug = "anon"
    age: PositiveInt = 18


class UserOut(Serializer):
    first_name: str
    last_name: str
    user_id: int = 0
    password: str = ""
    nickname: str | None = None
    secret: str = field(default="s", exclude=True, title="Secret", description="never shown", examples=["x"])

    class Config:
        rename = "camel"
        read_only = {"user_id"}
        write_only = {"password"}

    @computed_field(alias="displayName")
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class UserMini(Serializer):
    first_name: str


api = BoltAPI()


@api.post("/signup")
def signup(data: Signup) -> dict:
    return {"email": data.email, "handle": data.handle, "age": data.age}


@api.get("/user")
def user() -> UserOut:
    return UserOut(first_name="Ada", last_name="L", user_id=7, password="pw")


def test_constrained_aliases_are_checked_in_rust(client_for):
    client = client_for(api)
    assert client.post("/signup", json={"email": "a@b.io"}).json() == {"email": "a@b.io", "handle": "anon", "age": 18}
    for bad in ({"email": "nope"}, {"email": "a@b.io", "site": "ftp://x"}, {"email": "a@b.io", "handle": "a b"},
                {"email": "a@b.io", "age": 0}):
        r = client.post("/signup", json=bad)
        key = [k for k in bad if k != "email"] or ["email"]
        assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["body", key[0]]), bad
    # The fast path (one GIL-free scan) covers these types: route 0 is /signup.
    assert client.app.fast_scan(0, b'{"email":"a@b.io","age":3}')
    assert not client.app.fast_scan(0, b'{"email":"nope"}')


def test_config_rename_read_write_only_and_computed_alias(client_for):
    r = client_for(api).get("/user")
    body = r.json()
    assert (body["firstName"], body["userId"]) == ("Ada", 7)
    dumped = UserOut(first_name="Ada", last_name="L", password="pw").dump()
    assert dumped == {"firstName": "Ada", "lastName": "L", "userId": 0, "nickname": None, "displayName": "Ada L"}
    assert UserOut(first_name="A", last_name="B").dump(exclude_none=True, exclude_defaults=True) == {
        "firstName": "A", "lastName": "B", "displayName": "A B"}
    # read_only fields are not required as input
    assert UserOut.model_validate({"firstName": "x", "lastName": "y"}).user_id == 0


def test_from_parent():
    full = UserOut(first_name="Ada", last_name="L")
    assert UserMini.from_parent(full) == UserMini(first_name="Ada")


@pytest.mark.django_db
def test_to_model_update_instance_and_serializer_sets():
    create, update, public = create_serializer_set(Author)
    assert "id" not in create.__struct_fields__ and "id" in public.__struct_fields__
    made = create(name="Le Guin").to_model(Author)
    assert isinstance(made, Author) and made.name == "Le Guin" and made.pk is None
    made.save()
    changed = update(name="Ursula").update_instance(made)
    assert changed is made and made.name == "Ursula"
    assert update().name is None  # every update field is optional


SAMPLES = {"Email": "a@b.io", "URL": "http://x.y", "HttpsURL": "https://x.y",
           "UUID": "6f1c7b52-8a3b-4d3e-9d6a-2f7e0e2b3a10",
           "IPv4": "1.2.3.4", "IPv6": "::1", "IP": "::1", "Phone": "+1 555 1234567", "HexColor": "#fff",
           "CurrencyCode": "EUR", "CountryCode": "FR", "LanguageCode": "en-US", "Timezone": "Europe/Paris",
           "HttpStatus": 201, "Port": 8080, "Latitude": 45.5, "Longitude": 2.25, "Percentage": 50.0,
           "Rating": 3, "Rating10": 7}


def test_every_alias_is_taken_by_the_fast_body_path(client_for):
    import msgspec
    from django_bolt.serializers import types

    aliases = msgspec.defstruct("Aliases", [(name, getattr(types, name)) for name in types.__all__])
    every = BoltAPI()

    def take_all(data) -> dict:
        return {"n": len(msgspec.structs.asdict(data))}

    take_all.__annotations__ = {"data": aliases, "return": dict}  # a local class: no string annotation
    every.post("/all")(take_all)

    def sample(name: str):
        if name in SAMPLES:
            return SAMPLES[name]
        base = getattr(getattr(types, name), "__origin__", getattr(types, name))
        return "abcdefghij" if base is str else 1.5 if base is float else 5

    body = msgspec.json.encode({name: sample(name) for name in types.__all__})
    client = client_for(every)
    assert client.app.fast_scan(0, body)
    assert client.post("/all", content=body, headers={"content-type": "application/json"}).json() == {
        "n": len(types.__all__)}
