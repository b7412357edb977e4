"""Handler return values and exceptions to responses (content types, status codes, bodies)."""

from __future__ import annotations

import msgspec
import pytest
from django_bolt import HTML, JSON, BoltAPI, HTTPException, NotFound, PlainText, Redirect, Response
from django_bolt import exceptions as exc

api = BoltAPI()


class Item(msgspec.Struct):
    name: str
    price: float


@api.get("/dict")
def a_dict() -> dict:
    return {"a": 1, "nested": {"b": [1, 2.5, None, True]}}


@api.get("/list")
def a_list() -> list:
    return [1, "two", 3.0]


@api.get("/str")
def a_str() -> str:
    return "héllo"


@api.get("/bytes")
def some_bytes() -> bytes:
    return b"\x00\xff"


@api.get("/struct")
def a_struct() -> Item:
    return Item("x", 1.0)


@api.get("/none")
def none_200() -> None:
    return None


@api.delete("/gone", status_code=204)
def gone() -> None:
    return None


@api.post("/created", status_code=201)
def created() -> dict:
    return {"created": True}


@api.get("/json")
def json_response() -> JSON:
    return JSON({"a": 1}, status_code=202, headers={"X-A": "b"})


@api.get("/plain")
def plain() -> PlainText:
    return PlainText("text")


@api.get("/html")
def html() -> HTML:
    return HTML("<b>x</b>")


@api.get("/redirect")
def redirect() -> Redirect:
    return Redirect("/dict")


@api.get("/raw")
def raw() -> Response:
    return Response("text", media_type="text/plain", headers={"X-Raw": "1"})


@api.get("/cookie")
def cookie() -> Response:
    return Response({"ok": True}).set_cookie("sid", "abc", httponly=True)


@api.get("/teapot")
def teapot() -> dict:
    raise HTTPException(418, "teapot", headers={"X-E": "1"})


@api.get("/extra")
def extra() -> dict:
    raise HTTPException(400, "bad", extra={"f": 1})


@api.get("/notfound")
def notfound() -> dict:
    raise NotFound()


@api.get("/boom")
def boom() -> dict:
    raise ValueError("kaboom")


@api.get("/unencodable")
def unencodable() -> dict:
    return {"x": object()}


@api.get("/django404")
def django404() -> dict:
    from django.http import Http404

    raise Http404("nope")


def test_json_values(client_for):
    client = client_for(api)
    r = client.get("/dict")
    assert r.headers["content-type"] == "application/json"
    assert r.content == b'{"a":1,"nested":{"b":[1,2.5,null,true]}}'
    assert client.get("/list").content == b'[1,"two",3.0]'
    assert client.get("/struct").content == b'{"name":"x","price":1.0}'
    assert client.get("/none").content == b"null"


def test_text_and_bytes(client_for):
    client = client_for(api)
    r = client.get("/str")
    assert (r.headers["content-type"], r.content) == ("text/plain; charset=utf-8", "héllo".encode())
    r = client.get("/bytes")
    assert (r.headers["content-type"], r.content) == ("application/octet-stream", b"\x00\xff")


def test_status_codes(client_for):
    client = client_for(api)
    r = client.delete("/gone")
    assert (r.status_code, r.content, r.headers.get("content-type")) == (204, b"", None)
    assert client.post("/created").status_code == 201


def test_response_classes(client_for):
    client = client_for(api)
    r = client.get("/json")
    assert (r.status_code, r.content, r.headers["x-a"]) == (202, b'{"a":1}', "b")
    r = client.get("/plain")
    assert (r.headers["content-type"], r.text) == ("text/plain; charset=utf-8", "text")
    assert client.get("/html").headers["content-type"] == "text/html; charset=utf-8"
    r = client.get("/redirect", follow_redirects=False)
    assert (r.status_code, r.headers["location"], r.content) == (307, "/dict", b"")
    r = client.get("/raw")
    assert (r.headers["content-type"], r.headers["x-raw"], r.text) == ("text/plain", "1", "text")
    r = client.get("/cookie")
    assert r.headers["set-cookie"].startswith("sid=abc;")
    assert "HttpOnly" in r.headers["set-cookie"]


def test_http_exceptions(client_for):
    client = client_for(api)
    r = client.get("/teapot")
    assert (r.status_code, r.content, r.headers["x-e"]) == (418, b'{"detail":"teapot"}', "1")
    assert client.get("/extra").content == b'{"detail":"bad","extra":{"f":1}}'
    r = client.get("/notfound")
    assert (r.status_code, r.content) == (404, b'{"detail":"Not Found"}')
    assert client.get("/django404").status_code == 404


@pytest.mark.parametrize(
    ("cls", "status"),
    [(exc.BadRequest, 400), (exc.Unauthorized, 401), (exc.Forbidden, 403), (exc.NotFound, 404),
     (exc.Conflict, 409), (exc.UnprocessableEntity, 422), (exc.TooManyRequests, 429),
     (exc.ServiceUnavailable, 503)],
)
def test_exception_subclasses(cls, status):
    e = cls(detail="why")
    assert (e.status_code, e.detail) == (status, "why")
    assert isinstance(e, HTTPException)


def test_unhandled_exception_is_500_and_app_keeps_serving(client_for):
    client = client_for(api, debug=False)
    r = client.get("/boom")
    assert (r.status_code, r.content) == (500, b'{"detail":"Internal Server Error"}')
    assert client.get("/unencodable").status_code == 500
    assert client.get("/dict").status_code == 200


def test_debug_500_shows_traceback(client_for):
    r = client_for(api, debug=True).get("/boom")
    assert r.status_code == 500
    body = r.json()
    assert body["detail"] == "ValueError: kaboom"
    assert body["extra"]["exception_type"] == "ValueError"
    assert any("raise ValueError" in line for line in body["extra"]["traceback"])
