"""CORS, compression and rate limits in Rust, in both tables: one way out for every answer
(404, 405, 422, 500, redirects, auth failures), per-route overrides from the manifest, and
preflights and 429s answered without entering Python."""

from __future__ import annotations

import gzip
import json

import pytest
from django_bolt import BoltAPI, Request
from django_bolt.auth import IsAuthenticated, JWTAuthentication, Token
from django_bolt.middleware import CompressionConfig, cors, no_compress, rate_limit, skip_middleware
from django_bolt.responses import StreamingResponse
from pure_rust import answered_in_rust

SECRET = "mw-secret-0123456789"
ORIGIN = "https://app.example.com"
BIG = {"items": [{"id": i, "name": f"item number {i}", "tags": ["a", "b", "c"]} for i in range(400)]}

api = BoltAPI(compression=CompressionConfig(backend="gzip", minimum_size=500),
              auth=[JWTAuthentication(secret=SECRET)])


@api.get("/small")
def small() -> dict:
    return {"ok": True}


@api.get("/big")
def big() -> dict:
    return BIG


@api.get("/big/plain")
@no_compress
def big_plain() -> dict:
    return BIG


@api.get("/items/{item_id}")
def item(item_id: int) -> dict:
    return {"id": item_id}


@api.post("/items")
def create(payload: dict) -> dict:
    return payload


@api.get("/boom")
def boom() -> dict:
    raise RuntimeError("boom")


@api.get("/private", guards=[IsAuthenticated()])
def private() -> str:
    return "private"


@api.get("/own-cors")
@cors(origins=["https://partner.example.org"], methods=["GET", "PUT"], headers=["x-token"], credentials=True,
      max_age=60, expose_headers=["X-Total"])
def own_cors() -> str:
    return "own"


@api.put("/own-cors")
def own_cors_put() -> str:
    return "put"


@api.get("/no-cors")
@skip_middleware("cors")
def no_cors() -> str:
    return "none"


@api.get("/limited")
@rate_limit(rps=1, burst=2)
def limited() -> str:
    return "limited"


@api.get("/limited/header")
@rate_limit(rps=1, burst=1, key="X-Client")
def limited_by_header() -> str:
    return "ok"


@api.get("/limited/user")
@rate_limit(rps=1, burst=1, key="user")
def limited_by_user(request: Request) -> str:
    return "ok"


@api.get("/limited/skipped")
@rate_limit(rps=1, burst=1)
@skip_middleware("rate_limit", "compression")
def limited_skipped() -> dict:
    return BIG


@api.get("/stream")
def stream() -> StreamingResponse:
    return StreamingResponse((f"line {i}\n" * 40 for i in range(5)), media_type="text/plain")


@pytest.fixture
def cors_settings(settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    settings.CORS_ALLOWED_ORIGIN_REGEXES = [r"https://\w+\.preview\.example\.com"]
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_EXPOSE_HEADERS = ["X-Request-ID"]
    settings.CORS_PREFLIGHT_MAX_AGE = 600
    return settings


def preflight(origin: str = ORIGIN, method: str = "POST", headers: str | None = "content-type") -> dict[str, str]:
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return sent


# --- CORS -------------------------------------------------------------------------------------

def test_preflight_is_answered_without_python(client_for, cors_settings):
    c = client_for(api)
    status, headers, body = answered_in_rust(c, "OPTIONS", "/items", preflight())
    assert (status, body) == (204, b"")
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-allow-methods"] == "DELETE, GET, OPTIONS, PATCH, POST, PUT"
    assert headers["access-control-allow-headers"] == "content-type"
    assert headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-max-age"] == "600"
    assert "Origin" in headers["vary"]
    # A regex origin, on a path only POST serves, and on a path no route serves.
    status, headers, _ = answered_in_rust(c, "OPTIONS", "/items", preflight("https://pr7.preview.example.com"))
    assert status == 204 and headers["access-control-allow-origin"] == "https://pr7.preview.example.com"
    assert answered_in_rust(c, "OPTIONS", "/nowhere", preflight())[0] == 204


@pytest.mark.parametrize(("sent", "detail"), [
    (preflight("https://evil.example.net"), 'CORS origin "https://evil.example.net" is not allowed'),
    (preflight(method="TRACE"), 'CORS method "TRACE" is not allowed'),
    (preflight(headers="content-type, x-secret"), 'CORS header "x-secret" is not allowed'),
])
def test_refused_preflights_say_why_without_python(client_for, cors_settings, sent, detail):
    status, headers, body = answered_in_rust(client_for(api), "OPTIONS", "/items", sent)
    assert (status, json.loads(body)) == (403, {"detail": detail})
    assert "access-control-allow-origin" not in headers


def test_every_answer_carries_cors_headers(client_for, cors_settings):
    c = client_for(api)
    sent = {"Origin": ORIGIN}
    answers = {
        "/small": 200, "/nowhere": 404, "/items/x": 422, "/boom": 500, "/private": 401, "/small/": 308,
    }
    for path, status in answers.items():
        r = c.get(path, headers=sent, follow_redirects=False)
        assert r.status_code == status, path
        assert r.headers["access-control-allow-origin"] == ORIGIN, path
        assert r.headers["access-control-allow-credentials"] == "true", path
        assert r.headers["access-control-expose-headers"] == "X-Request-ID", path
        assert "Origin" in r.headers["vary"], path
    r = c.delete("/items", headers=sent)
    assert r.status_code == 405 and r.headers["access-control-allow-origin"] == ORIGIN
    # An origin that is not allowed gets no grant, but the answer still varies by Origin.
    r = c.get("/small", headers={"Origin": "https://evil.example.net"})
    assert "access-control-allow-origin" not in r.headers and r.headers["vary"] == "Origin"


def test_route_cors_replaces_the_global_policy(client_for, cors_settings):
    c = client_for(api)
    partner = "https://partner.example.org"
    status, headers, _ = answered_in_rust(c, "OPTIONS", "/own-cors", preflight(partner, "GET", "X-Token"))
    assert status == 204 and headers["access-control-max-age"] == "60"
    assert headers["access-control-allow-methods"] == "GET, PUT"
    assert answered_in_rust(c, "OPTIONS", "/own-cors", preflight(ORIGIN, "GET", None))[0] == 403
    # The preflight is for the route of the method asked: PUT /own-cors has the global policy.
    assert answered_in_rust(c, "OPTIONS", "/own-cors", preflight(partner, "PUT", None))[0] == 403
    assert answered_in_rust(c, "OPTIONS", "/own-cors", preflight(ORIGIN, "PUT", None))[0] == 204
    r = c.get("/own-cors", headers={"Origin": partner})
    assert r.headers["access-control-allow-origin"] == partner
    assert r.headers["access-control-expose-headers"] == "X-Total"
    assert "access-control-allow-origin" not in c.get("/own-cors", headers={"Origin": ORIGIN}).headers
    r = c.get("/no-cors", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in r.headers and "vary" not in r.headers


def test_without_cors_settings_nothing_is_added(client_for):
    r = client_for(api).get("/small", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in r.headers and "vary" not in r.headers
    # A preflight is then an ordinary OPTIONS request.
    r = client_for(api).options("/items", headers=preflight())
    assert r.status_code == 204 and r.headers["allow"] == "OPTIONS, POST"


def test_allow_all_with_credentials_reflects_the_origin(client_for, settings):
    settings.CORS_ALLOW_ALL_ORIGINS = True
    settings.CORS_ALLOW_CREDENTIALS = True
    with pytest.warns(RuntimeWarning, match="reflected"):
        c = client_for(api)
    r = c.get("/small", headers={"Origin": "https://anyone.example"})
    assert r.headers["access-control-allow-origin"] == "https://anyone.example"
    assert r.headers["access-control-allow-credentials"] == "true"


def test_cors_decorator_checks_its_arguments():
    with pytest.raises(ValueError, match="origins"):
        cors()
    with pytest.warns(RuntimeWarning, match="wildcard"):
        cors(origins=["*"], credentials=True)


# --- compression ------------------------------------------------------------------------------

def raw(c, path: str, accept: str) -> tuple[int, dict[str, str], bytes]:
    status, headers, body, _ = c.runtime.test_request("GET", path, "", [("accept-encoding", accept)], b"")
    return status, dict(headers), bytes(body)


def test_large_json_is_compressed_when_accepted(client_for):
    c = client_for(api)
    expected = json.dumps(BIG, separators=(",", ":")).encode()
    status, headers, body = raw(c, "/big", "br;q=0.5, gzip")
    assert status == 200 and headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == expected and len(body) < len(expected) / 4
    status, headers, body = raw(c, "/big", "identity")
    assert body == expected and "content-encoding" not in headers and headers["vary"] == "Accept-Encoding"
    assert c.get("/big").json() == BIG  # httpx asks for gzip and decodes it


def test_small_opted_out_and_skipped_responses_are_not_compressed(client_for):
    c = client_for(api)
    for path in ("/small", "/big/plain", "/limited/skipped"):
        status, headers, _ = raw(c, path, "gzip")
        assert status == 200 and "content-encoding" not in headers, path
    assert "vary" not in raw(c, "/big/plain", "gzip")[1]


@pytest.mark.parametrize("backend", ["brotli", "zstd"])
def test_other_backends(client_for, backend, settings):
    import brotli
    import zstandard

    settings.BOLT_COMPRESSION = CompressionConfig(backend=backend, minimum_size=10)
    token = {"brotli": "br", "zstd": "zstd"}[backend]
    c = client_for(api)
    status, headers, body = raw(c, "/big", f"gzip;q=0.8, {token}")
    assert headers["content-encoding"] == token
    decoded = brotli.decompress(body) if backend == "brotli" else zstandard.ZstdDecompressor().decompress(
        body, max_output_size=10**7)
    assert json.loads(decoded) == BIG
    assert raw(c, "/big", "gzip")[1]["content-encoding"] == "gzip"  # gzip_fallback


def test_compression_none_really_disables_it(client_for, settings):
    settings.BOLT_COMPRESSION = None
    assert "content-encoding" not in raw(client_for(api), "/big", "gzip")[1]
    with pytest.raises(ValueError, match="backend"):
        CompressionConfig(backend="lzma")


# --- rate limits ------------------------------------------------------------------------------

def test_rate_limit_answers_429_without_python(client_for):
    c = client_for(api)
    sent = {"X-Forwarded-For": "203.0.113.9, 10.0.0.1"}
    assert [answered_in_rust(c, "GET", "/limited", sent)[0] for _ in range(0)] == []
    assert c.get("/limited", headers=sent).status_code == 200
    assert c.get("/limited", headers=sent).status_code == 200
    status, headers, body = answered_in_rust(c, "GET", "/limited", sent)
    assert status == 429
    assert json.loads(body) == {"detail": "Rate limit exceeded. Try again in 1 seconds.", "retry_after": 1}
    assert (headers["retry-after"], headers["x-ratelimit-limit"], headers["x-ratelimit-burst"]) == ("1", "1", "2")
    # Another client address has its own bucket.
    assert c.get("/limited", headers={"X-Real-IP": "198.51.100.1"}).status_code == 200


def test_rate_limit_keys(client_for):
    c = client_for(api)
    assert c.get("/limited/header", headers={"X-Client": "a"}).status_code == 200
    assert c.get("/limited/header", headers={"X-Client": "a"}).status_code == 429
    assert c.get("/limited/header", headers={"X-Client": "b"}).status_code == 200
    assert c.get("/limited/header", headers={"X-Client": "x" * 300}).status_code == 400
    alice = {"Authorization": "Bearer " + Token.create("alice").encode(SECRET)}
    bob = {"Authorization": "Bearer " + Token.create("bob").encode(SECRET)}
    assert c.get("/limited/user", headers=alice).status_code == 200
    assert c.get("/limited/user", headers=alice).status_code == 429
    assert c.get("/limited/user", headers=bob).status_code == 200
    for _ in range(3):
        assert c.get("/limited/skipped").status_code == 200


def test_rate_limit_checks_its_arguments():
    with pytest.raises(ValueError, match="rps"):
        rate_limit(rps=0)
    with pytest.raises(ValueError, match="key"):
        rate_limit(key="")


@api.get("/limited/guarded", guards=[IsAuthenticated()])
@rate_limit(rps=1, burst=2, key="user")
def limited_guarded() -> str:
    return "ok"


@api.get("/tagged")
def tagged():
    from django_bolt import JSON

    return JSON(BIG, headers={"ETag": '"v1"'})


def test_refused_attempts_count_against_a_per_user_limit(client_for):
    c = client_for(api)
    sent = {"X-Forwarded-For": "192.0.2.77", "Authorization": "Bearer wrong"}
    assert [c.get("/limited/guarded", headers=sent).status_code for _ in range(3)] == [401, 401, 429]


def test_forwarded_addresses_are_ignored_when_not_trusted(client_for, settings):
    settings.BOLT_RATE_LIMIT_TRUST_FORWARDED = False
    c = client_for(api)
    statuses = [c.get("/limited", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(3)]
    assert statuses == [200, 200, 429]  # one client (the test transport has no peer), whatever it claims


def test_compressed_bodies_weaken_a_strong_etag(client_for):
    status, headers, _ = raw(client_for(api), "/tagged", "gzip")
    assert headers["content-encoding"] == "gzip" and headers["etag"] == 'W/"v1"'
    assert raw(client_for(api), "/tagged", "identity")[1]["etag"] == '"v1"'
