"""Authentication and guards in Rust: JWT (HMAC, RSA, RSA-PSS, ECDSA, EdDSA, JWKS), API
keys, guard combinators, revocation, `request.context`/`request.user`, in both tables;
failures answered without entering Python."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from django_bolt import BoltAPI, Request, Router
from django_bolt.auth import (
    AllowAny,
    APIKeyAuthentication,
    DjangoCacheRevocation,
    HasAllPermissions,
    HasAnyPermission,
    HasPermission,
    InMemoryRevocation,
    IsAdminUser,
    IsAuthenticated,
    IsStaff,
    JWTAuthentication,
    Requires,
    SessionAuthentication,
    Token,
    create_jwt_for_user,
    get_current_user,
)
from django_bolt.params import Depends
from pure_rust import answered_in_rust

KEYS = Path(__file__).parent / "keys"
SECRET = "test-secret-0123456789"


def key(name: str) -> str:
    return (KEYS / name).read_text()


class NamedUser:
    def __init__(self, pk: str) -> None:
        self.pk, self.username = pk, f"user{pk}"


class Loading(JWTAuthentication):
    loaded: list[str] = []

    def get_user(self, user_id, auth_context):
        self.loaded.append(user_id)
        return NamedUser(user_id)


jwt = Loading(secret=SECRET, algorithms=["HS256", "HS512"])
revocations = InMemoryRevocation()
revocable = JWTAuthentication(secret=SECRET, revocation_store=revocations)
api_keys = APIKeyAuthentication(api_keys={"k1", "k2"}, key_permissions={"k1": {"books.view"}})
asymmetric = {
    "rsa": JWTAuthentication(algorithms=["RS256", "PS256"], public_key=key("rsa.pub.pem")),
    "ec": JWTAuthentication(algorithms=["ES256"], public_key=key("ec.pub.pem")),
    "ed": JWTAuthentication(algorithms=["EdDSA"], public_key=key("ed.pub.pem")),
    "ec384": JWTAuthentication(algorithms=["ES384"], public_key=key("ec384.pub.pem")),
}
cached = JWTAuthentication(secret=SECRET, revocation_store=DjangoCacheRevocation(key_prefix="test-revoked:"))
oct_key = base64.urlsafe_b64encode(b"jwks-secret").rstrip(b"=").decode()
jwks = JWTAuthentication(algorithms=["HS256"], jwks={"keys": [{"kty": "oct", "kid": "one", "k": oct_key}]})
audience = JWTAuthentication(secret=SECRET, audience="api", issuer="bolt", leeway=30)
HANDLED: list[str] = []

api = BoltAPI(auth=[jwt])


@api.get("/me", guards=[IsAuthenticated()])
def me(request: Request) -> dict:
    HANDLED.append("me")
    return {"context": request.context, "same": request.auth is request.context}


@api.get("/user", guards=[IsAuthenticated()])
def user(request: Request) -> dict:
    return {"username": request.user.username}


@api.get("/current")
def current(user=Depends(get_current_user)) -> dict:
    return {"user": None if user is None else user.username}


@api.get("/open")
def open_route(request: Request) -> dict:
    return {"context": request.context, "user": request.user}


guarded = Router(guards=[IsStaff()])


@guarded.get("/staff")
def staff() -> str:
    HANDLED.append("staff")
    return "staff"


@guarded.get("/staff/public", guards=[AllowAny()])
def staff_public() -> str:
    return "public"


api.include_router(guarded)


@api.get("/admin", guards=[IsAdminUser()])
def admin() -> str:
    return "admin"


@api.get("/perm", guards=[HasPermission("books.view")])
def perm() -> str:
    return "perm"


@api.get("/any-all", guards=[HasAnyPermission("a", "b"), HasAllPermissions(["b", "c"])])
def any_all() -> str:
    return "any-all"


@api.get("/combined", guards=[IsStaff() | (HasPermission("x") & ~Requires("banned"))])
def combined() -> str:
    return "combined"


@api.get("/scope", guards=[Requires("scope", "write"), Requires("org.roles", all_of=["dev"], none_of=["intern"])])
def scope() -> str:
    return "scope"


@api.get("/key", auth=[api_keys], guards=[HasPermission("books.view")])
def by_key(request: Request) -> dict:
    return request.context


@api.get("/revocable", auth=[revocable], guards=[IsAuthenticated()])
def revocable_route() -> str:
    return "ok"


@api.get("/revocable/cache", auth=[cached], guards=[IsAuthenticated()])
def revocable_cache() -> str:
    return "ok"


@api.get("/revocable/open", auth=[revocable])
def revocable_open(request: Request) -> dict:
    return {"authenticated": request.context is not None}


for name, backend in asymmetric.items():
    api.get(f"/alg/{name}", auth=[backend], guards=[IsAuthenticated()], name=f"alg_{name}")(
        lambda: "signed")


@api.get("/jwks", auth=[jwks], guards=[IsAuthenticated()])
def by_jwks() -> str:
    return "jwks"


@api.get("/audience", auth=[audience], guards=[IsAuthenticated()])
def by_audience() -> str:
    return "audience"


def token(**claims) -> str:
    base = {"sub": "7", "exp": int(time.time()) + 600}
    return Token.from_claims({**base, **claims}).encode(SECRET)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


DENIED_401 = {"detail": "Authentication required"}
DENIED_403 = {"detail": "Permission denied"}


def test_valid_token_gives_the_context(client_for):
    c = client_for(api)
    r = c.get("/me", headers=bearer(token(is_staff=True, permissions=["a"], team="x")))
    assert r.status_code == 200
    ctx = r.json()["context"]
    assert ctx["user_id"] == "7" and ctx["is_staff"] is True and ctx["is_superuser"] is False
    assert ctx["auth_backend"] == "jwt" and ctx["permissions"] == ["a"]
    assert ctx["auth_claims"]["team"] == "x" and r.json()["same"] is True


def test_missing_or_bad_credentials_are_401_without_python(client_for):
    c = client_for(api)
    HANDLED.clear()
    bad = [
        {},
        bearer("garbage"),
        bearer(token(exp=int(time.time()) - 1)),
        bearer(Token.from_claims({"sub": "7", "exp": int(time.time()) + 60}).encode("other-secret")),
        bearer(Token.from_claims({"sub": "7", "exp": int(time.time()) + 60}).encode(SECRET, "HS384")),
        bearer(token(nbf=int(time.time()) + 300)),
        {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()},
    ]
    for headers in bad:
        status, response_headers, body = answered_in_rust(c, "GET", "/me", headers)
        assert (status, json.loads(body)) == (401, DENIED_401), headers
        assert response_headers["content-type"] == "application/json"
    assert HANDLED == []


def test_guards_answer_403_for_authenticated_requests_without_python(client_for):
    c = client_for(api)
    HANDLED.clear()
    for path in ("/staff", "/admin", "/perm", "/any-all", "/combined", "/scope"):
        status, _, body = answered_in_rust(c, "GET", path, bearer(token()))
        assert (status, json.loads(body)) == (403, DENIED_403), path
        status, _, body = answered_in_rust(c, "GET", path)
        assert (status, json.loads(body)) == (401, DENIED_401), path
    assert HANDLED == []


@pytest.mark.parametrize(("path", "claims", "allowed"), [
    ("/staff", {"is_staff": True}, True),
    ("/admin", {"is_staff": True}, False),
    ("/admin", {"is_superuser": True}, True),
    ("/perm", {"permissions": ["books.view"]}, True),
    ("/perm", {"is_superuser": True}, True),
    ("/any-all", {"permissions": ["b", "c"]}, True),
    ("/any-all", {"permissions": ["a", "c"]}, False),
    ("/combined", {"permissions": ["x"]}, True),
    ("/combined", {"permissions": ["x"], "banned": True}, False),
    ("/combined", {"is_staff": True, "banned": True}, True),
    ("/scope", {"scope": "read write", "org": {"roles": ["dev"]}}, True),
    ("/scope", {"scope": "read write", "org": {"roles": ["dev", "intern"]}}, False),
    ("/scope", {"scope": "read", "org": {"roles": ["dev"]}}, False),
])
def test_guard_matrix(client_for, path, claims, allowed):
    r = client_for(api).get(path, headers=bearer(token(**claims)))
    assert r.status_code == (200 if allowed else 403), r.content


def test_router_guards_and_route_overrides(client_for):
    c = client_for(api)
    assert c.get("/staff/public").status_code == 200
    assert c.get("/staff").status_code == 401


def test_anonymous_requests_on_open_routes_have_no_context(client_for):
    r = client_for(api).get("/open", headers=bearer("garbage"))
    assert r.json() == {"context": None, "user": None}


def test_request_user_is_loaded_lazily_by_the_backend(client_for):
    c = client_for(api)
    Loading.loaded.clear()
    assert c.get("/me", headers=bearer(token())).status_code == 200
    assert Loading.loaded == []  # the handler never asked for the user
    assert c.get("/user", headers=bearer(token(sub="42"))).json() == {"username": "user42"}
    assert Loading.loaded == ["42"]
    assert c.get("/current", headers=bearer(token(sub="5"))).json() == {"user": "user5"}
    assert c.get("/current").json() == {"user": None}


def test_api_keys(client_for):
    c = client_for(api)
    for value in ("k1", "Bearer k1", "ApiKey k1"):
        ctx = c.get("/key", headers={"X-API-Key": value}).json()
        assert ctx["user_id"] == "apikey:k1" and ctx["auth_backend"] == "api_key"
        assert ctx["permissions"] == ["books.view"] and ctx["auth_claims"] is None
    status, _, body = answered_in_rust(c, "GET", "/key", {"X-API-Key": "k2"})
    assert (status, json.loads(body)) == (403, DENIED_403)
    status, _, _ = answered_in_rust(c, "GET", "/key", {"X-API-Key": "k3"})
    assert status == 401


def test_revoked_tokens_are_no_credentials(client_for):
    c = client_for(api)
    good = Token.create("9", jti="live-1").encode(SECRET)
    revoked = Token.create("9", jti="gone-1").encode(SECRET)
    revocations.revoke("gone-1")
    assert c.get("/revocable", headers=bearer(good)).status_code == 200
    r = c.get("/revocable", headers=bearer(revoked))
    assert (r.status_code, r.json()) == (401, DENIED_401)
    assert c.get("/revocable/open", headers=bearer(revoked)).json() == {"authenticated": False}
    assert c.get("/revocable/open", headers=bearer(good)).json() == {"authenticated": True}
    # In Django's cache (shared by processes when the cache is).
    DjangoCacheRevocation(key_prefix="test-revoked:").revoke("gone-2", expires_in=60)
    assert c.get("/revocable/cache", headers=bearer(Token.create("9", jti="gone-2").encode(SECRET))).status_code == 401
    assert c.get("/revocable/cache", headers=bearer(good)).status_code == 200


@pytest.mark.parametrize(("route", "private", "algorithm"), [
    ("rsa", "rsa.pem", "RS256"), ("rsa", "rsa.pem", "PS256"), ("ec", "ec.pem", "ES256"), ("ed", "ed.pem", "EdDSA"),
])
def test_asymmetric_algorithms(client_for, route, private, algorithm):
    c = client_for(api)
    signed = Token.create("1").encode(key(private), algorithm)
    assert c.get(f"/alg/{route}", headers=bearer(signed)).text == "signed"
    # The same claims signed with the HMAC secret: refused (no algorithm confusion).
    forged = Token.create("1").encode(key(private.replace(".pem", ".pub.pem")), "HS256")
    assert c.get(f"/alg/{route}", headers=bearer(forged)).status_code == 401
    assert Token.decode(signed, key(private.replace(".pem", ".pub.pem")), [algorithm]).sub == "1"


def test_jwks_picks_the_key_by_kid(client_for):
    c = client_for(api)
    assert c.get("/jwks", headers=bearer(Token.create("1").encode("jwks-secret", kid="one"))).status_code == 200
    assert c.get("/jwks", headers=bearer(Token.create("1").encode("jwks-secret", kid="two"))).status_code == 401


def test_audience_issuer_and_leeway(client_for):
    c = client_for(api)
    now = int(time.time())
    ok = token(aud="api", iss="bolt")
    assert c.get("/audience", headers=bearer(ok)).status_code == 200
    assert c.get("/audience", headers=bearer(token(aud="api", iss="bolt", exp=now - 10))).status_code == 200
    for claims in ({"aud": "web", "iss": "bolt"}, {"aud": "api", "iss": "evil"}, {"aud": "api", "iss": "bolt",
                                                                                    "exp": now - 120}):
        assert c.get("/audience", headers=bearer(token(**claims))).status_code == 401, claims


def test_token_round_trip_and_errors():
    made = Token.create(3, expires_in=60, issuer="bolt", permissions=["p"], is_staff=True, team="t")
    claims = Token.decode(made.encode(SECRET), SECRET, issuer="bolt")
    assert (claims.sub, claims.permissions, claims.is_staff, claims.extras) == ("3", ["p"], True, {"team": "t"})
    with pytest.raises(ValueError, match="(?i)signature"):
        Token.decode(made.encode(SECRET), "wrong")
    with pytest.raises(ValueError, match="(?i)expired"):
        Token.decode(Token.from_claims({"sub": "1", "exp": 1}).encode(SECRET), SECRET)


@pytest.mark.django_db
def test_create_jwt_for_user_and_the_default_user_loader(client_for):
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.create_user("ada", "ada@example.com", "pw", is_staff=True)
    tok = create_jwt_for_user(person, secret=SECRET, extra_claims={"permissions": ["books.view"]})
    claims = Token.decode(tok, SECRET)
    assert claims.sub == str(person.pk) and claims.is_staff and claims.permissions == ["books.view"]
    assert claims.extras["username"] == "ada" and claims.extras["email"] == "ada@example.com" and claims.jti
    plain = BoltAPI(auth=[JWTAuthentication(secret=SECRET)])

    @plain.get("/who", guards=[IsAuthenticated()])
    def who(request: Request) -> dict:
        return {"username": request.user.username}

    assert client_for(plain).get("/who", headers=bearer(tok)).json() == {"username": "ada"}


def test_settings_defaults_apply_to_routes_without_auth(client_for, settings):
    settings.BOLT_AUTHENTICATION_CLASSES = [JWTAuthentication(secret=SECRET)]
    settings.BOLT_DEFAULT_PERMISSION_CLASSES = [IsAuthenticated()]
    defaults = BoltAPI()

    @defaults.get("/d")
    def d() -> str:
        return "d"

    @defaults.get("/open", guards=[AllowAny()])
    def o() -> str:
        return "o"

    c = client_for(defaults)
    assert c.get("/d").status_code == 401
    assert c.get("/d", headers=bearer(token())).text == "d"
    assert c.get("/open").text == "o"


def test_api_level_guards_and_route_overrides(client_for):
    guarded_api = BoltAPI(auth=[jwt], guards=[IsStaff()])

    @guarded_api.get("/g")
    def g() -> str:
        return "g"

    @guarded_api.get("/g/open", guards=[AllowAny()])
    def g_open() -> str:
        return "open"

    c = client_for(guarded_api)
    assert c.get("/g").status_code == 401
    assert c.get("/g", headers=bearer(token())).status_code == 403
    assert c.get("/g", headers=bearer(token(is_staff=True))).text == "g"
    assert c.get("/g/open").text == "open"


def test_configuration_errors_are_clear():
    from django_bolt.auth import BasePermission

    class Custom(BasePermission):
        def has_permission(self, request):
            return True

    with pytest.raises(TypeError, match="custom Python guards"):
        BoltAPI().get("/x", guards=[Custom()])(lambda: 1)
    with pytest.raises(TypeError, match="instance"):
        BoltAPI(auth=[JWTAuthentication])
    with pytest.raises(ValueError, match="unknown algorithm"):
        JWTAuthentication(algorithms=["HS1024"])
    from django_bolt.testing import TestClient

    broken = BoltAPI(auth=[JWTAuthentication(algorithms=["RS256"])])
    broken.get("/x", guards=[IsAuthenticated()])(lambda: 1)
    with pytest.raises(ValueError, match="public_key"):
        TestClient(broken)


def test_the_probe_sees_python_when_it_runs(client_for):
    from pure_rust import python_calls

    c = client_for(api)
    runtime = c.runtime
    headers = list(bearer(token()).items())
    (status, _, _, _), calls = python_calls(runtime.module.test_request, runtime.app, "GET", "/me", "", headers, b"")
    assert status == 200 and any(call.endswith(":me") for call in calls)


# --- SessionAuthentication: Django's session login ----------------------------------------------

session_api = BoltAPI(auth=[JWTAuthentication(secret=SECRET), SessionAuthentication()])


@session_api.get("/s", guards=[IsAuthenticated()])
def session_route(request: Request) -> dict:
    return {"backend": request.context["auth_backend"], "user_id": request.context["user_id"]}


@session_api.get("/s/staff", guards=[IsStaff() | HasPermission("auth.view_user")])
def session_staff(request: Request) -> dict:
    return {"permissions": request.context["permissions"]}


def session_cookie(user) -> dict[str, str]:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}"}


@pytest.mark.django_db
def test_session_users_pass_the_guards(client_for):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    c = client_for(session_api)
    users = get_user_model().objects
    alan = users.create_user("alan", password="pw")
    r = c.get("/s", headers=session_cookie(alan))
    assert r.json() == {"backend": "session", "user_id": str(alan.pk)}
    r = c.get("/s/staff", headers=session_cookie(alan))
    assert (r.status_code, r.json()) == (403, DENIED_403)
    alan.user_permissions.add(Permission.objects.get(codename="view_user"))
    assert c.get("/s/staff", headers=session_cookie(alan)).json() == {"permissions": ["auth.view_user"]}
    r = c.get("/s")
    assert (r.status_code, r.json()) == (401, DENIED_401)
    # A token is still checked in Rust, before Python.
    status, _, body = answered_in_rust(c, "GET", "/s/staff", bearer(token()))
    assert (status, json.loads(body)) == (403, DENIED_403)
    assert c.get("/s", headers=bearer(token())).json() == {"backend": "jwt", "user_id": "7"}


inner_session = BoltAPI(auth=[SessionAuthentication()])


@inner_session.get("/inner")
def inner_route(request: Request) -> dict:
    return {"user_id": request.context["user_id"]}


@inner_session.post("/inner/post")
def inner_post() -> dict:
    return {"posted": True}


@inner_session.get("/inner/raises")
def inner_raises() -> dict:
    from django_bolt.exceptions import NotFound

    raise NotFound("nothing here")


outer_session = BoltAPI(guards=[IsStaff()])
outer_session.mount("/m", inner_session)


@pytest.mark.django_db
def test_mounted_session_routes_keep_the_outer_guards_csrf_and_error_shapes(client_for):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    plain_user = users.create_user("pat", password="pw")
    staff_user = users.create_user("sam", password="pw", is_staff=True)
    inner, outer = client_for(inner_session), client_for(outer_session)
    assert inner.get("/inner", headers=session_cookie(plain_user)).json() == {"user_id": str(plain_user.pk)}
    r = outer.get("/m/inner", headers=session_cookie(plain_user))
    assert (r.status_code, r.json()) == (403, DENIED_403)
    assert outer.get("/m/inner", headers=session_cookie(staff_user)).status_code == 200
    # The session stack added for SessionAuthentication checks CSRF on unsafe methods.
    assert inner.post("/inner/post", headers=session_cookie(plain_user)).status_code == 403
    csrf = {**session_cookie(plain_user), "X-CSRFToken": "z" * 32}
    csrf["Cookie"] += "; csrftoken=" + "z" * 32
    assert inner.post("/inner/post", headers=csrf).json() == {"posted": True}
    # A handler's HTTPException keeps its shape behind Django's middleware.
    r = inner.get("/inner/raises", headers=session_cookie(plain_user))
    assert (r.status_code, r.json()) == (404, {"detail": "nothing here"})


def test_token_decode_refuses_mixed_algorithm_families():
    public = key("rsa.pub.pem")
    forged = Token.create("1").encode(public, "HS256")  # signed with the public key as a secret
    with pytest.raises(ValueError, match="all HS"):
        Token.decode(forged, public, ["RS256", "HS256"])
