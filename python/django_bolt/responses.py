"""Response classes. Each renders to `(status, headers, body)` for the Rust server."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import Any

import msgspec

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

    def set_cookie(
        self, name: str, value: str = "", max_age: int | None = None, expires: str | None = None,
        path: str = "/", domain: str | None = None, secure: bool = False, httponly: bool = False,
        samesite: str | None = "Lax",
    ) -> Response:
        self._cookies[name] = value
        morsel = self._cookies[name]
        morsel["path"] = path
        attributes = (("max-age", max_age), ("expires", expires), ("domain", domain), ("samesite", samesite))
        for key, val in attributes:
            if val is not None:
                morsel[key] = val
        morsel["secure"] = secure
        morsel["httponly"] = httponly
        return self

    def delete_cookie(self, name: str, path: str = "/", domain: str | None = None) -> Response:
        return self.set_cookie(name, "", max_age=0, expires="Thu, 01 Jan 1970 00:00:00 GMT", path=path,
                               domain=domain)

    def _render(self) -> tuple[int, list[tuple[str, str]], bytes]:
        status = checked_status(self.status_code)  # also when it was set after construction
        body = self.render_body()
        headers = [_checked_header(str(k).lower(), str(v)) for k, v in self.headers.items()]
        if self.media_type and not any(k == "content-type" for k, _ in headers):
            headers.insert(0, ("content-type", self.media_type))
        headers.extend(("set-cookie", m.OutputString()) for m in self._cookies.values())
        if status in (204, 304) or 100 <= status < 200:
            body = b""
            headers = [(k, v) for k, v in headers if k != "content-type"]
        return status, headers, body


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


__all__ = ["Response", "JSON", "PlainText", "HTML", "Redirect"]
