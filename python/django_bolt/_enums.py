"""`MediaType` and `FileSize`: django-bolt's named constants."""

from enum import IntEnum, StrEnum


class MediaType(StrEnum):
    JSON = "application/json"
    HTML = "text/html"
    TEXT = "text/plain"
    CSS = "text/css"
    XML = "application/xml"
    MESSAGEPACK = "application/x-msgpack"
    EVENT_STREAM = "text/event-stream"
    OCTET_STREAM = "application/octet-stream"
    FORM = "application/x-www-form-urlencoded"
    MULTIPART = "multipart/form-data"


class FileSize(IntEnum):
    """Byte counts for `File(max_size=...)`."""

    KB_1 = 1024
    KB_100 = 100 * 1024
    KB_500 = 500 * 1024
    MB_1 = 1024**2
    MB_2 = 2 * 1024**2
    MB_5 = 5 * 1024**2
    MB_10 = 10 * 1024**2
    MB_20 = 20 * 1024**2
    MB_50 = 50 * 1024**2
    MB_100 = 100 * 1024**2
    MB_200 = 200 * 1024**2
    MB_500 = 500 * 1024**2
    GB_1 = 1024**3
