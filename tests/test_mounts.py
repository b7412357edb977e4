"""`api.mount_asgi(prefix, app)` and `api.mount_django(prefix)`, in both tables: the request
(path, root_path, query, headers, body) reaches the mounted application and its response
(status, headers, streamed body) comes back."""

from __future__ import annotations

import json

from django_bolt import BoltAPI


async def asgi_app(scope, receive, send):
    assert scope["type"] == "http"
    message = await receive()
    if scope["path"].endswith("/stream"):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for part in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    if scope["path"].endswith("/fail"):
        raise RuntimeError("asgi app failed")
    if scope["path"].endswith("/silent"):
        return  # no response at all
    payload = {"path": scope["path"], "root_path": scope["root_path"], "query": scope["query_string"].decode(),
               "method": scope["method"], "body": message["body"].decode(),
               "header": dict(scope["headers"]).get(b"x-test", b"").decode()}
    await send({"type": "http.response.start", "status": 201,
                "headers": [(b"content-type", b"application/json"), (b"x-asgi", b"yes"),
                            (b"set-cookie", b"a=1; Path=/"), (b"set-cookie", b"b=2; HttpOnly")]})
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


api = BoltAPI()
api.mount_asgi("/asgi", asgi_app)


@api.get("/own")
def own() -> dict:
    return {"own": True}


def test_asgi_app_receives_the_request_and_answers(client_for):
    c = client_for(api)
    r = c.post("/asgi/items/7?x=1", content=b"hello", headers={"X-Test": "t"})
    assert (r.status_code, r.headers["x-asgi"]) == (201, "yes")
    assert r.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    assert r.json() == {"path": "/asgi/items/7", "root_path": "/asgi", "query": "x=1", "method": "POST",
                        "body": "hello", "header": "t"}
    assert c.get("/asgi/stream").text == "abc"
    assert c.get("/own").json() == {"own": True}
    r = c.get("/asgi/fail")
    assert (r.status_code, r.json()) == (500, {"detail": "Internal Server Error"})
    assert c.get("/asgi/silent").status_code == 500  # answered, never left hanging


def test_mount_django_serves_the_urlconf_under_a_prefix(client_for, settings):
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = "django_views"
    clear_url_caches()
    mounted = BoltAPI()
    mounted.mount_django("/legacy")
    r = client_for(mounted).get("/legacy/blog/2024/slug-here/")
    assert r.json()["url"] == "/legacy/blog/2024/slug-here/"  # reverse() includes the prefix
    assert client_for(mounted).get("/legacy/nothing/").status_code == 404
    clear_url_caches()


EVENTS: list[str] = []


async def lifespan_asgi(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                EVENTS.append("asgi startup")
                scope["state"]["pool"] = "opened"
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                EVENTS.append("asgi shutdown")
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"mounted:" + scope.get("state", {}).get("pool", "").encode()})


def api_lifespan(api):
    import contextlib

    @contextlib.asynccontextmanager
    async def context():
        EVENTS.append("api startup")
        api.state = {"ready": True}
        yield
        EVENTS.append("api shutdown")

    return context()


with_lifespan = BoltAPI(lifespan=api_lifespan)
with_lifespan.mount_asgi("/sub", lifespan_asgi)
with_lifespan.mount_asgi("/plain", asgi_app)  # no lifespan support: allowed, skipped


@with_lifespan.get("/ready")
def ready() -> dict:
    return {"ready": with_lifespan.state["ready"]}


def test_lifespans_run_around_the_client(table_mode):
    from django_bolt.testing import TestClient

    EVENTS.clear()
    with TestClient(with_lifespan, compiled=table_mode == "compiled") as c:
        assert EVENTS == ["api startup", "asgi startup"]
        assert c.get("/ready").json() == {"ready": True}
        assert c.get("/sub/x").text == "mounted:opened"  # the lifespan state reaches requests
    assert EVENTS == ["api startup", "asgi startup", "asgi shutdown", "api shutdown"]
