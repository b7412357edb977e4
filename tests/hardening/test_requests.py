"""Request-level defenses decided in Rust before the GIL, in both tables with the same bytes:
JSON media types (415), ALLOWED_HOSTS, DATA_UPLOAD_MAX_NUMBER_FIELDS, URL length, deep
nesting, non-finite numbers; and the response-side checks (status codes, header values,
database range errors)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from django_bolt import BoltAPI
from django_bolt.exceptions import HTTPException
from django_bolt.responses import Response


class Note(msgspec.Struct):
    title: str
    extra: Any = None


api = BoltAPI()


@api.post("/notes")
def create_note(note: Note) -> dict:
    return {"title": note.title}


@api.get("/raw")
def raw_body() -> dict:
    return {"ok": True}


@api.get("/measure")
def measure(x: float, d: Decimal = Decimal("0")) -> dict:
    return {"x": x, "d": str(d)}


@api.get("/bad-header")
def bad_header() -> Response:
    return Response({"ok": True}, headers={"x-injected": "a\r\nset-cookie: evil=1"})


@api.get("/late-status")
def late_status() -> Response:
    response = Response({"secret": "handler body"})
    response.status_code = 1000
    return response


@api.get("/overflow/{n}")
def overflow(n: int) -> dict:
    raise OverflowError("Python int too large to convert to SQLite INTEGER")


JSON_415 = b'{"detail":"Unsupported Media Type: a JSON body needs Content-Type: application/json"}'


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonx"])
def test_json_body_needs_a_json_media_type(client_for, content_type):
    # Defect 9: a cross-site form can POST text/plain; it must never reach the handler.
    client = client_for(api)
    response = client.post("/notes", content=b'{"title": "t"}', headers={"content-type": content_type})
    assert response.status_code == 415
    assert response.content == JSON_415


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "application/vnd.api+json", None])
def test_json_media_types_and_no_header_are_accepted(client_for, content_type):
    client = client_for(api)
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/notes", content=b'{"title": "t"}', headers=headers)
    assert response.status_code == 200 and response.json() == {"title": "t"}


def test_allowed_hosts_is_enforced(client_for, settings):
    # Defect 10: Django answers a host outside ALLOWED_HOSTS with 400.
    settings.ALLOWED_HOSTS = ["example.com", ".example.org"]
    client = client_for(api)
    for host, status in [("evil.example", 400), ("example.com", 200), ("example.com:8000", 200),
                         ("api.example.org", 200), ("example.com.evil", 400), ("testserver", 200)]:
        response = client.get("/raw", headers={"host": host})
        assert response.status_code == status, host
        if status == 400:
            assert response.content == b'{"detail":"Invalid Host header"}'


def test_empty_allowed_hosts_with_debug_allows_only_local_names(client_for, settings):
    settings.ALLOWED_HOSTS = []
    settings.DEBUG = True
    client = client_for(api)
    assert client.get("/raw", headers={"host": "localhost:8000"}).status_code == 200
    assert client.get("/raw", headers={"host": "evil.example"}).status_code == 400


def test_forwarded_host_is_read_only_when_configured(client_for, settings):
    settings.ALLOWED_HOSTS = ["example.com"]
    client = client_for(api)
    assert client.get("/raw", headers={"host": "example.com", "x-forwarded-host": "evil.example"}).status_code == 200
    settings.USE_X_FORWARDED_HOST = True
    forwarded = client_for(api)
    assert forwarded.get("/raw", headers={"host": "example.com", "x-forwarded-host": "evil.example"}).status_code == 400


def test_too_many_query_fields(client_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    client = client_for(api)
    assert client.get("/raw?" + "&".join(["a=1"] * 100)).status_code == 200
    response = client.get("/raw?" + "&".join(["a=1"] * 101))
    assert response.status_code == 400
    assert response.json() == {"detail": "The number of GET/POST parameters exceeded "
                                         "settings.DATA_UPLOAD_MAX_NUMBER_FIELDS (100)"}


def test_default_query_field_limit_is_djangos(client_for):
    client = client_for(api)
    # 1,000 fields (DATA_UPLOAD_MAX_NUMBER_FIELDS' default) pass, one more does not
    assert client.get("/raw?" + "&".join(["a"] * 1000)).status_code == 200
    assert client.get("/raw?" + "&".join(["a"] * 1001)).status_code == 400


def test_over_long_urls_are_414(client_for, settings):
    settings.BOLT_MAX_URL_LENGTH = 200
    client = client_for(api)
    assert client.get("/raw?q=" + "a" * 150).status_code == 200
    response = client.get("/raw?q=" + "a" * 200)
    assert response.status_code == 414 and response.content == b'{"detail":"URI Too Long"}'


def test_deep_nesting_in_an_untyped_field_is_a_422_from_rust(client_for, caplog):
    # Defect 5: 999 levels inside an `Any` field ended in a RecursionError (500) per request.
    client = client_for(api)
    body = b'{"title": "t", "extra": ' + b"[" * 999 + b"]" * 999 + b"}"
    for _ in range(3):
        response = client.post("/notes", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422
        (issue,) = response.json()["detail"]
        assert issue["type"] == "json_invalid" and "recursion limit exceeded" in issue["msg"]
    assert "RecursionError" not in caplog.text and "Traceback" not in caplog.text
    nested = b'{"title": "t", "extra": ' + b"[" * 100 + b"]" * 100 + b"}"
    assert client.post("/notes", content=nested, headers={"content-type": "application/json"}).status_code == 200


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "1e400"])
def test_non_finite_float_params_are_rejected(client_for, value):
    client = client_for(api)
    response = client.get(f"/measure?x={value}")
    assert response.status_code == 422, response.text
    assert client.get("/measure?x=1.5").json() == {"x": 1.5, "d": "0"}


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-inf"])
def test_non_finite_decimal_params_are_rejected(client_for, value):
    client = client_for(api)
    assert client.get(f"/measure?x=1&d={value}").status_code == 422
    assert client.get("/measure?x=1&d=2.50").json() == {"x": 1.0, "d": "2.50"}


def test_header_with_cr_lf_is_a_json_500_and_logged(client_for, caplog):
    # Defect 12: the injected header never goes out; the client gets the JSON 500.
    client = client_for(api)
    response = client.get("/bad-header")
    assert response.status_code == 500
    assert response.content == b'{"detail":"Internal Server Error"}'
    assert "set-cookie" not in response.headers
    assert "CR, LF or NUL" in caplog.text


def test_status_set_after_construction_is_checked_when_sent(client_for):
    client = client_for(api)
    response = client.get("/late-status")
    assert response.status_code == 500
    assert b"handler body" not in response.content


@pytest.mark.parametrize("status", [999, 1000, 99, 0, -1, True])
def test_status_codes_are_validated_at_construction(status):
    with pytest.raises(ValueError, match="HTTP status code"):
        HTTPException(status, "x")
    with pytest.raises(ValueError, match="HTTP status code"):
        Response({}, status_code=status)


def test_valid_unnamed_status_codes_still_work():
    assert HTTPException(599).detail == "HTTP 599"
    assert Response({}, status_code=299).status_code == 299


def test_database_range_errors_are_422(client_for):
    # Defect 11: an int the database cannot store is the client's error, not a 500.
    client = client_for(api)
    response = client.get(f"/overflow/{2**70}")
    assert response.status_code == 422
    assert response.content == b'{"detail":"Value out of range for the database"}'


def test_data_upload_max_memory_size_applies_when_the_project_sets_it(client_for, settings):
    # Defect 10: Django's request-body limit, where it applies (JSON bodies here; form bodies
    # come with form parsing).
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    client = client_for(api)
    small = b'{"title": "' + b"x" * 50 + b'"}'
    large = b'{"title": "' + b"x" * 150 + b'"}'
    headers = {"content-type": "application/json"}
    assert client.post("/notes", content=small, headers=headers).status_code == 200
    response = client.post("/notes", content=large, headers=headers)
    assert response.status_code == 413 and response.content == b'{"detail":"Request body too large"}'


def test_djangos_default_upload_limit_is_not_imposed(client_for):
    client = client_for(api)
    body = b'{"title": "' + b"x" * 3_000_000 + b'"}'  # over Django's 2.5 MB default
    response = client.post("/notes", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200


def test_header_count_and_size_limits_are_431(client_for, settings):
    settings.BOLT_MAX_HEADER_SIZE = 100
    client = client_for(api)
    r = client.get("/notes", headers={"x-big": "v" * 101})
    assert (r.status_code, r.content) == (431, b'{"detail":"Header value too large (max 100 bytes)"}')
    many = [(f"x-h{i}", "1") for i in range(101)]
    r = client.get("/notes", headers=many)
    assert (r.status_code, r.content) == (431, b'{"detail":"Too many headers"}')
    assert client.get("/notes", headers={"x-ok": "v" * 100}).status_code == 405
