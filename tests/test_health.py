"""`django_bolt.health`: /health and /ready with the default database check and custom
checks (sync and async; an exception is unhealthy), in both tables."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI
from django_bolt.health import HealthCheck, register_health_checks

STATE = {"cache": True}


def cache_up() -> tuple[bool, str]:
    return STATE["cache"], "cache" if STATE["cache"] else "cache down"


async def queue_up() -> tuple[bool, str]:
    return True, "queue ok"


def broken() -> tuple[bool, str]:
    raise ConnectionError("refused")


custom = HealthCheck()
custom.add_check(cache_up)
custom.add_check(queue_up)
api = BoltAPI()
register_health_checks(api, custom)
default_api = BoltAPI()
register_health_checks(default_api)
failing = HealthCheck()
failing.add_check(broken)
failing_api = BoltAPI()
register_health_checks(failing_api, failing, health_path="/livez", ready_path="/readyz")


def test_health_and_ready(client_for):
    c = client_for(api)
    assert c.get("/health").json() == {"status": "ok"}
    STATE["cache"] = True
    assert c.get("/ready").json() == {"status": "healthy", "checks": {
        "cache_up": {"healthy": True, "message": "cache"}, "queue_up": {"healthy": True, "message": "queue ok"}}}
    STATE["cache"] = False
    r = c.get("/ready")
    assert r.status_code == 503 and r.json()["checks"]["cache_up"] == {"healthy": False, "message": "cache down"}
    STATE["cache"] = True


@pytest.mark.django_db
def test_the_default_check_is_the_database(client_for):
    r = client_for(default_api).get("/ready")
    assert r.json() == {"status": "healthy", "checks": {"check_database": {"healthy": True,
                                                                           "message": "databases reachable"}}}


def test_an_exception_is_unhealthy(client_for):
    c = client_for(failing_api)
    r = c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["broken"] == {"healthy": False, "message": "ConnectionError: refused"}
    assert c.get("/livez").json() == {"status": "ok"}
