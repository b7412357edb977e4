"""Request bodies: accepted and rejected exactly as `msgspec.json.decode(body, type=T)` does, with
msgspec's wording for the errors (all of them, where msgspec stops at the first)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import typing
import uuid
from typing import Annotated, Any, Literal

import msgspec
import pytest
from budget import examples
from django_bolt import Body, BoltAPI
from django_bolt._bridge import decode_body
from django_bolt.exceptions import RequestValidationError
from django_bolt.serializers import Serializer, SerializerValidationError, field, field_validator, model_validator
from django_bolt.testing import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


class Address(msgspec.Struct):
    street: str
    zip_code: int


class Person(msgspec.Struct, rename="camel"):
    full_name: str
    age: int
    score: float = 0.0
    tags: list[str] = []
    address: Address | None = None
    kind: Literal["a", "b"] = "a"


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    id: uuid.UUID
    day: dt.date
    at: dt.datetime | None = None
    amount: decimal.Decimal = decimal.Decimal("0")
    blob: bytes = b""


DECLARED = {
    "person": Person,
    "people": list[Person],
    "strict": Strict,
    "mapping": dict[str, list[int]],
    "pair": tuple[int, str],
    "scalars": list[int | str | None],
    "floats": list[float],
    "anything": Any,
}
RECEIVED: list[Any] = []
api = BoltAPI()


def register(name: str, declared: Any) -> None:
    """`POST /<name>` taking a body of type `declared`, recording what it received."""
    DECLARED[name] = declared

    def handler(payload):
        RECEIVED.append(payload)
        return {"ok": True}

    handler.__name__ = handler.__qualname__ = f"post_{name}"
    handler.__annotations__ = {"payload": Annotated[declared, Body()], "return": dict}
    api.post(f"/{name}")(handler)


for _name, _declared in list(DECLARED.items()):
    register(_name, _declared)


@pytest.fixture(scope="module", params=["interpreted", "compiled"])
def client(request):
    with TestClient(api, compiled=request.param == "compiled") as c:
        yield c


def check(client: TestClient, name: str, body: bytes) -> None:
    RECEIVED.clear()
    response = client.post(f"/{name}", content=body, headers={"content-type": "application/json"})
    try:
        expected = msgspec.json.decode(body, type=DECLARED[name])
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError) as exc:
        assert response.status_code == 422, (name, body, response.content)
        assert RECEIVED == []
        detail = response.json()["detail"]
        if isinstance(exc, msgspec.ValidationError):
            message = str(exc).split(" - at `")[0]
            assert message in [item["msg"] for item in detail], (name, body, detail, str(exc))
        return
    assert response.status_code == 200, (name, body, response.content)
    assert RECEIVED == [expected]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6) | st.sampled_from(["a", "b", "2024-01-05", "2024-01-05T10:00:00Z", "1.5", "YWI=",
                                             "0b5d1c1e-9c3a-4d5e-8f00-1234567890ab", "fullName", "zipCode"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["fullName", "age", "score", "tags", "address", "kind", "street", "zipCode", "id", "day",
                         "at", "amount", "blob", "x"]), children, max_size=6),
    max_leaves=15,
)


def valid_person():
    return st.fixed_dictionaries(
        {"fullName": st.text(max_size=5), "age": st.integers(-5, 200)},
        optional={"score": st.floats(allow_nan=False, allow_infinity=False) | st.integers(0, 9),
                  "tags": st.lists(st.text(max_size=3), max_size=3),
                  "address": st.none() | st.fixed_dictionaries({"street": st.text(max_size=3),
                                                                "zipCode": st.integers(0, 99999)}),
                  "kind": st.sampled_from(["a", "b", "c"])})


def mutate(value: Any):
    """A value, or the value with one field replaced by something of another type."""
    return st.one_of(st.just(value), json_values.map(lambda junk: _replace(value, junk)))


def _replace(value: Any, junk: Any) -> Any:
    if isinstance(value, dict) and value:
        key = sorted(value)[len(json.dumps(junk)) % len(value)]
        return {**value, key: junk}
    return junk


SETTINGS = settings(max_examples=examples(600), deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(name=st.sampled_from(sorted(DECLARED)), value=json_values)
def test_random_json_matches_msgspec(client, name, value):
    check(client, name, json.dumps(value).encode())


@SETTINGS
@given(person=valid_person().flatmap(mutate))
def test_near_valid_people_match_msgspec(client, person):
    check(client, "person", json.dumps(person).encode())
    check(client, "people", json.dumps([person, person]).encode())


@pytest.mark.parametrize(("name", "body"), [
    ("person", b'{"fullName": "x", "age": 1.0}'),
    ("person", b'{"fullName": "x", "age": 1, "kind": "c"}'),
    ("strict", b'{"id": "nope", "day": "2024-02-30", "extra": 1}'),
    ("strict", b'{"id": "0b5d1c1e-9c3a-4d5e-8f00-1234567890ab", "day": "2024-02-29", "blob": "Zm9v+/=="}'),
    ("strict", b'{"id": "0b5d1c1e9c3a4d5e8f001234567890ab", "day": "2024-02-29", "at": "2024-01-01T00:00"}'),
    ("mapping", b'{"a": [1, "2"], "b": 3}'),
    ("pair", b'[1]'),
    ("pair", b'[1, 2]'),
    ("scalars", b'[1, "a", null, 1.5, true]'),
    ("floats", b'[1, 1e400]'),
    ("anything", b'{"a": [1, 2]}'),
    ("person", b'{"fullName": "x", "age": 99999999999999999999999999}'),
    ("person", b'{bad json'),
    ("person", b'\xff'),
])
def test_edge_cases(client, name, body):
    check(client, name, body)


class Flags(enum.IntFlag):
    A = 1
    B = 2


class Timed(msgspec.Struct):
    at: dt.time
    amount: decimal.Decimal = decimal.Decimal("0")


EXTRA = {"flags": Flags, "timed": Timed, "strmap": dict[str, str], "person_raw": Person}
for _name, _declared in EXTRA.items():
    register(_name, _declared)


@pytest.mark.parametrize(("name", "body"), [
    ("person_raw", b'{"fullName": "x", "age": 1, "note": "caf\\xe9"}'.replace(b"\\xe9", b"\xe9")),
    ("timed", b'{"at": "23:59:59.9999996", "amount": "1_0"}'),
    ("flags", b"3"),
    ("strmap", b'{"$serde_json::private::Number": "x"}'),
])
def test_bodies_msgspec_accepts_are_accepted(name, body):
    with TestClient(api) as c:
        check(c, name, body)
        assert RECEIVED, "msgspec accepts this body, so the handler must run"


T = typing.TypeVar("T")


@dataclasses.dataclass
class Page(typing.Generic[T]):
    items: list[T]


class Box(msgspec.Struct, typing.Generic[T]):
    item: T


generic_api = BoltAPI()


@generic_api.post("/ints")
def ints(page: Page[int]) -> Box[int]:
    return Box(item=sum(page.items))


@generic_api.post("/strs")
def strs(page: Page[str]) -> Box[str]:
    return Box(item="".join(page.items))


def test_generic_types_keep_their_arguments():
    with TestClient(generic_api) as c:
        assert c.post("/strs", json={"items": ["a", "b"]}).json() == {"item": "ab"}
        assert c.post("/ints", json={"items": [1, 2]}).json() == {"item": 3}
        assert c.post("/ints", json={"items": ["a"]}).status_code == 422


class Limits(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=2, max_length=5, pattern="^[a-z]+$")]
    count: Annotated[int, msgspec.Meta(gt=0, le=10)] = 1
    ratio: Annotated[float, msgspec.Meta(ge=0.5)] = 1.0
    tags: Annotated[list[str], msgspec.Meta(max_length=2)] = []
    scores: dict[str, Annotated[int, msgspec.Meta(ge=0)]] = {}


limits_api = BoltAPI()
LIMITED: list[Limits] = []


@limits_api.post("/limits")
def post_limits(payload: Limits) -> dict:
    LIMITED.append(payload)
    return {"ok": True}


def test_constraints_inside_body_types_are_all_reported():
    with TestClient(limits_api) as c:
        r = c.post("/limits", json={"name": "X", "count": 0, "ratio": 0.1, "tags": ["a", "b", "c"],
                                    "scores": {"a": -1}})
        assert r.status_code == 422
        assert r.json()["detail"] == [
            {"loc": ["body", "name"], "msg": "Expected `str` of length >= 2", "type": "validation_error"},
            {"loc": ["body", "count"], "msg": "Expected `int` >= 1", "type": "validation_error"},
            {"loc": ["body", "ratio"], "msg": "Expected `float` >= 0.5", "type": "validation_error"},
            {"loc": ["body", "tags"], "msg": "Expected `array` of length <= 2", "type": "validation_error"},
            {"loc": ["body", "scores", "a"], "msg": "Expected `int` >= 0", "type": "validation_error"},
        ]
        assert LIMITED == []
        assert c.post("/limits", json={"name": "ab"}).status_code == 200


@settings(max_examples=examples(400), deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.fixed_dictionaries({}, optional={
    "name": st.text(max_size=7) | st.integers(),
    "count": st.integers(-3, 12) | st.floats(allow_nan=False, allow_infinity=False),
    "ratio": st.floats(allow_nan=False, allow_infinity=False), "tags": st.lists(st.text(max_size=2), max_size=4),
    "scores": st.dictionaries(st.text(max_size=2), st.integers(-2, 2), max_size=3)}))
def test_constraint_bodies_match_msgspec(body):
    raw = json.dumps(body).encode()
    with TestClient(limits_api) as c:
        LIMITED.clear()
        r = c.post("/limits", content=raw)
        try:
            expected = msgspec.json.decode(raw, type=Limits)
        except msgspec.ValidationError as exc:
            assert r.status_code == 422, (body, r.content)
            assert str(exc).split(" - at `")[0] in [i["msg"] for i in r.json()["detail"]], (body, r.json(), str(exc))
            return
        assert r.status_code == 200, (body, r.content)
        assert LIMITED == [expected]


# ---------------------------------------------------------------------------------------------
# The fast path: covered body types are scanned once without the GIL and built in Rust. The
# objects must be exactly msgspec's (types included), and anything else must still go to the
# full validator and msgspec.

class Line(msgspec.Struct, rename={"unit_price": "unitPrice"}):
    sku: str
    quantity: int
    unit_price: float
    tags: list[str] = []
    note: str | None = None
    extra: dict[str, float] = {}


class Order(msgspec.Struct, forbid_unknown_fields=True):
    id: int
    lines: list[Line]
    codes: set[int] = set()
    labels: frozenset[str] = frozenset()
    path: tuple[int, ...] = ()
    parent: Order | None = None
    paid: bool = False


class Shape(msgspec.Struct, tag="circle"):
    radius: float


class Audited(msgspec.Struct):
    name: str

    def __post_init__(self):
        if not self.name:
            raise ValueError("name must not be empty")


class Hue(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Rank(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Event(msgspec.Struct):
    day: dt.date
    at: dt.datetime
    clock: dt.time
    ident: uuid.UUID
    amount: decimal.Decimal
    kind: Literal["a", "b", 3]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=5, pattern="^[a-z]+$")]
    count: Annotated[int, msgspec.Meta(ge=0, le=100)] = 0
    ratio: Annotated[float, msgspec.Meta(gt=0.0)] = 1.0
    tags: Annotated[list[str], msgspec.Meta(max_length=2)] = []
    when: dt.datetime | None = None
    hue: Hue = Hue.RED
    rank: Rank | None = None


class ItemIn(Serializer):
    sku: str
    qty: int = 1

    @field_validator("sku")
    def upper(cls, value):
        if not value:
            raise ValueError("sku must not be empty")
        return value.upper()


class CartIn(Serializer):
    owner: str = field(alias="ownerName")
    items: list[ItemIn] = []
    note: str | None = field(default=None, read_only=True)

    @model_validator
    def some_items(self):
        if self.owner == "nobody" and not self.items:
            raise ValueError("an empty cart needs an owner")


class Limited(msgspec.Struct):
    codes: Annotated[set[int], msgspec.Meta(min_length=2)] = set()
    names: Annotated[dict[str, int], msgspec.Meta(min_length=2)] = {}
    big: Annotated[int, msgspec.Meta(le=9007199254740995)] = 0
    word: Annotated[str, msgspec.Meta(pattern=r"^\w+$")] = "w"
    plain: Annotated[str, msgspec.Meta(pattern="^[a-z]+$")] = "p"
    amount: decimal.Decimal = decimal.Decimal(0)
    stamp: Annotated[dt.datetime, msgspec.Meta(tz=True)] | None = None
    capped: Annotated[set[int], msgspec.Meta(max_length=2)] = set()
    spaced: Annotated[str, msgspec.Meta(pattern="^a{1, 2}$")] = "a{1, 2}"
    possessive: Annotated[str, msgspec.Meta(pattern="^a*+a$")] = "b"
    angle: Annotated[str, msgspec.Meta(pattern=r"^\<$")] = "<"
    newline: Annotated[str, msgspec.Meta(pattern="^a$\n")] = "a\n"


SEEN_BUILDING: list[int] = []


def _probe() -> list:
    """A default factory that looks for half-built Probed instances the way a debugger might."""
    import gc

    SEEN_BUILDING.append(sum(1 for o in gc.get_objects() if type(o) is Probed))
    return []


class Probed(msgspec.Struct):
    a: int
    items: list[int] = msgspec.field(default_factory=_probe)


FAST = {"probed": Probed, "order": Order, "lines": list[Line], "floats_by_key": dict[str, float | None], "shape": Shape,
        "event": Event, "positive": Annotated[float, msgspec.Meta(gt=0)], "cart": CartIn}
SLOW = {"audited": Audited, "limited": Limited}  # Limited: limits the fast path must not judge
fast_api = BoltAPI()


def _fast_route(name: str, declared: Any) -> None:
    def handler(payload):
        RECEIVED.append(payload)
        return {"ok": True}

    handler.__name__ = handler.__qualname__ = f"fast_{name}"
    handler.__annotations__ = {"payload": Annotated[declared, Body()], "return": dict}
    fast_api.post(f"/fast/{name}")(handler)


for _name, _declared in {**FAST, **SLOW}.items():
    _fast_route(_name, _declared)


def exactly(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 == 1.0 and 0.0 == -0.0 are not enough)."""
    return a == b and repr(a) == repr(b) and msgspec.json.encode(a) == msgspec.json.encode(b)


def gc_tracking(value: Any) -> list[tuple[str, bool]]:
    """Whether the GC tracks each Struct in `value`, in traversal order: msgspec leaves a Struct
    untracked when no field holds an object the GC could see, and so must the fast path."""
    import gc

    found: list[tuple[str, bool]] = []

    def walk(v: Any) -> None:
        if isinstance(v, msgspec.Struct):
            found.append((type(v).__name__, gc.is_tracked(v)))
            for name in v.__struct_fields__:
                walk(getattr(v, name))
        elif isinstance(v, (list, tuple, set, frozenset)):
            for item in v:
                walk(item)
        elif isinstance(v, dict):
            for item in v.values():
                walk(item)

    walk(value)
    return found


@pytest.fixture(scope="module", params=["interpreted", "compiled"])
def fast_client(request):
    with TestClient(fast_api, compiled=request.param == "compiled") as c:
        yield c


def route_id(client: TestClient, name: str) -> int:
    return next(r["id"] for r in client.manifest["routes"] if r["path"] == f"/fast/{name}")


def check_fast(client: TestClient, name: str, body: bytes, must_be_fast: bool = False) -> None:
    declared = {**FAST, **SLOW}[name]
    RECEIVED.clear()
    response = client.post(f"/fast/{name}", content=body)
    try:
        expected = msgspec.json.decode(body, type=declared)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, SerializerValidationError):
        assert response.status_code == 422, (name, body, response.content)
        assert RECEIVED == []
        # 422 items from the Rust check, or msgspec's error where the check defers to it.
        with pytest.raises((ValueError, RequestValidationError)):
            client.app.decode_body(route_id(client, name), body)
        return
    assert response.status_code == 200, (name, body, response.content)
    assert len(RECEIVED) == 1 and exactly(RECEIVED[0], expected), (body, RECEIVED, expected)
    decoded, fast = client.app.decode_body(route_id(client, name), body)
    assert exactly(decoded, expected)
    assert gc_tracking(decoded) == gc_tracking(expected), body
    if must_be_fast:
        assert fast, body
    if name in SLOW:
        assert not fast


finite = st.floats(allow_nan=False, allow_infinity=False)
texts = st.text(max_size=6)
lines = st.builds(Line, texts, st.integers(-(2**63), 2**63 - 1), finite | st.integers(-5, 5).map(float),
                  st.lists(texts, max_size=3), st.none() | texts, st.dictionaries(texts, finite, max_size=2))
i64 = st.integers(-(2**63), 2**63 - 1)
orders = st.recursive(
    st.builds(Order, i64, st.lists(lines, max_size=3), st.sets(st.integers(-9, 9), max_size=3),
              st.frozensets(texts, max_size=2), st.lists(st.integers(0, 9), max_size=3).map(tuple)),
    lambda children: st.builds(Order, i64, st.just([]), parent=children),
    max_leaves=3,
)


def variants(value: Any):
    """msgspec's encoding of `value`, also indented and with keys in another order."""
    builtins = msgspec.to_builtins(value)
    return st.sampled_from([
        msgspec.json.encode(value),
        json.dumps(builtins, indent=1).encode(),
        json.dumps(builtins, sort_keys=True, ensure_ascii=True).encode(),
    ])


@SETTINGS
@given(body=orders.flatmap(variants))
def test_fast_path_builds_exactly_what_msgspec_decodes(fast_client, body):
    check_fast(fast_client, "order", body, must_be_fast=True)


@SETTINGS
@given(body=st.lists(lines, max_size=3).flatmap(variants))
def test_fast_path_lists(fast_client, body):
    check_fast(fast_client, "lines", body, must_be_fast=True)


@SETTINGS
@given(value=orders.flatmap(lambda o: st.just(msgspec.to_builtins(o))).flatmap(mutate))
def test_near_valid_bodies_of_fast_types_match_msgspec(fast_client, value):
    check_fast(fast_client, "order", json.dumps(value).encode())


@pytest.mark.parametrize(("name", "body", "fast"), [
    ("floats_by_key", b'{"a": 1, "b": null, "c": -0, "d": 1.5e3, "e": 0.1, "f": 123456789.123456789}', True),
    ("floats_by_key", b'{"a": 12345678901234567890, "b": 1E-400, "c": -0.0}', True),
    ("floats_by_key", b'{"\\u00e9": 1, "tab\\t": 2}', True),
    ("floats_by_key", b'{"a": 1e400}', False),
    ("floats_by_key", b'{"a": "1"}', False),
    ("shape", b'{"radius": 1}', True),
    ("shape", b'{"type": "circle", "radius": 2.5}', True),
    ("shape", b'{"type": "square", "radius": 2.5}', False),
    ("order", b'{"id": 1, "lines": [], "id": 2}', False),
    ("order", b'{"id": 1, "lines": [], "unknown": 1}', False),
    ("order", b'{"id": 1, "lines": [{"sku": "a", "quantity": 1, "unitPrice": 2, "junk": {"x": [1, "\\n"]}}]}', True),
    ("order", b'{"id": 1, "lines": [{"sku": "a\\ud83d\\ude00", "quantity": 1, "unitPrice": 2}]}', True),
    # Members out of declaration order, after a gap and around unknown members (the tape marks
    # only the members that are not the field after the previous one).
    ("order", b'{"id": 1, "lines": [{"sku": "a", "unitPrice": 2, "quantity": 1}]}', True),
    ("order", b'{"id": 1, "lines": [{"sku": "a", "quantity": 1, "unitPrice": 2, "note": "n", "tags": ["t"]}]}', True),
    ("order", b'{"lines": [{"note": null, "junk": 1, "unitPrice": 2, "quantity": 1, "sku": "a", "x": 2}], "id": 3}',
     True),
    ("order", b'{"id": 1, "lines": [{"extra": {"k": 1}, "sku": "a", "quantity": 1, "unitPrice": 2, "tags": []}]}',
     True),
    ("order", b'{"id": 1, "lines": [{"sku": "a\\ud83d", "quantity": 1, "unitPrice": 2}]}', False),
    ("order", b'{"id": 1, "lines": [{"sku": "\xc3\xa9", "quantity": 1, "unitPrice": 2}]}', True),
    ("order", b'{"id": 1, "lines": [], "codes": [1, 1, 2], "path": [3, 4], "labels": ["x"]}', True),
    ("order", b'{"id": -9223372036854775808, "lines": []}', True),
    ("order", b'{"id": 9223372036854775808, "lines": []}', False),
    ("order", b' {"id": 1, "lines": []} \n', True),
    ("order", b'{"id": 1, "lines": []} {}', False),
    ("order", b'{"id": 1.0, "lines": []}', False),
    ("audited", b'{"name": "x"}', False),
    ("audited", b'{"name": ""}', False),
])
def test_fast_path_edges(fast_client, name, body, fast):
    check_fast(fast_client, name, body)
    try:
        msgspec.json.decode(body, type={**FAST, **SLOW}[name])
    except (msgspec.ValidationError, msgspec.DecodeError):
        return
    assert fast_client.app.decode_body(route_id(fast_client, name), body)[1] == fast


def test_compiled_table_scans_covered_bodies_with_generated_decoders(fast_client):
    generated = set(fast_client.app.generated_decoders)
    if fast_client.runtime.compiled:
        # Audited has __post_init__, so msgspec decodes it (its generated scanner is unused).
        assert generated == {f"/fast/{name}" for name in FAST}
    else:
        assert generated == set()


aware = st.datetimes(timezones=st.none() | st.just(dt.UTC) | st.integers(-1439, 1439).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))))
events = st.builds(
    Event, st.dates(), aware, st.times(timezones=st.none() | st.just(dt.UTC)), st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False), st.sampled_from(["a", "b", 3]),
    st.from_regex(r"[a-z]{1,5}", fullmatch=True), st.integers(0, 100),
    st.floats(min_value=1e-9, allow_nan=False, allow_infinity=False), st.lists(texts, max_size=2),
    st.none() | aware, st.sampled_from(list(Hue)), st.none() | st.sampled_from(list(Rank)))


@SETTINGS
@given(body=events.flatmap(variants))
def test_fast_path_builds_dates_uuids_decimals_literals_and_checks_constraints(fast_client, body):
    check_fast(fast_client, "event", body, must_be_fast=True)


def _event_field_values():
    return st.fixed_dictionaries({}, optional={
        "day": st.dates().map(str) | texts | st.integers(), "at": aware.map(dt.datetime.isoformat) | texts,
        "clock": st.times().map(str) | texts, "ident": st.uuids().map(str) | st.uuids().map(lambda u: u.hex) | texts,
        "amount": st.decimals(allow_nan=False, allow_infinity=False).map(str) | finite | texts,
        "kind": st.sampled_from(["a", "b", "c", 3, 4]), "name": texts | st.integers(),
        "count": st.integers(-5, 105) | finite, "ratio": finite | st.integers(-2, 2),
        "tags": st.lists(texts, max_size=3), "when": st.none() | aware.map(dt.datetime.isoformat),
        "hue": st.sampled_from(["red", "blue", "green", 1, None]), "rank": st.sampled_from([1, 2, 3, "1", None, 1.0])})


@SETTINGS
@given(value=_event_field_values())
def test_near_valid_events_match_msgspec(fast_client, value):
    check_fast(fast_client, "event", json.dumps(value).encode())


@pytest.mark.parametrize("body", [
    b'{"lines": [], "id": 1, "x": "\\u+041"}',  # a sign is not a hex digit
    b'{"codes": [1, 1]}', b'{"names": {"a": 1, "a": 2}}',  # duplicates collapse below min_length
    b'{"codes": [1, 2], "names": {"a": 1, "b": 2}}',
    b'{"big": 9007199254740996}', b'{"big": 9007199254740995}',  # bounds past 2^53
    b'{"word": "e\xcc\x81"}', b'{"word": "a_b"}',  # Python's \w, not Rust's
    b'{"plain": "abc\n"}', b'{"plain": "abc\nd"}',  # Python's $ matches before a final newline
    b'{"amount": -0}', b'{"amount": -0.0}', b'{"amount": 1.50}',
    b'{"amount": "1e1000000000000000000"}', b'{"amount": 0e99999999999999999999}',  # Decimal overflow
    b'{"stamp": "2024-01-01T10:00:00"}', b'{"stamp": "2024-01-01T10:00:00Z"}',  # Meta(tz=True)
    b'{"capped": [1, 1, 1]}', b'{"capped": [1, 2, 3]}',  # max_length counts distinct items
    b'{"spaced": "a"}', b'{"possessive": "aa"}', b'{"angle": "a"}', b'{"newline": "a\\n"}',
])
def test_review_cases_match_msgspec(fast_client, body):
    check_fast(fast_client, "order" if b"lines" in body else "limited", body)


@pytest.mark.parametrize("amount", [b'"1e1000000000000000000"', b"0e99999999999999999999", b'"1e999999999999999999"'])
def test_decimal_exponents_past_decimals_range_are_msgspecs_422(fast_client, amount):
    body = (b'{"day": "2024-01-01", "at": "2024-01-01T00:00:00Z", "clock": "10:00:00", "ident": '
            b'"0b5d1c1e-9c3a-4d5e-8f00-1234567890ab", "kind": "a", "name": "ab", "amount": ' + amount + b"}")
    check_fast(fast_client, "event", body)


@pytest.mark.parametrize("body", [b"1.5", b"-1", b"0"])
def test_constraints_on_the_body_itself_are_kept(fast_client, body):
    check_fast(fast_client, "positive", body)


@pytest.mark.parametrize(("body", "fast"), [
    (b'{"ownerName": "ann", "items": [{"sku": "ab"}, {"sku": "cd", "qty": 2}]}', True),
    (b'{"ownerName": "ann", "items": [{"sku": ""}]}', True),  # a nested field validator fails
    (b'{"ownerName": "nobody"}', True),  # the model validator fails
    (b'{"ownerName": 1, "items": [{"sku": 2}]}', False),
])
def test_serializer_bodies_are_built_and_validated(fast_client, body, fast):
    check_fast(fast_client, "cart", body)
    try:
        expected = msgspec.json.decode(body, type=CartIn)
    except (msgspec.ValidationError, SerializerValidationError):
        if fast:  # scanned and built; the validators' 422 comes from the built objects
            assert fast_client.app.fast_scan(route_id(fast_client, "cart"), body)
            # ... and is the one msgspec's decoding gives.
            with pytest.raises(RequestValidationError) as slow:
                decode_body(body, CartIn)
            response = fast_client.post("/fast/cart", content=body)
            assert response.json()["detail"] == slow.value.errors
        return
    decoded, used_fast = fast_client.app.decode_body(route_id(fast_client, "cart"), body)
    assert used_fast == fast and exactly(decoded, expected)


def test_half_built_structs_are_invisible_to_the_gc(fast_client):
    SEEN_BUILDING.clear()
    decoded, fast = fast_client.app.decode_body(route_id(fast_client, "probed"), b'{"a": 1}')
    assert fast and decoded == Probed(a=1, items=[])
    assert SEEN_BUILDING == [0]


def test_fast_path_defaults_are_fresh_objects(fast_client):
    body = b'[{"sku":"a","quantity":1,"unitPrice":1}]'
    first, fast = fast_client.app.decode_body(route_id(fast_client, "lines"), body)
    second, _ = fast_client.app.decode_body(route_id(fast_client, "lines"), body)
    assert fast and first[0].tags == [] and first[0].tags is not second[0].tags
    first[0].tags.append("x")
    assert Line("a", 1, 1.0).tags == []
