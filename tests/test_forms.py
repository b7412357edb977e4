"""Form fields, form models and uploads, parsed and checked in Rust (both tables)."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest
from django_bolt import BoltAPI, File, FileSize, Form, Request, UploadFile

api = BoltAPI()


@api.post("/login")
def login(username: Annotated[str, Form()], age: Annotated[int, Form(ge=0)] = 18,
          tags: Annotated[list[str], Form()] = []) -> dict:  # noqa: B006
    return {"username": username, "age": age, "tags": tags}


class Profile(msgspec.Struct):
    name: str
    avatar: UploadFile
    level: int = 1


@api.post("/profile")
async def profile(data: Annotated[Profile, Form()]) -> dict:
    content = await data.avatar.read()
    return {"name": data.name, "level": data.level, "avatar": [data.avatar.filename, data.avatar.content_type,
                                                             data.avatar.size, content.decode()]}


@api.post("/upload")
def upload(doc: Annotated[UploadFile, File(max_size=16, min_size=2, allowed_types=["text/*", "application/pdf"])],
           note: Annotated[str, Form()] = "") -> dict:
    return {"name": doc.filename, "size": doc.size, "note": note, "disk": doc.rolled_to_disk,
            "django_file": doc.file.name, "headers": sorted(doc.headers)}


@api.post("/many")
def many(files: Annotated[list[UploadFile], File(max_files=2)], request: Request) -> dict:
    return {"names": [f.filename for f in files], "form_keys": sorted(request.files)}


@api.post("/optional")
def optional(doc: Annotated[UploadFile | None, File()] = None) -> dict:
    return {"doc": None if doc is None else doc.filename}


@api.post("/big")
def big(doc: Annotated[UploadFile, File(max_size=FileSize.MB_2)]) -> dict:
    data = doc.read_sync()
    return {"size": len(data), "disk": doc.rolled_to_disk}


def test_urlencoded_and_multipart_fields_are_coerced(client_for):
    client = client_for(api)
    r = client.post("/login", data={"username": "ann", "age": "30", "tags": ["a", "b"]})
    assert r.json() == {"username": "ann", "age": 30, "tags": ["a", "b"]}
    r = client.post("/login", data={"username": "bob"}, files={"x": ("x.txt", b"ignored")})
    assert r.json() == {"username": "bob", "age": 18, "tags": []}


def test_form_errors_are_422_items(client_for):
    r = client_for(api).post("/login", data={"age": "-1"})
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"loc": ["body", "username"], "msg": "Missing required form field: username", "type": "missing"},
        {"loc": ["body", "age"], "msg": "Expected `int` >= 0", "type": "validation_error"}]


def test_form_model_with_an_upload(client_for):
    r = client_for(api).post("/profile", data={"name": "n", "level": "3"},
                             files={"avatar": ("me.txt", b"hello", "text/plain")})
    assert r.json() == {"name": "n", "level": 3, "avatar": ["me.txt", "text/plain", 5, "hello"]}


def test_upload_constraints_and_django_file(client_for):
    client = client_for(api)
    r = client.post("/upload", files={"doc": ("a.txt", b"some text", "text/plain")}, data={"note": "hi"})
    assert r.json() == {"name": "a.txt", "size": 9, "note": "hi", "disk": False, "django_file": "a.txt",
                        "headers": ["content-disposition", "content-type"]}
    cases = [
        (("a.txt", b"x" * 17, "text/plain"), "file_too_large", "File exceeds maximum size of 16 bytes"),
        (("a.txt", b"x", "text/plain"), "file_too_small", "File is smaller than minimum size of 2 bytes"),
        (("a.png", b"xx", "image/png"), "file_invalid_content_type",
         "File type 'image/png' not allowed. Allowed types: text/*, application/pdf"),
    ]
    for file, kind, msg in cases:
        r = client.post("/upload", files={"doc": file})
        assert (r.status_code, r.json()) == (422, {"detail": [{"loc": ["body", "doc"], "msg": msg, "type": kind}]})
    r = client.post("/upload", data={"note": "no file"})
    assert r.json() == {"detail": [{"loc": ["body", "doc"], "msg": "Missing required file: doc",
                                    "type": "file_missing"}]}


def test_several_files_and_max_files(client_for):
    client = client_for(api)
    two = [("files", ("a.txt", b"1")), ("files", ("b.txt", b"2"))]
    assert client.post("/many", files=two).json() == {"names": ["a.txt", "b.txt"], "form_keys": ["files"]}
    r = client.post("/many", files=[*two, ("files", ("c.txt", b"3"))])
    assert r.json()["detail"][0]["type"] == "file_too_many"
    assert client.post("/optional", files={"other": ("o", b"")}).json() == {"doc": None}


def test_upload_limit_and_spooling(client_for, settings):
    settings.BOLT_MAX_UPLOAD_SIZE = 1024
    settings.BOLT_MEMORY_SPOOL_THRESHOLD = 1024
    client = client_for(api)
    r = client.post("/big", files={"doc": ("b.bin", b"x" * 1_500_000)})
    assert r.json() == {"size": 1_500_000, "disk": True}
    r = client.post("/big", files={"doc": ("b.bin", b"x" * (3 * 1024 * 1024))})
    assert (r.status_code, r.json()) == (413, {"detail": "Request body too large"})
    # Without File(max_size=...), BOLT_MAX_UPLOAD_SIZE is the limit of the whole body.
    r = client.post("/profile", data={"name": "n"}, files={"avatar": ("a.txt", b"x" * 2000)})
    assert (r.status_code, r.json()) == (413, {"detail": "Request body too large"})
    # With it, the file's own limit decides, and names the field.
    r = client.post("/upload", files={"doc": ("a.txt", b"x" * 2000)})
    assert (r.status_code, r.json()["detail"][0]["type"]) == (422, "file_too_large")


def test_malformed_multipart_and_too_many_parts(client_for, settings):
    client = client_for(api)
    r = client.post("/upload", content=b"--x\r\nnonsense", headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 400 and r.json()["detail"].startswith("Malformed multipart body")
    parts = [("f", (f"{i}.txt", b"1")) for i in range(101)]
    settings.BOLT_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
    r = client_for(api).post("/many", files=parts)
    assert (r.status_code, r.json()) == (413, {"detail": "Too many parts in the multipart body (at most 100)"})


def test_forms_on_get_are_refused():
    from django_bolt._signature import RouteDefinitionError

    with pytest.raises(RouteDefinitionError, match="GET handlers cannot take a request body"):
        @BoltAPI().get("/x")
        def bad(name: Annotated[str, Form()]) -> dict:
            return {}
