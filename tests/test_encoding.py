"""Response bodies are byte-identical to `msgspec.json.encode` (after `msgspec.convert` to the
declared type), checked with generated values through both route tables."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import typing
import uuid
from typing import Annotated, Any, Literal, NamedTuple, TypedDict

import msgspec
import pytest
from budget import examples
from django_bolt import BoltAPI
from django_bolt.testing import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Ratio(enum.Enum):
    """Float values: msgspec encodes these but cannot convert to the type."""
    HALF = 0.5
    ONE = 1.0


class Huge(enum.IntEnum):
    """A member above 2**63: msgspec encodes it but cannot convert to the type."""
    BIG = 2**64
    SMALL = 3


class Labelled(str, enum.Enum):  # noqa: UP042 (a str mixin is the case under test)
    """A str-based member whose `_value_` differs from its text: msgspec writes the text."""

    def __new__(cls, value, label):
        member = str.__new__(cls, label)
        member._value_ = value
        return member

    FIRST = ("v1", "first")


class Numbered(int, enum.Enum):
    def __new__(cls, value, number):
        member = int.__new__(cls, number)
        member._value_ = value
        return member

    SEVEN = ("v7", 7)


class Point(msgspec.Struct):
    x: float
    y: float = 0.0


class Item(msgspec.Struct, omit_defaults=True, rename="camel"):
    item_name: str
    tags: list[str] = []
    price: float = 1.5
    note: str | None = None
    color: Color = Color.RED


class Cat(msgspec.Struct, tag=True):
    name: str
    lives: int = 9


class Dog(msgspec.Struct, tag="doggo"):
    name: str


class Pair(msgspec.Struct, array_like=True, tag=True):
    left: int
    right: str


class Maybe(msgspec.Struct):
    value: int | msgspec.UnsetType = msgspec.UNSET
    when: dt.datetime | None = None


class Record(msgspec.Struct, tag="rec", rename={"day": "the day"}):
    """One field per writer a generated encoder picks (int, float, str, bool, date, datetime,
    time, constrained, nested), so wrong-typed values reach each writer's fallback."""
    id: int
    score: float
    name: str
    ok: bool
    day: dt.date
    at: dt.datetime
    clock: dt.time
    small: Annotated[int, msgspec.Meta(ge=0)]
    labels: list[str]
    where: Point | None = None


@dataclasses.dataclass
class Box:
    width: int
    label: str = "box"


class Movie(TypedDict):
    title: str
    year: int


class Coord(NamedTuple):
    lat: float
    lon: float


CURRENT: list[Any] = [None]
DECLARED = {
    "any": Any,
    "item_list": list[Item],
    "struct": Item,
    "union_tagged": Cat | Dog,
    "pair": Pair,
    "maybe": Maybe,
    "box": Box,
    "movie": Movie,
    "coord": Coord,
    "dict_int": dict[str, int],
    "float": float,
    "optional_point": Point | None,
    "literal": Literal["a", 1],
    "tuple": tuple[int, str],
    "level": Level,
    "set": set[int],
    "record": Record,
    "records": list[Record],
    "datetimes": list[dt.datetime],
    "times": list[dt.time],
    "dict_color": dict[Color, int],
    "dict_level": dict[Level, list[int]],
    "dict_ratio": dict[Ratio, int],
    "huge": Huge,
    "dict_huge": dict[Huge, int],
}
# Types msgspec cannot convert to: their routes encode values as they are.
UNCONVERTIBLE = {"dict_ratio", "huge", "dict_huge"}

api = BoltAPI()
for _name, _declared in DECLARED.items():
    def _handler(_declared=_declared):
        return CURRENT[0]

    _handler.__name__ = f"h_{_name}"
    _handler.__qualname__ = f"h_{_name}"
    _handler.__annotations__ = {"return": _declared}
    api.get(f"/{_name}")(_handler)


def expected(value: Any, declared: Any) -> tuple[int, bytes | None]:
    generic = declared is Any or declared in [DECLARED[name] for name in UNCONVERTIBLE]
    try:
        converted = value if generic else msgspec.convert(value, declared, from_attributes=True)
        return 200, msgspec.json.encode(converted)
    except (msgspec.ValidationError, TypeError, ValueError, msgspec.EncodeError, UnicodeEncodeError,
            OverflowError):
        return 500, None


@pytest.fixture(scope="module", params=["interpreted", "compiled"])
def client(request):
    with TestClient(api, compiled=request.param == "compiled") as c:
        yield c


def check(client: TestClient, name: str, value: Any) -> None:
    CURRENT[0] = value
    response = client.get(f"/{name}")
    if type(value) in (str, bytes):  # top-level text and bytes are not JSON (text/plain, octet-stream)
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        assert response.content == raw or response.status_code == 500
        return
    status, body = expected(value, DECLARED[name])
    assert response.status_code == status, (value, response.content)
    if body is not None:
        assert response.content == body, value


fixed_offsets = st.integers(-86399, 86399).map(lambda s: dt.timezone(dt.timedelta(seconds=s)))
timezones = st.one_of(st.none(), st.just(dt.UTC), fixed_offsets)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(2**200), 2**200),
    st.floats(allow_nan=True, allow_infinity=True), st.text(), st.binary(max_size=20),
    st.datetimes(timezones=timezones), st.dates(), st.times(timezones=timezones), st.timedeltas(),
    st.uuids(), st.decimals(allow_nan=True, places=None), st.sampled_from(list(Color) + list(Level)),
)
keys = st.one_of(st.text(max_size=8), st.integers(), st.floats())
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.lists(children, max_size=3).map(tuple),
        st.dictionaries(keys, children, max_size=4),
        st.builds(Point, st.floats(), st.floats()),
        st.builds(Item, st.text(max_size=5), st.lists(st.text(max_size=3), max_size=2),
                  st.sampled_from([1.5, 2.0, float("nan")]), st.none() | st.text(max_size=3),
                  st.sampled_from(list(Color))),
        st.builds(Cat, st.text(max_size=5), st.integers(0, 9)),
        st.builds(Pair, st.integers(), st.text(max_size=4)),
        st.builds(Maybe, st.just(msgspec.UNSET) | st.integers(), st.none() | st.datetimes(timezones=timezones)),
        st.builds(Box, st.integers(), st.text(max_size=3)),
    ),
    max_leaves=12,
)

def typed_or_any(typed):
    return st.one_of(typed, typed, typed, scalars)


records = st.builds(
    Record, typed_or_any(st.integers()), typed_or_any(st.floats()), typed_or_any(st.text()),
    typed_or_any(st.booleans()), typed_or_any(st.dates()), typed_or_any(st.datetimes(timezones=timezones)),
    typed_or_any(st.times(timezones=timezones)), typed_or_any(st.integers(0)),
    typed_or_any(st.lists(st.text(max_size=3) | st.text(max_size=3) | scalars, max_size=3)),
    st.none() | st.builds(Point, st.floats()) | scalars,
)

SETTINGS = settings(max_examples=examples(1500), deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(value=values)
def test_any_value_matches_msgspec(client, value):
    check(client, "any", value)


@SETTINGS
@given(name=st.sampled_from(sorted(DECLARED)), value=values)
def test_declared_types_match_msgspec_convert_then_encode(client, name, value):
    check(client, name, value)


@SETTINGS
@given(name=st.sampled_from(["record", "records"]), value=records)
def test_generated_struct_encoders_match_msgspec(client, name, value):
    check(client, name, [value] if name == "records" else value)


def test_compiled_table_writes_structs_with_generated_encoders(client):
    generated = client.app.generated_encoders
    if client.runtime.compiled:
        # Every Struct, omit_defaults (Item) and array_like (Pair) ones included; dataclasses,
        # TypedDicts and NamedTuples stay with the generic walk.
        structs = ("Record", "Point", "Cat", "Dog", "Maybe", "Item", "Pair")
        assert {f"{__name__}:{n}" for n in structs} <= set(generated)
        assert f"{__name__}:Box" not in generated
    else:
        assert generated == []


@pytest.mark.parametrize(("name", "value"), [
    ("struct", Item("n", [], 1.5, None, Color.RED)),
    ("struct", Item("n", ["a"], 2.0, "x", Color.BLUE)),
    ("item_list", [Item("a"), {"itemName": "b", "price": 3}]),
    ("union_tagged", Dog("rex")),
    ("union_tagged", {"type": "Cat", "name": "tom"}),
    ("pair", Pair(1, "x")),
    ("maybe", Maybe()),
    ("maybe", Maybe(3, dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=dt.timezone(dt.timedelta(seconds=31))))),
    ("box", Box(3)),
    ("movie", {"year": 1999, "title": "m"}),
    ("movie", {"title": "m", "year": 1999, "extra": True}),
    ("movie", {"title": "m"}),
    ("coord", Coord(1.0, 2.5)),
    ("coord", [1, 2]),
    ("dict_int", {"a": 1, "b": True}),
    ("dict_int", {1: 2}),
    ("float", 3),
    ("optional_point", None),
    ("optional_point", {"x": 1}),
    ("literal", "a"),
    ("literal", True),
    ("tuple", (1, "a")),
    ("tuple", [1, "a", 3]),
    ("level", Level.HIGH),
    ("level", 2),
    ("set", {3, 1, 2}),
    ("any", {"s": "\ud800"}),
    ("any", {True: 1}),
    ("any", object()),
    ("any", [[[[[]]]]]),
])
def test_edge_cases(client, name, value):
    check(client, name, value)


class LocalDateTime(dt.datetime):
    """A subclass: not the exact type, so it leaves the direct layout reads."""


EVERY_OFFSET = [dt.timezone(dt.timedelta(seconds=s)) for s in range(-86399, 86400)]


@pytest.mark.parametrize("name", ["datetimes", "times", "any"])
def test_every_utc_offset_matches_msgspec(client, name):
    # msgspec rounds leftover seconds half down (30 s -> 0, 31 s -> 1 min) and never past 23:59.
    if name == "times":
        value = [dt.time(1, 2, 3, 4, tzinfo=tz) for tz in EVERY_OFFSET]
    else:
        value = [dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=tz) for tz in EVERY_OFFSET]
    check(client, name, value)


@pytest.mark.parametrize("micros", [1, 499_999, 500_000, 999_999])
def test_utc_offsets_with_microseconds_match_msgspec(client, micros):
    offsets = [dt.timezone(dt.timedelta(seconds=s, microseconds=sign * micros))
               for s in (-91, -61, -31, -30, -29, -1, 0, 29, 30, 31, 86398) for sign in (1, -1)]
    check(client, "any", [dt.datetime(2024, 1, 2, tzinfo=tz) for tz in offsets])
    check(client, "any", [LocalDateTime(2024, 1, 2, tzinfo=tz) for tz in offsets])
    check(client, "times", [dt.time(5, tzinfo=tz) for tz in offsets])


def test_response_validation_error_shape(client):
    # DEBUG=False: nothing of the response's classes or fields reaches the client (it is logged).
    CURRENT[0] = {"x": "not a float"}
    response = client.get("/optional_point")
    assert response.status_code == 500
    assert response.content == b'{"detail":"Response validation error"}'


@pytest.mark.parametrize("mode", ["interpreted", "compiled"])
def test_response_validation_errors_are_shown_with_debug(mode):
    CURRENT[0] = {"x": "not a float"}
    with TestClient(api, compiled=mode == "compiled", debug=True) as debug_client:
        response = debug_client.get("/optional_point")
    assert response.status_code == 500
    body = response.json()
    assert body["detail"] == "Response validation error"
    assert body["extra"]["validation_errors"][0]["loc"] == ["response"]
    assert "Expected `float`, got `str`" in body["extra"]["validation_errors"][0]["msg"]


def test_model_like_objects_convert_from_attributes(client):
    class Row:
        def __init__(self):
            self.item_name, self.tags, self.price, self.note, self.color = "r", [], 1.5, None, Color.RED

    check(client, "struct", Row())
    assert typing.get_type_hints  # keep the import used for annotations above


class FancyUUID(uuid.UUID):
    def __str__(self) -> str:
        return "custom"


@dataclasses.dataclass
class Partial:
    a: int
    b: int = dataclasses.field(init=False)
    c: int = dataclasses.field(init=False, default=7)


@pytest.mark.parametrize(("name", "value"), [
    ("any", [FancyUUID(int=5)]),
    ("any", [Partial(1)]),
])
def test_review_edge_cases(client, name, value):
    check(client, name, value)


@pytest.mark.parametrize(("name", "value"), [
    ("dict_color", {Color.RED: 1, Color.BLUE: 2}),
    ("dict_color", {"red": 1}),
    ("dict_color", {"green": 1}),
    ("dict_level", {Level.LOW: [1], Level.HIGH: []}),
    ("dict_level", {1: [2]}),
    ("any", {Color.BLUE: 1, Level.HIGH: 2, Ratio.HALF: 3, Huge.BIG: 4}),
    ("dict_ratio", {Ratio.HALF: 1, Ratio.ONE: 2}),
    ("huge", Huge.BIG),
    ("huge", Huge.SMALL),
    ("dict_huge", {Huge.BIG: 1, Huge.SMALL: 2}),
    ("any", {Labelled.FIRST: [Labelled.FIRST], Numbered.SEVEN: Numbered.SEVEN}),
])
def test_enum_keys_and_types_msgspec_cannot_convert_to(client, name, value):
    # msgspec writes an Enum key from its member's value; a type it cannot convert to (floats,
    # an int above 2**63) leaves the route to the generic encoder instead of failing the app.
    check(client, name, value)


class Early(msgspec.Struct):
    """Refers to a class defined after the routes that use it."""

    later: Later | None = None


forward_api = BoltAPI()


@forward_api.get("/early")
def get_early() -> Early:
    return Early(Later(3))


@forward_api.post("/early")
def post_early(early: Early) -> Early:
    return early


class Later(msgspec.Struct):
    x: int


def test_forward_references_resolve_when_the_app_is_built(client_for):
    client = client_for(forward_api)
    assert client.get("/early").content == b'{"later":{"x":3}}'
    response = client.post("/early", content=b'{"later":{"x":4}}', headers={"content-type": "application/json"})
    assert response.content == b'{"later":{"x":4}}'
