"""Streamed, file, SSE, cookie and Django responses, through TestClient in both tables."""

from __future__ import annotations

import asyncio
import os

import pytest
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django_bolt import BoltAPI
from django_bolt.responses import (
    JSON,
    EventSourceResponse,
    FileResponse,
    PlainText,
    ServerSentEvent,
    StreamingResponse,
)

api = BoltAPI()
closed: list[str] = []


def numbers():
    try:
        yield "one,"
        yield b"two,"
        yield bytearray(b"three,")
        yield memoryview(b"four")
    finally:
        closed.append("sync")


async def async_numbers():
    try:
        for i in range(3):
            await asyncio.sleep(0)
            yield f"{i};"
    finally:
        closed.append("async")


@api.get("/sync")
def sync_stream() -> StreamingResponse:
    return StreamingResponse(numbers(), media_type="text/plain")


@api.get("/async")
async def async_stream() -> StreamingResponse:
    return StreamingResponse(async_numbers(), headers={"x-kind": "async"})


@api.get("/bad-chunk")
def bad_chunk():
    return StreamingResponse(iter([b"ok", 5]))


async def events():
    yield ServerSentEvent({"n": 1}, event="tick", id=1)
    yield ServerSentEvent("line one\nline two", retry=500)
    yield {"plain": True}
    yield "data: raw\n\n"


@api.get("/events")
async def sse() -> EventSourceResponse:
    return EventSourceResponse(events(), ping_interval=None)


FILE_BODY = bytes(range(256)) * 40  # 10240 bytes


@pytest.fixture
def data_file(tmp_path, settings):
    path = tmp_path / "files" / "report.bin"
    path.parent.mkdir()
    path.write_bytes(FILE_BODY)
    settings.BOLT_ALLOWED_FILE_PATHS = [str(path.parent)]
    return path


@api.get("/file")
def send_file(path: str, filename: str | None = None) -> FileResponse:
    return FileResponse(path, filename=filename)


@api.get("/cookies")
def cookies() -> JSON:
    response = JSON({"ok": True}, headers={"x-extra": "1"})
    response.set_cookie("a", "1", max_age=60, httponly=True, secure=True, samesite="Strict", domain="example.com")
    response.set_cookie("b", "2", samesite=False, path="/x")
    response.set_cookie("c", "3", expires="Wed, 02 Jan 2030 03:04:05 GMT")
    response.delete_cookie("old")
    return response


@api.get("/django/plain")
def django_plain():
    response = HttpResponse("hello", content_type="text/plain", status=201)
    response["X-Django"] = "yes"
    response.set_cookie("dj", "v")
    return response


@api.get("/django/json")
def django_json():
    return JsonResponse({"a": [1, 2]})


@api.get("/django/redirect")
def django_redirect():
    return HttpResponseRedirect("/django/json")


@api.get("/django/stream")
def django_stream():
    return StreamingHttpResponse(iter([b"a", b"b"]), content_type="text/plain")


@pytest.fixture(autouse=True)
def fresh():
    closed.clear()


def test_sync_and_async_generators_stream_every_chunk_type(client_for):
    client = client_for(api)
    r = client.get("/sync")
    assert (r.status_code, r.headers["content-type"], r.content) == (200, "text/plain", b"one,two,three,four")
    assert closed == ["sync"]
    r = client.get("/async")
    assert (r.content, r.headers["x-kind"]) == (b"0;1;2;", "async")
    assert closed == ["sync", "async"]


def test_stream_is_pulled_chunk_by_chunk_and_closing_runs_finally(client_for):
    client = client_for(api)
    with client.stream("GET", "/sync") as r:
        chunks = r.iter_bytes()
        assert next(chunks) == b"one,"
        assert closed == []
    assert closed == ["sync"]
    r = client.get("/async", stream=True)
    assert next(r.iter_bytes()) == b"0;"
    r.close()
    assert closed == ["sync", "async"]


def test_generator_function_instead_of_instance_is_a_type_error():
    with pytest.raises(TypeError, match=r"generator instance: call .*numbers\(\)"):
        StreamingResponse(numbers)
    with pytest.raises(TypeError, match="iterator"):
        StreamingResponse(5)


def test_a_bad_chunk_type_fails_the_stream(client_for):
    with pytest.raises(TypeError, match="not int"):
        client_for(api).get("/bad-chunk")


def test_server_sent_events_are_framed(client_for):
    r = client_for(api).get("/events")
    assert r.headers["content-type"] == "text/event-stream"
    assert r.headers["cache-control"] == "no-cache"
    assert r.content == (b'event: tick\nid: 1\ndata: {"n":1}\n\n'
                         b"retry: 500\ndata: line one\ndata: line two\n\n"
                         b'data: {"plain":true}\n\n'
                         b"data: raw\n\n")
    with pytest.raises(ValueError, match="line break"):
        ServerSentEvent("x", event="a\nb")


def test_file_response_validators_ranges_and_head(client_for, data_file):
    client = client_for(api)
    r = client.get("/file", params={"path": str(data_file), "filename": "Report 1.bin"})
    assert (r.status_code, r.content) == (200, FILE_BODY)
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == 'attachment; filename="Report 1.bin"'
    assert r.headers["accept-ranges"] == "bytes"
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    params = {"path": str(data_file)}
    assert client.get("/file", params=params, headers={"if-none-match": etag}).status_code == 304
    assert client.get("/file", params=params, headers={"if-modified-since": modified}).status_code == 304
    assert client.get("/file", params=params, headers={"if-none-match": '"other"'}).status_code == 200
    r = client.get("/file", params=params, headers={"range": "bytes=10-19"})
    assert (r.status_code, r.content, r.headers["content-range"]) == (206, FILE_BODY[10:20], "bytes 10-19/10240")
    r = client.get("/file", params=params, headers={"range": "bytes=-5"})
    assert (r.status_code, r.content) == (206, FILE_BODY[-5:])
    r = client.get("/file", params=params, headers={"range": "bytes=20000-"})
    assert (r.status_code, r.headers["content-range"]) == (416, "bytes */10240")
    r = client.get("/file", params=params, headers={"range": "bytes=0-1", "if-range": '"stale"'})
    assert (r.status_code, r.content) == (200, FILE_BODY)
    r = client.head("/file", params=params)
    assert (r.status_code, r.content, r.headers["etag"]) == (200, b"", etag)


def test_file_outside_the_allow_list_is_403_and_missing_is_404(client_for, data_file, tmp_path):
    client = client_for(api)
    outside = tmp_path / "secret.txt"
    outside.write_text("no")
    assert client.get("/file", params={"path": str(outside)}).status_code == 403
    link = data_file.parent / "link.txt"
    os.symlink(outside, link)
    assert client.get("/file", params={"path": str(link)}).status_code == 403
    encoded = str(data_file.parent / ".." / "secret.txt")
    assert client.get("/file", params={"path": encoded}).status_code == 403
    r = client.get("/file", params={"path": str(data_file.parent / "missing.bin")})
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})


def test_cookies_take_every_django_argument(client_for):
    r = client_for(api).get("/cookies")
    assert r.headers["x-extra"] == "1"
    cookies = r.headers.get_list("set-cookie")
    assert cookies[0].startswith("a=1; Domain=example.com; expires=")
    assert "HttpOnly; Max-Age=60; Path=/; SameSite=Strict; Secure" in cookies[0]
    assert cookies[1] == "b=2; Path=/x"
    assert cookies[2] == "c=3; expires=Wed, 02 Jan 2030 03:04:05 GMT; Path=/; SameSite=Lax"
    assert cookies[3] == 'old=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'


def test_django_responses_are_served_as_django_would(client_for):
    client = client_for(api)
    r = client.get("/django/plain")
    assert (r.status_code, r.content, r.headers["x-django"]) == (201, b"hello", "yes")
    assert r.headers["content-type"] == "text/plain"
    assert r.headers["set-cookie"] == "dj=v; Path=/"
    r = client.get("/django/json")
    assert (r.headers["content-type"], r.content) == ("application/json", b'{"a": [1, 2]}')
    r = client.get("/django/redirect", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (302, "/django/json")
    assert client.get("/django/stream").content == b"ab"


def test_plain_text_keeps_working(client_for):
    assert PlainText("x")._render()[3] is None


def test_async_test_client(table_mode):
    from django_bolt.testing import AsyncTestClient

    async def run() -> tuple[bytes, bytes, int]:
        async with AsyncTestClient(api, compiled=table_mode == "compiled") as client:
            streamed = await client.get("/async")
            plain = await client.get("/django/json")
            missing = await client.get("/nope")
            return streamed.content, plain.content, missing.status_code

    assert asyncio.run(run()) == (b"0;1;2;", b'{"a": [1, 2]}', 404)


def test_one_allowed_root_may_be_given_as_a_string(client_for, data_file, settings):
    settings.BOLT_ALLOWED_FILE_PATHS = str(data_file.parent)  # not a list: one root, not its characters
    assert client_for(api).get("/file", params={"path": str(data_file)}).content == FILE_BODY
    settings.BOLT_ALLOWED_FILE_PATHS = str(data_file.parent / "elsewhere")
    assert client_for(api).get("/file", params={"path": str(data_file)}).status_code == 403
