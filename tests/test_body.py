"""JSON request bodies decoded against the declared type."""

from __future__ import annotations

import msgspec
from django_bolt import BoltAPI

api = BoltAPI()
calls: list[object] = []


class Line(msgspec.Struct):
    sku: str
    price: float


class Order(msgspec.Struct):
    customer: str
    lines: list[Line]
    note: str | None = None


@api.post("/orders")
def create_order(order: Order) -> dict:
    calls.append(order)
    return {"customer": order.customer, "total": sum(line.price for line in order.lines),
            "type": type(order).__name__}


@api.put("/raw/{key}")
def put_raw(key: str, payload: dict, v: int = 0) -> dict:
    return {"key": key, "payload": payload, "v": v}


def test_struct_body(client_for):
    r = client_for(api).post("/orders", json={"customer": "c", "lines": [{"sku": "a", "price": 2.5}]})
    assert r.json() == {"customer": "c", "total": 2.5, "type": "Order"}


def test_body_type_error_has_location(client_for):
    calls.clear()
    body = {"customer": "c", "lines": [{"sku": "a", "price": 1}, {"sku": "b", "price": "x"}]}
    r = client_for(api).post("/orders", json=body)
    assert r.status_code == 422
    assert r.json() == {"detail": [{"loc": ["body", "lines", 1, "price"], "msg": "Expected `float`, got `str`",
                                    "type": "validation_error"}]}
    assert calls == []


def test_missing_field(client_for):
    r = client_for(api).post("/orders", json={"customer": "c"})
    assert r.json() == {"detail": [{"loc": ["body", "lines"], "msg": "Object missing required field `lines`",
                                    "type": "missing_field"}]}


def test_malformed_and_empty_json(client_for):
    client = client_for(api)
    r = client.post("/orders", content=b"{bad")
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"
    r = client.post("/orders", content=b"")
    assert r.json() == {"detail": [{"loc": ["body", 1, 0], "msg": "Invalid JSON at line 1, column 0: EOF while "
                                    "parsing a value", "type": "json_invalid"}]}
    r = client.post("/orders", content=b'{"customer":"\xff"}')
    assert r.status_code == 422


def test_dict_body_with_path_and_query(client_for):
    r = client_for(api).put("/raw/k?v=3", json={"a": [1, 2]})
    assert r.json() == {"key": "k", "payload": {"a": [1, 2]}, "v": 3}


def test_body_over_the_size_limit_is_413(client_for, settings):
    settings.BOLT_MAX_BODY_SIZE = 64
    r = client_for(api).post("/orders", content=b"x" * 65)
    assert (r.status_code, r.content) == (413, b'{"detail":"Request body too large"}')


opt_api = BoltAPI()


@opt_api.post("/maybe")
def maybe_order(order: Order | None = None) -> dict:
    return {"order": None if order is None else order.customer}


def test_optional_body_may_be_omitted(client_for):
    client = client_for(opt_api)
    assert client.post("/maybe").json() == {"order": None}
    assert client.post("/maybe", json={"customer": "c", "lines": []}).json() == {"order": "c"}


class Audited(msgspec.Struct):
    """Counts every time msgspec (in Python) builds one."""

    name: str
    age: int
    email: str
    tags: list[str] = []

    def __post_init__(self):
        BUILT.append(self.name)


BUILT: list[str] = []
audit_api = BoltAPI()


@audit_api.post("/people/{team}")
def create_person(team: int, person: Audited, dry_run: bool = False) -> dict:
    calls.append(person)
    return {"team": team, "name": person.name}


def test_all_invalid_fields_in_one_422_without_entering_python(client_for):
    BUILT.clear()
    calls.clear()
    r = client_for(audit_api).post("/people/7", json={"name": 1, "age": "x", "tags": ["a", 2]})
    assert r.status_code == 422
    assert r.json() == {"detail": [
        {"loc": ["body", "name"], "msg": "Expected `str`, got `int`", "type": "validation_error"},
        {"loc": ["body", "age"], "msg": "Expected `int`, got `str`", "type": "validation_error"},
        {"loc": ["body", "tags", 1], "msg": "Expected `str`, got `int`", "type": "validation_error"},
        {"loc": ["body", "email"], "msg": "Object missing required field `email`", "type": "missing_field"},
    ]}
    assert BUILT == [] and calls == []  # neither msgspec's decoding nor the handler ran


def test_param_and_body_errors_are_reported_together(client_for):
    r = client_for(audit_api).post("/people/x?dry_run=maybe", json={"name": "n", "age": 1.5, "email": "e"})
    assert [item["loc"] for item in r.json()["detail"]] == [["path", "team"], ["query", "dry_run"], ["body", "age"]]


def test_valid_body_is_decoded_once(client_for):
    BUILT.clear()
    r = client_for(audit_api).post("/people/7", json={"name": "n", "age": 1, "email": "e"})
    assert r.json() == {"team": 7, "name": "n"}
    assert BUILT == ["n"]
