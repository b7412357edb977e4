"""Constrained types for Serializer (and Struct) fields: `Annotated[..., Meta(...)]` aliases
with django-bolt's names. Their bounds, lengths and patterns are checked by the Rust body path
(patterns are in the regex subset both Rust and Python agree on, so the fast path takes
them; `tests/test_serializer_parity.py` checks each)."""

from __future__ import annotations

import uuid
from typing import Annotated

from msgspec import Meta

Email = Annotated[str, Meta(pattern=r"^[^@ ]+@[^@ ]+\.[^@ ]+$", max_length=254)]
URL = Annotated[str, Meta(pattern=r"^https?://[^ /$.?#][^ ]*$", max_length=2048)]
HttpsURL = Annotated[str, Meta(pattern=r"^https://[^ /$.?#][^ ]*$", max_length=2048)]
Slug = Annotated[str, Meta(pattern=r"^[-a-zA-Z0-9_]+$", min_length=1, max_length=50)]
Slug100 = Annotated[str, Meta(pattern=r"^[-a-zA-Z0-9_]+$", min_length=1, max_length=100)]
Slug200 = Annotated[str, Meta(pattern=r"^[-a-zA-Z0-9_]+$", min_length=1, max_length=200)]
UUID = uuid.UUID
Username = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_.@+-]+$", min_length=1, max_length=150)]
Password = Annotated[str, Meta(min_length=8, max_length=128)]
Char50 = Annotated[str, Meta(max_length=50)]
Char100 = Annotated[str, Meta(max_length=100)]
Char150 = Annotated[str, Meta(max_length=150)]
Char200 = Annotated[str, Meta(max_length=200)]
Char255 = Annotated[str, Meta(max_length=255)]
Char500 = Annotated[str, Meta(max_length=500)]
Char1000 = Annotated[str, Meta(max_length=1000)]
Text = str
NonEmptyStr = Annotated[str, Meta(min_length=1)]
SmallInt = Annotated[int, Meta(ge=-32768, le=32767)]
Int = Annotated[int, Meta(ge=-2147483648, le=2147483647)]
BigInt = int  # the int64 range, which the body path enforces for every int
PositiveInt = Annotated[int, Meta(gt=0)]
NonNegativeInt = Annotated[int, Meta(ge=0)]
Float = float
PositiveFloat = Annotated[float, Meta(gt=0)]
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPv4 = Annotated[str, Meta(pattern=rf"^({_OCTET}\.){{3}}{_OCTET}$")]
IPv6 = Annotated[str, Meta(pattern=r"^[0-9a-fA-F:.]+$", min_length=2, max_length=45)]
IP = Annotated[str, Meta(pattern=r"^[0-9a-fA-F:.]+$", min_length=2, max_length=45)]
Port = Annotated[int, Meta(ge=1, le=65535)]
HttpStatus = Annotated[int, Meta(ge=100, le=599)]
Phone = Annotated[str, Meta(pattern=r"^\+?[0-9 ().-]{7,20}$")]
HexColor = Annotated[str, Meta(pattern=r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
CurrencyCode = Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, Meta(pattern=r"^[A-Z]{2}$")]
LanguageCode = Annotated[str, Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")]
Timezone = Annotated[str, Meta(pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", max_length=64)]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]
Percentage = Annotated[float, Meta(ge=0, le=100)]
Rating = Annotated[int, Meta(ge=1, le=5)]
Rating10 = Annotated[int, Meta(ge=1, le=10)]
FilePath = Annotated[str, Meta(min_length=1, max_length=4096)]

__all__ = [
    "Email", "URL", "HttpsURL", "Slug", "Slug100", "Slug200", "UUID", "Username", "Password", "Char50", "Char100",
    "Char150", "Char200", "Char255", "Char500", "Char1000", "Text", "NonEmptyStr", "SmallInt", "Int", "BigInt",
    "PositiveInt", "NonNegativeInt", "Float", "PositiveFloat", "IPv4", "IPv6", "IP", "Port", "HttpStatus", "Phone",
    "HexColor", "CurrencyCode", "CountryCode", "LanguageCode", "Timezone", "Latitude", "Longitude", "Percentage",
    "Rating", "Rating10", "FilePath",
]
