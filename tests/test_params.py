"""Parameter extraction and coercion, answered in Rust: every failing field is reported in one
422 and the handler is never called."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec
import pytest
from django_bolt import BoltAPI, Cookie, Header, Path, Query, Request

api = BoltAPI()
calls: list[str] = []


@api.get("/items/{item_id}")
def get_item(item_id: int) -> dict:
    calls.append("get_item")
    return {"item_id": item_id}


@api.get("/typed/{i}/{f}/{b}/{u}/{d}/{dt}/{t}/{dec}")
def typed(i: int, f: float, b: bool, u: uuid.UUID, d: datetime.date, dt: datetime.datetime, t: datetime.time,
          dec: Decimal) -> dict:
    return {"values": [i, f, b, u, d, dt, t, dec],
            "types": [type(v).__name__ for v in (i, f, b, u, d, dt, t, dec)]}


@api.get("/query")
def query(q: str, n: int = 5, flag: bool = False, opt: float | None = None, tags: list[int] = Query([])) -> dict:
    calls.append("query")
    return {"q": q, "n": n, "flag": flag, "opt": opt, "tags": tags}


@api.get("/constrained")
def constrained(
    a: Annotated[int, Query(ge=1, le=10)] = 1,
    b: Annotated[int, Query(gt=0, lt=5)] = 1,
    c: Annotated[float, Query(gt=0.5)] = 1.0,
    s: Annotated[str, Query(min_length=2, max_length=4)] = "ok",
    p: Annotated[str, Query(pattern="^[a-z]+$")] = "abc",
    m: Annotated[int, msgspec.Meta(ge=100)] = 100,
) -> dict:
    calls.append("constrained")
    return {"a": a, "b": b, "c": c, "s": s, "p": p, "m": m}


@api.get("/aliases")
def aliases(
    search: str = Query("", alias="q"),
    x_token: str = Header(),
    user_agent: str | None = Header(None),
    session: str = Cookie("none"),
) -> dict:
    return {"search": search, "x_token": x_token, "user_agent": user_agent, "session": session}


@api.get("/bigint/{n}")
def bigint(n: int) -> dict:
    return {"n": n, "str": str(n)}


@api.get("/path-marker/{pk}")
def path_marker(pk: Annotated[int, Path(ge=1)]) -> dict:
    return {"pk": pk}


@api.get("/request/{x}")
def with_request(request: Request, x: int) -> dict:
    return {"method": request.method, "path": request.path, "query": request.query, "params": request.params,
            "cookies": request.cookies, "header": request.headers.get("x-h"), "body": request.body.decode(),
            "get": request.get("method"), "missing": request.get("nope", "dflt")}


@pytest.fixture(autouse=True)
def _reset_calls():
    calls.clear()


def test_bad_int_path_param_is_422_and_handler_not_called(client_for):
    r = client_for(api).get("/items/abc")
    assert r.status_code == 422
    assert r.json() == {"detail": [{"loc": ["path", "item_id"], "msg": "Expected `int`, got `str`",
                                    "type": "validation_error"}]}
    assert calls == []
    assert client_for(api).get("/items/5").json() == {"item_id": 5}
    assert calls == ["get_item"]


def test_all_scalar_path_types(client_for):
    r = client_for(api).get(
        "/typed/-3/2.5/TRUE/12345678123456781234567812345678/2024-02-29/2024-01-05T10:11:12.5+01:00/"
        "23:59:59Z/1.50")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["types"] == ["int", "float", "bool", "UUID", "date", "datetime", "time", "Decimal"]
    assert body["values"] == [-3, 2.5, True, "12345678-1234-5678-1234-567812345678", "2024-02-29",
                              "2024-01-05T10:11:12.500000+01:00", "23:59:59Z", "1.50"]


@pytest.mark.parametrize(
    ("segment", "msg"),
    [
        ("01", "Expected `int`, got `str`"),
        ("1.5", "Expected `int`, got `str`"),
        ("1e400", "Number out of range"),
    ],
)
def test_int_lax_rules_match_msgspec(client_for, segment, msg):
    r = client_for(api).get(f"/items/{segment}")
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"] == msg
    with pytest.raises(msgspec.ValidationError, match=msg):
        msgspec.convert(segment, int, strict=False)


def test_big_integers_survive(client_for):
    n = "123456789012345678901234567890"
    assert client_for(api).get(f"/bigint/{n}").json() == {"n": int(n), "str": n}
    assert client_for(api).get("/bigint/1e3").json() == {"n": 1000, "str": "1000"}


def test_query_defaults_optional_and_lists(client_for):
    client = client_for(api)
    assert client.get("/query?q=hi").json() == {"q": "hi", "n": 5, "flag": False, "opt": None, "tags": []}
    r = client.get("/query?q=hi&n=7&flag=1&opt=2.5&tags=1&tags=2&tags=3")
    assert r.json() == {"q": "hi", "n": 7, "flag": True, "opt": 2.5, "tags": [1, 2, 3]}


def test_every_failing_field_is_reported(client_for):
    r = client_for(api).get("/query?n=x&flag=maybe&tags=1&tags=y")
    assert r.status_code == 422
    assert r.json() == {"detail": [
        {"loc": ["query", "q"], "msg": "Missing required query parameter: q", "type": "missing"},
        {"loc": ["query", "n"], "msg": "Expected `int`, got `str`", "type": "validation_error"},
        {"loc": ["query", "flag"], "msg": "Expected `bool`, got `str`", "type": "validation_error"},
        {"loc": ["query", "tags"], "msg": "Expected `int`, got `str`", "type": "validation_error"},
    ]}
    assert calls == []


@pytest.mark.parametrize(
    ("query", "loc", "msg"),
    [
        ("a=0", "a", "Expected `int` >= 1"),
        ("a=11", "a", "Expected `int` <= 10"),
        ("b=0", "b", "Expected `int` >= 1"),
        ("b=5", "b", "Expected `int` <= 4"),
        ("c=0.5", "c", "Expected `float` > 0.5"),
        ("s=x", "s", "Expected `str` of length >= 2"),
        ("s=xxxxx", "s", "Expected `str` of length <= 4"),
        ("p=AB", "p", "Expected `str` matching regex '^[a-z]+$'"),
        ("m=99", "m", "Expected `int` >= 100"),
    ],
)
def test_constraints(client_for, query, loc, msg):
    r = client_for(api).get(f"/constrained?{query}")
    assert r.status_code == 422
    assert r.json() == {"detail": [{"loc": ["query", loc], "msg": msg, "type": "validation_error"}]}
    assert calls == []


def test_constraints_accept_valid_values(client_for):
    r = client_for(api).get("/constrained?a=10&b=4&c=0.6&s=abcd&p=xyz&m=100")
    assert r.json() == {"a": 10, "b": 4, "c": 0.6, "s": "abcd", "p": "xyz", "m": 100}


def test_pattern_dollar_means_what_python_means(client_for):
    # re.search("^[a-z]+$", "xyz\n") matches (`$` also matches before a final newline).
    assert client_for(api).get("/constrained?p=xyz%0A").json()["p"] == "xyz\n"
    assert client_for(api).get("/constrained?p=xyz%0Aa").status_code == 422


def test_path_marker_constraint(client_for):
    assert client_for(api).get("/path-marker/0").json()["detail"][0]["msg"] == "Expected `int` >= 1"
    assert client_for(api).get("/path-marker/3").json() == {"pk": 3}


def test_header_cookie_and_alias(client_for):
    client = client_for(api)
    r = client.get("/aliases?q=find", headers={"X-Token": "t", "User-Agent": "ua", "Cookie": "session=s1"})
    assert r.json() == {"search": "find", "x_token": "t", "user_agent": "ua", "session": "s1"}
    r = client.get("/aliases")
    assert r.status_code == 422
    assert r.json()["detail"] == [{"loc": ["header", "x-token"], "msg": "Missing required header: x-token",
                                   "type": "missing"}]


def test_request_object(client_for):
    r = client_for(api).get("/request/3?a=1&a=2", headers={"x-h": "v", "cookie": "c=1"})
    assert r.json() == {"method": "GET", "path": "/request/3", "query": {"a": "2"}, "params": {"x": 3},
                        "cookies": {"c": "1"}, "header": "v", "body": "", "get": "GET", "missing": "dflt"}


edge = BoltAPI()


@edge.get("/edge")
def edge_values(name: str | None = None, ratio: float = 0.0, big: int = 0) -> dict:
    return {"name": name, "ratio": str(ratio), "big_digits": len(str(big))}


def test_optional_str_keeps_null_like_msgspec(client_for):
    assert client_for(edge).get("/edge?name=null").json()["name"] == "null"
    assert msgspec.convert("null", str | None, strict=False) == "null"


@pytest.mark.parametrize("text", ["+inf", "--inf", "+nan", "--nan"])
def test_float_specials_take_one_minus_sign_only(client_for, text):
    from urllib.parse import quote

    r = client_for(edge).get(f"/edge?ratio={quote(text)}")
    assert r.status_code == 422
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(text, float, strict=False)


def test_integers_over_4300_digits_are_422(client_for):
    client = client_for(edge)
    assert client.get("/edge?big=" + "1" * 4300).json()["big_digits"] == 4300
    r = client.get("/edge?big=" + "1" * 4301)
    assert r.json() == {"detail": [{"loc": ["query", "big"], "msg": "Integer value out of range",
                                    "type": "validation_error"}]}


def test_constraints_must_fit_the_type():
    from django_bolt._signature import RouteDefinitionError

    local = BoltAPI()
    with pytest.raises(RouteDefinitionError, match="ge= applies to int and float, not str"):
        @local.get("/a")
        def a(s: Annotated[str, Query(ge=1)] = "") -> dict:
            return {}

    with pytest.raises(RouteDefinitionError, match="pattern= applies to str, not int"):
        @local.get("/b")
        def b(n: Annotated[int, Query(pattern="^1")] = 1) -> dict:
            return {}

    with pytest.raises(RouteDefinitionError, match="only one request parameter"):
        @local.get("/c")
        def c(request: Request, req: Request) -> dict:
            return {}


typed_request = BoltAPI()


@typed_request.get("/is-request/{a}")
def is_request(a: int, request: Request) -> dict:
    return {"a": a, "is_request": isinstance(request, Request)}


def test_request_is_a_request_in_both_tables(client_for):
    assert client_for(typed_request).get("/is-request/3").json() == {"a": 3, "is_request": True}


@api.get("/mutable-defaults")
def mutable_defaults(tags: list[str] = Query([])) -> dict:  # noqa: B006
    tags.append("seen")  # a handler that changes its default must not change the next request's
    return {"tags": tags}


def test_mutable_defaults_are_fresh_per_request(client_for):
    c = client_for(api)
    assert c.get("/mutable-defaults").json() == {"tags": ["seen"]}
    assert c.get("/mutable-defaults").json() == {"tags": ["seen"]}
    assert c.get("/mutable-defaults?tags=a").json() == {"tags": ["a", "seen"]}
