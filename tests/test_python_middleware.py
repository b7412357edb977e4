"""Python middleware (django-bolt's signature) and the Django middleware adapter, in both
tables: order global → router → route, skips, the built-ins, and Django's real session,
auth, CSRF and messages middleware around bolt handlers."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI, Request, Router
from django_bolt.middleware import (
    BaseMiddleware,
    DjangoMiddleware,
    ErrorHandlerMiddleware,
    Middleware,
    TimingMiddleware,
    middleware,
    skip_middleware,
)
from django_bolt.responses import StreamingResponse

SEEN: list[str] = []


class Outer(Middleware):
    async def process_request(self, request):
        SEEN.append("outer-in")
        response = await self.get_response(request)
        SEEN.append("outer-out")
        response.headers["X-Outer"] = "1"
        return response


class DjangoStyle:
    created = 0

    def __init__(self, get_response):
        self.get_response = get_response
        DjangoStyle.created += 1

    async def __call__(self, request):
        SEEN.append("django-style")
        request.state["tag"] = "set-by-middleware"
        return await self.get_response(request)


class Excluding(BaseMiddleware):
    exclude_paths = ["/skipped/*"]
    exclude_methods = ["POST"]

    async def process_request(self, request):
        response = await self.get_response(request)
        response.headers["X-Excluding"] = "ran"
        return response


@middleware
async def route_level(request, call_next):
    SEEN.append("route")
    response = await call_next(request)
    response.status_code = 201 if response.status_code == 200 else response.status_code
    return response


@middleware
async def short_circuit(request, call_next):
    if request.headers.get("x-stop"):
        from django_bolt.middleware import MiddlewareResponse

        return MiddlewareResponse(418, {"content-type": "text/plain"}, b"stopped")
    return await call_next(request)


api = BoltAPI(middleware=[Outer, DjangoStyle, Excluding])
router = Router(middleware=[short_circuit])


@router.get("/chain/{n}")
@route_level
def chain(n: int, request: Request) -> dict:
    SEEN.append("handler")
    return {"n": n, "tag": request.state.get("tag")}


@router.get("/plain")
async def plain() -> dict:
    SEEN.append("handler")
    return {"ok": True}


api.include_router(router)


@api.get("/skipped/all")
@skip_middleware("*")
def skipped_all() -> str:
    return "bare"


@api.get("/skipped/one")
@skip_middleware("Outer")
def skipped_one() -> str:
    return "no outer"


@api.post("/posted")
def posted(body: dict) -> dict:
    return body


@api.get("/stream")
def stream() -> StreamingResponse:
    return StreamingResponse(iter([b"a", b"b"]), media_type="text/plain")


@api.get("/text")
def text() -> str:
    return "hello"


@api.get("/raises")
def raises() -> dict:
    from django_bolt.exceptions import NotFound

    raise NotFound("no such thing")


def test_order_and_response_changes(client_for):
    c = client_for(api)
    SEEN.clear()
    r = c.get("/chain/3")
    assert r.status_code == 201 and r.json() == {"n": 3, "tag": "set-by-middleware"}
    assert r.headers["x-outer"] == "1" and r.headers["x-excluding"] == "ran"
    assert SEEN == ["outer-in", "django-style", "route", "handler", "outer-out"]


def test_instances_live_as_long_as_the_app(client_for):
    c = client_for(api)
    before = DjangoStyle.created
    for _ in range(3):
        c.get("/plain")
    assert DjangoStyle.created - before <= 1


def test_short_circuit_and_errors_pass_through(client_for):
    c = client_for(api)
    SEEN.clear()
    r = c.get("/plain", headers={"X-Stop": "1"})
    assert (r.status_code, r.text, r.headers["x-outer"]) == (418, "stopped", "1")
    assert "handler" not in SEEN
    r = c.get("/raises")
    assert (r.status_code, r.json()) == (404, {"detail": "no such thing"})


def test_skips_and_exclusions(client_for):
    c = client_for(api)
    r = c.get("/skipped/all")
    assert r.text == "bare" and "x-outer" not in r.headers
    r = c.get("/skipped/one")
    assert r.text == "no outer" and "x-outer" not in r.headers
    assert "x-excluding" not in r.headers  # its exclude_paths glob matches
    r = c.post("/posted", json={"a": 1})
    assert r.json() == {"a": 1} and "x-excluding" not in r.headers and r.headers["x-outer"] == "1"


def test_every_result_kind_keeps_its_bytes(client_for):
    c = client_for(api)
    r = c.get("/text")
    assert (r.text, r.headers["content-type"], r.headers["x-outer"]) == ("hello", "text/plain; charset=utf-8", "1")
    r = c.get("/stream")
    assert r.content == b"ab" and r.headers["x-outer"] == "1"
    r = c.get("/chain/x")
    assert r.status_code == 422  # validation still answers before the chain


def test_middleware_must_be_classes():
    with pytest.raises(TypeError, match="class"):
        BoltAPI(middleware=[Outer(None)])
    with pytest.raises(TypeError, match="async def"):
        middleware(lambda request, call_next: None)


builtins = BoltAPI(middleware=[TimingMiddleware, ErrorHandlerMiddleware],
                   django_middleware=["django.middleware.security.SecurityMiddleware"])


@builtins.get("/timed")
def timed(request: Request) -> dict:
    return {"id": request.state["request_id"]}


@builtins.get("/fails")
def fails() -> dict:
    raise RuntimeError("hidden")


def test_builtin_middleware(client_for):
    c = client_for(builtins)
    r = c.get("/timed", headers={"X-Request-ID": "abc"})
    assert r.json() == {"id": "abc"} and r.headers["x-request-id"] == "abc"
    assert r.headers["x-response-time"].endswith("ms")
    assert len(c.get("/timed").headers["x-request-id"]) == 32
    r = c.get("/fails")
    assert (r.status_code, r.json()) == (500, {"detail": "Internal Server Error"})
    assert "x-request-id" in r.headers


# --- Django's middleware ----------------------------------------------------------------------

with_django = BoltAPI(django_middleware=True)


@with_django.post("/login")
def log_in(request: Request, username: str) -> dict:
    from django.contrib.auth import get_user_model, login

    user = get_user_model().objects.get(username=username)
    login(request, user)
    return {"ok": True}


@with_django.get("/whoami")
def whoami(request: Request) -> dict:
    user = request.user
    return {"user": user.get_username() if user.is_authenticated else None,
            "session": request.session.session_key is not None}


@with_django.get("/counter")
def counter(request: Request) -> dict:
    request.session["n"] = request.session.get("n", 0) + 1
    return {"n": request.session["n"]}


def _login_required_view():
    from django.contrib.auth.decorators import login_required

    @with_django.get("/members")
    @login_required
    def members(request: Request) -> dict:
        return {"member": request.user.get_username()}


_login_required_view()


@with_django.post("/csrf-checked")
def csrf_checked(request: Request) -> dict:
    return {"ok": True}


def _exempt_view():
    from django.views.decorators.csrf import csrf_exempt

    @with_django.post("/csrf-exempt")
    @csrf_exempt
    def exempt(request: Request) -> dict:
        return {"ok": True}


_exempt_view()


@api.get("/one", middleware=[DjangoMiddleware("django.middleware.security.SecurityMiddleware")])
def one() -> str:
    return "one"


@pytest.mark.django_db
def test_sessions_round_trip_through_djangos_middleware(client_for):
    c = client_for(with_django)
    assert c.get("/counter").json() == {"n": 1}
    assert "sessionid" in c.cookies
    assert c.get("/counter").json() == {"n": 2}


@pytest.mark.django_db
def test_authentication_middleware_sets_the_user_and_login_required_works(client_for):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("grace", password="pw")
    c = client_for(with_django)
    assert c.get("/whoami").json() == {"user": None, "session": False}
    r = c.get("/members", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith("/accounts/login/?next=")
    c.cookies.set("csrftoken", "y" * 32)
    assert c.post("/login?username=grace", headers={"X-CSRFToken": "y" * 32}).json() == {"ok": True}
    assert c.get("/whoami").json() == {"user": "grace", "session": True}
    assert c.get("/members").json() == {"member": "grace"}


@pytest.mark.django_db
def test_csrf_is_enforced_for_cookie_sessions_and_csrf_exempt_is_honoured(client_for):
    c = client_for(with_django)
    c.cookies.set("csrftoken", "x" * 32)
    # Django's test client skips CSRF checks; this one does not (a real browser's request).
    r = c.post("/csrf-checked")
    assert r.status_code == 403
    assert c.post("/csrf-exempt").json() == {"ok": True}
    r = c.post("/csrf-checked", headers={"X-CSRFToken": "x" * 32})
    assert r.json() == {"ok": True}


def test_listed_and_single_django_middleware(client_for):
    r = client_for(builtins).get("/timed")
    assert r.headers["x-content-type-options"] == "nosniff"  # django_middleware=[...SecurityMiddleware]
    r = client_for(api).get("/one")
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-outer"] == "1"
    assert "x-content-type-options" not in client_for(api).get("/text").headers
