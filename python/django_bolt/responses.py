"""Response classes. Each renders to `(status, headers, body)` for the Rust server."""

from __future__ import annotations

import mimetypes
import os
import re
from http.cookies import SimpleCookie
from typing import Any

import msgspec
from django.http.response import HttpResponseBase

from . import _streams
from ._streams import ServerSentEvent
from .exceptions import checked_status

# RFC 9110 field names are tokens; values may not hold CR, LF or NUL (header injection).
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE = re.compile(r"[\r\n\x00]")


def _checked_header(name: str, value: str) -> tuple[str, str]:
    if not _HEADER_NAME.match(name):
        raise ValueError(f"response header name {name!r} is not a valid HTTP field name")
    if _BAD_VALUE.search(value):
        raise ValueError(f"response header {name!r} has CR, LF or NUL in its value")
    return name, value


class Response:
    media_type: str | None = "application/json"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.content = content
        self.status_code = checked_status(status_code)
        self.headers = dict(headers or {})
        if media_type is not None:
            self.media_type = media_type
        self._cookies: SimpleCookie = SimpleCookie()

    def render_body(self) -> bytes:
        content = self.content
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode()
        return msgspec.json.encode({} if content is None else content)

    @property
    def cookies(self) -> SimpleCookie:
        return self._cookies

    def set_cookie(
        self, key: str, value: str = "", max_age: Any = None, expires: Any = None,
        path: str | None = "/", domain: str | None = None, secure: bool = False, httponly: bool = False,
        samesite: str | bool | None = "Lax",
    ) -> Response:
        """Django's `set_cookie` (its argument checks and formatting: `max_age` as seconds or
        a timedelta, `expires` as a datetime or a string); `samesite=False` or None omits the
        attribute. Chainable."""
        HttpResponseBase.set_cookie(self, key, value, max_age, expires, path, domain, secure, httponly,
                                    samesite or None)
        return self

    def delete_cookie(self, key: str, path: str = "/", domain: str | None = None,
                      samesite: str | None = None) -> Response:
        HttpResponseBase.delete_cookie(self, key, path, domain, samesite)
        return self

    def _stream(self) -> tuple[Any, ...] | None:
        """What the runtime sends instead of the body (files, iterators); None: the body."""
        return None

    def _render(self) -> tuple[int, list[tuple[str, str]], bytes, tuple[Any, ...] | None]:
        status = checked_status(self.status_code)  # also when it was set after construction
        body = self.render_body()
        headers = [_checked_header(str(k).lower(), str(v)) for k, v in self.headers.items()]
        if self.media_type and not any(k == "content-type" for k, _ in headers):
            headers.insert(0, ("content-type", self.media_type))
        headers.extend(("set-cookie", m.OutputString()) for m in self._cookies.values())
        if status in (204, 304) or 100 <= status < 200:
            return status, [(k, v) for k, v in headers if k != "content-type"], b"", None
        return status, headers, body, self._stream()


class JSON(Response):
    def __init__(self, data: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> None:
        super().__init__(data, status_code, headers)

    def render_body(self) -> bytes:
        return msgspec.json.encode(self.content)


class PlainText(Response):
    media_type = "text/plain; charset=utf-8"

    def __init__(self, text: str, status_code: int = 200, headers: dict[str, str] | None = None) -> None:
        super().__init__(text, status_code, headers)


class HTML(Response):
    media_type = "text/html; charset=utf-8"

    def __init__(self, html: str, status_code: int = 200, headers: dict[str, str] | None = None) -> None:
        super().__init__(html, status_code, headers)


class Redirect(Response):
    media_type = None

    def __init__(self, url: str, status_code: int = 307, headers: dict[str, str] | None = None) -> None:
        super().__init__(b"", status_code, {**(headers or {}), "location": url})


class StreamingResponse(Response):
    """A body from a sync or async generator (or any iterator): each str/bytes/bytearray/
    memoryview chunk is sent when it is yielded. Pass the generator *instance*."""

    media_type = None

    def __init__(self, content: Any, status_code: int = 200, media_type: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.is_async = _streams.check_stream_content(content, type(self).__name__)
        super().__init__(content, status_code, headers, media_type)

    def render_body(self) -> bytes:
        return b""

    def _convert(self, item: Any) -> bytes:
        return _streams.as_bytes(item)

    def _keepalive(self) -> tuple[float | None, bytes]:
        return None, b""

    def _stream(self) -> tuple[Any, ...]:
        wrap = _streams.async_chunks if self.is_async else _streams.sync_chunks
        seconds, comment = self._keepalive()
        return ("iter", wrap(self.content, self._convert), self.is_async, seconds, comment)


class EventSourceResponse(StreamingResponse):
    """Server-sent events: each yielded `ServerSentEvent` (or dict/str data) is framed and sent
    at once; a `: ping` comment goes out whenever the stream was quiet `ping_interval` seconds
    (None: never), so proxies keep the connection open."""

    media_type = "text/event-stream"

    def __init__(self, content: Any, status_code: int = 200, headers: dict[str, str] | None = None,
                 ping_interval: float | None = 15.0, ping_message: str = "ping") -> None:
        if ping_interval is not None and not ping_interval > 0:
            raise ValueError(f"ping_interval must be a positive number of seconds or None, not {ping_interval!r}")
        sse_headers = {"cache-control": "no-cache", "x-accel-buffering": "no", **(headers or {})}
        super().__init__(content, status_code, "text/event-stream", sse_headers)
        self.ping_interval = ping_interval
        self.ping_message = ping_message

    def _convert(self, item: Any) -> bytes:
        return _streams.sse_bytes(item)

    def _keepalive(self) -> tuple[float | None, bytes]:
        return self.ping_interval, ServerSentEvent(comment=self.ping_message).encode()


def allowed_file_path(path: str | os.PathLike[str]) -> str:
    """The resolved path, when it is a regular file inside `BOLT_ALLOWED_FILE_PATHS` (when
    that is set): PermissionError (403) outside it, FileNotFoundError (404) when missing."""
    from django.conf import settings

    resolved = os.path.realpath(os.fspath(path))
    allowed = getattr(settings, "BOLT_ALLOWED_FILE_PATHS", None)
    if allowed is not None:
        # One root given as a string or path (not a list): iterating it would give its characters.
        if isinstance(allowed, (str, bytes, os.PathLike)):
            allowed = [allowed]
        roots = [os.path.realpath(os.fspath(root)) for root in allowed]
        if not any(os.path.commonpath([resolved, root]) == root for root in roots):
            raise PermissionError(f"{os.fspath(path)!r} is outside BOLT_ALLOWED_FILE_PATHS")
    if not os.path.isfile(resolved):
        raise FileNotFoundError(f"{os.fspath(path)!r} is not a file")
    return resolved


class FileResponse(Response):
    """A file sent by the Rust server straight from disk, with `ETag`/`Last-Modified`,
    conditional requests (304) and byte ranges (206/416). `filename` makes it a download
    (`Content-Disposition: attachment`)."""

    media_type = None

    def __init__(self, path: str | os.PathLike[str], *, media_type: str | None = None, filename: str | None = None,
                 status_code: int = 200, headers: dict[str, str] | None = None,
                 content_disposition_type: str = "attachment") -> None:
        from django.utils.http import content_disposition_header

        self.path = allowed_file_path(path)
        guessed, encoding = mimetypes.guess_type(filename or self.path)
        if media_type is None:
            media_type = "application/octet-stream" if encoding else (guessed or "application/octet-stream")
        headers = dict(headers or {})
        if filename is not None and not any(k.lower() == "content-disposition" for k in headers):
            headers["content-disposition"] = content_disposition_header(
                content_disposition_type == "attachment", filename)
        super().__init__(b"", status_code, headers, media_type)

    def render_body(self) -> bytes:
        return b""

    def _stream(self) -> tuple[Any, ...]:
        return ("file", self.path)


File = FileResponse  # django-bolt's in-memory `File`: served the same way, from disk

__all__ = ["Response", "JSON", "PlainText", "HTML", "Redirect", "StreamingResponse", "EventSourceResponse",
           "ServerSentEvent", "FileResponse", "File", "allowed_file_path"]
