"""Routing: 404, 405 + Allow, automatic HEAD and OPTIONS, trailing-slash redirects, path params."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI, Router

api = BoltAPI()


@api.get("/users/me")
def me() -> dict:
    return {"who": "me"}


@api.get("/users/{user_id}")
def user(user_id: int) -> dict:
    return {"id": user_id}


@api.post("/users")
def create_user() -> dict:
    return {"created": True}


@api.get("/users")
def list_users() -> list:
    return [1, 2]


@api.get("/files/{file_path:path}")
def files(file_path: str) -> dict:
    return {"path": file_path}


@api.options("/custom")
def custom_options() -> dict:
    return {"options": "explicit"}


@api.get("/")
def root() -> dict:
    return {"root": True}


def test_unknown_path_is_404_json(client_for):
    r = client_for(api).get("/nope")
    assert r.status_code == 404
    assert r.content == b'{"detail":"Not Found"}'
    assert r.headers["content-type"] == "application/json"


def test_wrong_method_is_405_with_allow(client_for):
    r = client_for(api).delete("/users")
    assert r.status_code == 405
    assert r.content == b'{"detail":"Method Not Allowed"}'
    assert r.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_head_uses_get_route_without_body(client_for):
    client = client_for(api)
    get = client.get("/users/7")
    head = client.head("/users/7")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_automatic_options(client_for):
    r = client_for(api).options("/users")
    assert r.status_code == 204
    assert r.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert r.content == b""


def test_explicit_options_route_wins(client_for):
    assert client_for(api).options("/custom").json() == {"options": "explicit"}


def test_options_on_unknown_path_is_404(client_for):
    assert client_for(api).options("/missing").status_code == 404


def test_literal_segment_beats_parameter(client_for):
    client = client_for(api)
    assert client.get("/users/me").json() == {"who": "me"}
    assert client.get("/users/12").json() == {"id": 12}


def test_path_param_captures_rest(client_for):
    client = client_for(api)
    assert client.get("/files/a/b/c.txt").json() == {"path": "a/b/c.txt"}
    assert client.get("/files/with%20space.txt").json() == {"path": "with space.txt"}


def test_root_path(client_for):
    assert client_for(api).get("/").json() == {"root": True}


@pytest.mark.parametrize(
    ("mode", "registered", "requested", "location"),
    [
        ("strip", "/things/", "/things/?a=1&b=2", "/things?a=1&b=2"),
        ("append", "/things", "/things?x=1", "/things/?x=1"),
        ("keep", "/things/", "/things", "/things/"),
        ("keep", "/things", "/things/", "/things"),
    ],
)
def test_trailing_slash_redirects_keep_query(client_for, mode, registered, requested, location):
    local = BoltAPI(trailing_slash=mode)

    @local.get(registered)
    def things() -> dict:
        return {"ok": True}

    client = client_for(local)
    r = client.get(requested, follow_redirects=False)
    assert r.status_code == 308
    assert r.headers["location"] == location
    assert r.content == b""
    assert client.get(requested).json() == {"ok": True}


def test_post_redirect_is_308(client_for):
    r = client_for(api).post("/users/", follow_redirects=False)
    assert r.status_code == 308
    assert r.headers["location"] == "/users"


def test_prefix_and_routers(client_for):
    local = BoltAPI(prefix="/api/")
    inner = Router(prefix="/inner")
    outer = Router(prefix="/r")

    @inner.get("/x")
    def x() -> dict:
        return {"x": 1}

    @outer.get("")
    def r_root() -> dict:
        return {"r": 1}

    outer.include_router(inner)
    local.include_router(outer, prefix="/v1")
    client = client_for(local)
    assert client.get("/api/v1/r").json() == {"r": 1}
    assert client.get("/api/v1/r/inner/x").json() == {"x": 1}


def test_mount_copies_routes(client_for):
    sub = BoltAPI()

    @sub.get("/ping")
    def ping() -> str:
        return "pong"

    parent = BoltAPI()
    parent.mount("/sub", sub)
    assert client_for(parent).get("/sub/ping").text == "pong"


def test_append_mode_keeps_catch_all_paths_as_written(client_for):
    local = BoltAPI(trailing_slash="append")

    @local.get("/y/{rest:path}")
    def rest(rest: str) -> dict:
        return {"rest": rest}

    assert client_for(local).get("/y/a/b").json() == {"rest": "a/b"}


def test_mount_at_root(client_for):
    sub = BoltAPI()

    @sub.get("/ping")
    def root_ping() -> str:
        return "pong"

    parent = BoltAPI()
    parent.mount("/", sub)
    assert client_for(parent).get("/ping").text == "pong"


def test_non_ascii_and_space_literals_are_reachable(client_for):
    local = BoltAPI()

    @local.get("/café/{name}")
    def cafe(name: str) -> dict:
        return {"name": name}

    @local.get("/a b")
    def spaced() -> str:
        return "spaced"

    client = client_for(local)
    assert client.get("/café/crème").json() == {"name": "crème"}
    assert client.get("/a b").text == "spaced"
    assert local.routes[0].path == "/caf%C3%A9/{name}"
