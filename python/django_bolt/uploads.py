"""`UploadFile`: one file of a multipart body, as django-bolt hands it to handlers.

Rust has parsed the body and checked the route's `File()` constraints; the part's bytes come
here, into a `SpooledTemporaryFile` that stays in memory below `BOLT_MEMORY_SPOOL_THRESHOLD`
(1 MiB by default) and rolls over to an anonymous temp file above it (unlinked from the
start on POSIX, so nothing is ever left on disk). Every UploadFile of a request is closed
after its response."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from django.core.files import File as DjangoFile

DEFAULT_SPOOL_THRESHOLD = 1024 * 1024


def spool_threshold() -> int:
    from django.conf import settings

    return int(getattr(settings, "BOLT_MEMORY_SPOOL_THRESHOLD", DEFAULT_SPOOL_THRESHOLD))


class UploadFile:
    """`filename`, `content_type`, `size`, `headers`; `.file` is a Django `File` (so
    `instance.field.save(name, upload.file)` works with a `FileField`); `raw_file` is the
    spooled file; `await read/seek/write/close` and their sync forms."""

    def __init__(self, filename: str | None, content_type: str, data: bytes = b"",
                 headers: dict[str, str] | None = None, field_name: str | None = None,
                 threshold: int | None = None, *, path: str | os.PathLike[str] | None = None) -> None:
        self.filename = filename
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.field_name = field_name
        self._django_file: DjangoFile | None = None
        if path is not None:
            # Spooled to disk by the server while the body arrived; the server removes the
            # path after the request (the open file stays readable until it is closed).
            self.raw_file: Any = open(path, "r+b")  # noqa: SIM115 (closed with the upload)
            self.size = os.fstat(self.raw_file.fileno()).st_size
            self._on_disk = True
            return
        self._on_disk = False
        self.raw_file = tempfile.SpooledTemporaryFile(max_size=spool_threshold() if threshold is None else threshold)
        self.raw_file.write(data)
        self.raw_file.seek(0)
        self.size = len(data)

    @property
    def file(self) -> DjangoFile:
        if self._django_file is None:
            self._django_file = DjangoFile(self.raw_file, name=self.filename)
        return self._django_file

    @property
    def rolled_to_disk(self) -> bool:
        return self._on_disk or bool(getattr(self.raw_file, "_rolled", False))

    @property
    def closed(self) -> bool:
        return self.raw_file.closed

    def read_sync(self, size: int = -1) -> bytes:
        return self.raw_file.read(size)

    def seek_sync(self, offset: int, whence: int = 0) -> int:
        return self.raw_file.seek(offset, whence)

    def write_sync(self, data: bytes) -> int:
        written = self.raw_file.write(data)
        position = self.raw_file.tell()
        self.raw_file.seek(0, 2)
        self.size = self.raw_file.tell()
        self.raw_file.seek(position)
        return written

    def close_sync(self) -> None:
        self.raw_file.close()

    async def read(self, size: int = -1) -> bytes:
        return self.read_sync(size)

    async def seek(self, offset: int, whence: int = 0) -> int:
        return self.seek_sync(offset, whence)

    async def write(self, data: bytes) -> int:
        return self.write_sync(data)

    async def close(self) -> None:
        self.close_sync()

    def __repr__(self) -> str:
        return f"UploadFile(filename={self.filename!r}, content_type={self.content_type!r}, size={self.size})"


def make_upload(field: str, filename: str | None, content_type: str | None, headers: list[tuple[str, str]],
                data: Any) -> UploadFile:
    """What the runtime calls for each file part (`bridge/pyrequest.rs`): `data` is the
    part's bytes, or the path of the temp file the server spooled it to."""
    content_type = content_type or "application/octet-stream"
    if isinstance(data, (str, os.PathLike)):
        return UploadFile(filename, content_type, headers=dict(headers), field_name=field, path=data)
    return UploadFile(filename, content_type, bytes(data), dict(headers), field)


def close_uploads(uploads: list[UploadFile]) -> None:
    for upload in uploads:
        upload.close_sync()


__all__ = ["UploadFile"]
