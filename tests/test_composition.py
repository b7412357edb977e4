"""Dependencies, parameter models, embedded bodies and unnamed path placeholders: their wire
values are flattened into the route's parameters, so Rust validates them (both tables) and
every error carries its own `loc`."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest
from django_bolt import Body, BoltAPI, Cookie, Depends, Header, HTTPException, Query, Request, Router
from django_bolt._signature import RouteDefinitionError

api = BoltAPI()
calls: list[str] = []


def pagination(page: int = 1, size: Annotated[int, Query(le=50)] = 10) -> dict:
    calls.append("pagination")
    return {"page": page, "size": size}


def current_token(x_token: Annotated[str, Header()]) -> str:
    calls.append("token")
    return x_token


def current_user(token: str = Depends(current_token), request: Request = None) -> dict:
    calls.append("user")
    return {"token": token, "path": request.path}


async def async_flag(flag: bool = False) -> bool:
    calls.append("async_flag")
    return flag


def counter() -> int:
    calls.append("counter")
    return len(calls)


@api.get("/page")
def page(p: dict = Depends(pagination)) -> dict:
    return p


@api.get("/me")
def me(user: dict = Depends(current_user), again: dict = Depends(current_user)) -> dict:
    return {"user": user, "same": user is again}


@api.get("/uncached")
def uncached(a: int = Depends(counter), b: int = Depends(counter, use_cache=False)) -> dict:
    return {"different": a != b}


@api.get("/mixed")
def sync_handler_async_dep(flag: bool = Depends(async_flag), p: dict = Depends(pagination)) -> dict:
    return {"flag": flag, **p}


@api.get("/async-handler")
async def async_handler(p: Annotated[dict, Depends(pagination)], page: int = 1) -> dict:
    return {"p": p, "page": page}


class Filters(msgspec.Struct):
    q: str
    limit: Annotated[int, msgspec.Meta(ge=1)] = 10
    tags: list[str] = msgspec.field(default_factory=list)


class Auth(msgspec.Struct):
    x_api_key: str
    x_trace: str | None = None


class Session(msgspec.Struct):
    sessionid: str
    theme: str = "light"


@api.get("/session")
def session(s: Annotated[Session, Cookie()]) -> dict:
    return {"id": s.sessionid, "theme": s.theme}


@api.get("/search")
def search(filters: Annotated[Filters, Query()], auth: Annotated[Auth, Header()]) -> dict:
    return {"q": filters.q, "limit": filters.limit, "tags": filters.tags, "key": auth.x_api_key,
            "trace": auth.x_trace}


class Item(msgspec.Struct):
    name: str


@api.post("/embed")
def embedded(item: Item = Body(embed=True)) -> dict:
    return {"name": item.name}


@api.post("/two-bodies")
def two_bodies(item: Item, count: Annotated[int, Body(alias="n")]) -> dict:
    return {"name": item.name, "count": count}


@api.get("/files/{folder}/{name}")
def unnamed_placeholder(request, name: str) -> dict:
    return {"name": name, "params": dict(request.params)}


def require_admin(x_role: Annotated[str, Header()] = "guest") -> None:
    calls.append(f"role:{x_role}")
    if x_role != "admin":
        raise HTTPException(403, "admins only")


router = Router(prefix="/admin", dependencies=[Depends(require_admin)])


@router.get("/stats", dependencies=[Depends(counter)])
def stats() -> dict:
    return {"ok": True}


api.include_router(router)


@pytest.fixture(autouse=True)
def fresh_calls():
    calls.clear()


def test_dependency_params_are_typed_validated_and_defaulted(client_for):
    client = client_for(api)
    assert client.get("/page").json() == {"page": 1, "size": 10}
    assert client.get("/page?page=3&size=20").json() == {"page": 3, "size": 20}
    r = client.get("/page?page=x&size=99")
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["query", "page"], ["query", "size"]]


def test_nested_dependencies_get_request_and_are_cached_per_request(client_for):
    client = client_for(api)
    assert client.get("/me", headers={"x-token": "t1"}).json() == {
        "user": {"token": "t1", "path": "/me"}, "same": True}
    assert calls == ["token", "user"]
    r = client.get("/me")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["header", "x-token"]


def test_use_cache_false_calls_again(client_for):
    assert client_for(api).get("/uncached").json() == {"different": True}
    assert calls == ["counter", "counter"]


def test_async_dependency_of_a_sync_handler_and_sync_dependency_of_an_async_one(client_for):
    client = client_for(api)
    assert client.get("/mixed?flag=true&page=2").json() == {"flag": True, "page": 2, "size": 10}
    # The handler and its dependency share the one `page` query parameter.
    assert client.get("/async-handler?page=4").json() == {"p": {"page": 4, "size": 10}, "page": 4}


def test_query_and_header_models_report_each_field(client_for):
    client = client_for(api)
    r = client.get("/search?q=x&tags=a&tags=b", headers={"x-api-key": "k"})
    assert r.json() == {"q": "x", "limit": 10, "tags": ["a", "b"], "key": "k", "trace": None}
    r = client.get("/search?limit=0")
    assert r.status_code == 422
    assert sorted(e["loc"] for e in r.json()["detail"]) == [
        ["header", "x-api-key"], ["query", "limit"], ["query", "q"]]


def test_cookie_model(client_for):
    client = client_for(api)
    assert client.get("/session", headers={"cookie": "sessionid=abc"}).json() == {"id": "abc", "theme": "light"}
    r = client.get("/session")
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["cookie", "sessionid"])


def test_embedded_and_several_body_params(client_for):
    client = client_for(api)
    assert client.post("/embed", json={"item": {"name": "a"}}).json() == {"name": "a"}
    r = client.post("/embed", json={"name": "a"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "item"]
    assert client.post("/two-bodies", json={"item": {"name": "b"}, "n": 3}).json() == {"name": "b", "count": 3}
    r = client.post("/two-bodies", json={"item": {"name": 1}, "n": 3})
    assert r.json()["detail"][0]["loc"] == ["body", "item", "name"]


def test_unnamed_placeholder_is_in_request_params(client_for):
    r = client_for(api).get("/files/docs/a.txt")
    assert r.json() == {"name": "a.txt", "params": {"folder": "docs", "name": "a.txt"}}


def test_router_and_route_dependencies_run_before_the_handler(client_for):
    client = client_for(api)
    r = client.get("/admin/stats")
    assert (r.status_code, r.json()) == (403, {"detail": "admins only"})
    assert calls == ["role:guest"]
    calls.clear()
    assert client.get("/admin/stats", headers={"x-role": "admin"}).json() == {"ok": True}
    assert calls == ["role:admin", "counter"]


def test_registration_errors_name_the_handler():
    bad = BoltAPI()

    def needs_body(item: Item) -> Item:
        return item

    def conflict(page: str = "1") -> str:
        return page

    with pytest.raises(RouteDefinitionError, match="test_composition:.*conflict.*'page' differently"):
        @bad.get("/c")
        def clash(page: int = 1, other: str = Depends(conflict)) -> dict:
            return {}

    with pytest.raises(RouteDefinitionError, match="GET handlers cannot take a request body"):
        @bad.get("/b")
        def body_on_get(item: Item = Depends(needs_body)) -> dict:
            return {}

    with pytest.raises(TypeError, match="callable"):
        Depends(5)
