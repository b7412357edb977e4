"""The full Request object, in both tables: form/files, META, build_absolute_uri, auser,
state fallback, and `render` with a Django template that reads the request."""

from __future__ import annotations

from typing import Annotated

from django_bolt import BoltAPI, Form, Request
from django_bolt.shortcuts import render

api = BoltAPI()


@api.post("/echo")
async def echo(request: Request[None, None, dict], name: Annotated[str, Form()]) -> dict:
    request.state["seen"] = True
    return {
        "form": request.form, "files": {k: v.filename for k, v in request.files.items()},
        "meta": {k: request.META[k] for k in ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
                                               "SERVER_PORT", "CONTENT_TYPE", "HTTP_X_CUSTOM")},
        "absolute": request.build_absolute_uri(), "joined": request.build_absolute_uri("../other?x=1"),
        "user": await request.auser(), "fallback": request.seen, "item": request["form"]["name"],
    }


@api.get("/page/{slug}")
def page(request, slug: str):
    return render(request, "hello.html", {"slug": slug}, status=201)


LOCMEM = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "OPTIONS": {
    "context_processors": ["django.template.context_processors.request"],
    "loaders": [("django.template.loaders.locmem.Loader",
                 {"hello.html": "<p>{{ slug }} at {{ request.path }} via {{ request.META.REQUEST_METHOD }}</p>"})]}}]


def test_request_attributes(client_for):
    r = client_for(api).post("/echo?q=1", data={"name": "ann"}, files={"doc": ("d.txt", b"x")},
                             headers={"x-custom": "c", "host": "testserver:8080"})
    body = r.json()
    assert body["form"] == {"name": "ann"} and body["files"] == {"doc": "d.txt"}
    meta = body["meta"]
    assert meta["CONTENT_TYPE"].startswith("multipart/form-data; boundary=")
    assert {k: v for k, v in meta.items() if k != "CONTENT_TYPE"} == {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/echo", "QUERY_STRING": "q=1", "SERVER_NAME": "testserver",
        "SERVER_PORT": "8080", "HTTP_X_CUSTOM": "c"}
    assert body["absolute"] == "http://testserver:8080/echo?q=1"
    assert body["joined"] == "http://testserver:8080/other?x=1"
    assert (body["user"], body["fallback"], body["item"]) == (None, True, "ann")


def test_render_uses_django_templates_with_the_request(client_for, settings):
    settings.TEMPLATES = LOCMEM
    r = client_for(api).get("/page/intro")
    assert (r.status_code, r.headers["content-type"]) == (201, "text/html; charset=utf-8")
    assert r.text == "<p>intro at /page/intro via GET</p>"
