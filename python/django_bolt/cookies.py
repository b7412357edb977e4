"""`Cookie`, a `Set-Cookie` value made with Django's own formatting, and `make_delete_cookie`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.http import HttpResponse


@dataclass
class Cookie:
    """One `Set-Cookie` header; `samesite=False` or None leaves the attribute out."""

    name: str
    value: str = ""
    max_age: int | timedelta | None = None
    expires: str | datetime | None = None
    path: str | None = "/"
    domain: str | None = None
    secure: bool = False
    httponly: bool = False
    samesite: str | bool | None = "Lax"

    def to_header_value(self) -> str:
        # Django's checks (samesite values, max_age types) and formatting, exactly.
        carrier = HttpResponse()
        carrier.set_cookie(self.name, self.value, self.max_age, self.expires, self.path, self.domain,
                           self.secure, self.httponly, self.samesite or None)
        return carrier.cookies[self.name].OutputString()

    def to_header(self) -> tuple[str, str]:
        return "set-cookie", self.to_header_value()


def make_delete_cookie(name: str, path: str = "/", domain: str | None = None) -> Cookie:
    return Cookie(name, "", max_age=0, expires="Thu, 01 Jan 1970 00:00:00 GMT", path=path, domain=domain,
                  samesite=None)


__all__ = ["Cookie", "make_delete_cookie"]
