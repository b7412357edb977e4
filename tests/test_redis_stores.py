"""The Redis stores against a real redis-server (the `redis_url` fixture starts one): rate
limits shared by every app (worker process) using the same Redis, and revoked tokens read
by the runtime itself, in both tables. A Redis that is down admits requests (limits) and
refuses tokens (revocation), each with a logged warning."""

from __future__ import annotations

import uuid

import pytest
from django_bolt import BoltAPI
from django_bolt.auth import IsAuthenticated, JWTAuthentication, RedisRevocation, Token
from django_bolt.middleware import rate_limit
from django_bolt.testing import TestClient
from pure_rust import answered_in_rust

SECRET = "redis-secret-0123456789"
PREFIX = "bolt:test-revoked:"

api = BoltAPI()


@api.get("/limited")
@rate_limit(rps=1, burst=3, key="x-client")
def limited() -> str:
    return "ok"


def revocable_api(url: str) -> BoltAPI:
    revocable = BoltAPI(auth=[JWTAuthentication(secret=SECRET, revocation_store=RedisRevocation(url, PREFIX))])

    @revocable.get("/secure", guards=[IsAuthenticated()])
    def secure() -> str:
        return "secure"

    return revocable


@pytest.fixture
def redis_store(settings, redis_url):
    settings.BOLT_RATE_LIMIT_STORE = redis_url
    return redis_url


def test_the_limit_is_shared_by_every_app_on_the_redis(client_for, redis_store):
    client = {"X-Client": uuid.uuid4().hex}
    first, second = client_for(api), client_for(api)  # two apps: two worker processes' worth
    statuses = [c.get("/limited", headers=client).status_code for c in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]
    status, headers, _ = answered_in_rust(second, "GET", "/limited", client)
    assert status == 429 and int(headers["retry-after"]) >= 1


def test_memory_store_is_per_app(client_for, settings):
    settings.BOLT_RATE_LIMIT_STORE = "memory"
    client = {"X-Client": "same"}
    first, second = client_for(api), client_for(api)
    assert [first.get("/limited", headers=client).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get("/limited", headers=client).status_code == 200


def test_redis_down_admits_requests_and_warns(client_for, settings, capfd):
    settings.BOLT_RATE_LIMIT_STORE = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    c = client_for(api)
    assert [c.get("/limited", headers={"X-Client": "x"}).status_code for _ in range(5)] == [200] * 5
    assert "Redis rate limit check failed" in capfd.readouterr().err


def test_revoked_tokens_in_redis_are_refused_without_python(client_for, redis_url):
    import redis

    c = client_for(revocable_api(redis_url))
    live, gone = Token.create("1", jti=uuid.uuid4().hex), Token.create("1", jti=uuid.uuid4().hex)
    RedisRevocation(redis_url, PREFIX).revoke(gone.jti, expires_in=60)
    assert redis.Redis.from_url(redis_url).ttl(PREFIX + gone.jti) > 0
    assert c.get("/secure", headers={"Authorization": f"Bearer {live.encode(SECRET)}"}).text == "secure"
    status, _, _ = answered_in_rust(c, "GET", "/secure", {"Authorization": f"Bearer {gone.encode(SECRET)}"})
    assert status == 401


def test_unreachable_revocation_store_fails_closed(client_for, capfd):
    c = client_for(revocable_api("redis://127.0.0.1:1/0"))
    token = Token.create("1").encode(SECRET)
    assert c.get("/secure", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "Redis revocation check failed" in capfd.readouterr().err


def test_bad_store_setting_is_a_clear_error(settings):
    settings.BOLT_RATE_LIMIT_STORE = "memcached://x"
    with pytest.raises(ValueError, match="BOLT_RATE_LIMIT_STORE"):
        TestClient(api)
