"""HTTP status codes as constants, `HTTP_<code>_<NAME>` (django-bolt's `django_bolt.status`,
the names Django REST framework users know), made from the standard library's table."""

from http import HTTPStatus

_EXTRA = {"HTTP_422_UNPROCESSABLE_ENTITY": 422, "HTTP_413_REQUEST_ENTITY_TOO_LARGE": 413,
          "HTTP_414_REQUEST_URI_TOO_LONG": 414, "HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE": 416}

for _name, _member in HTTPStatus.__members__.items():
    globals()[f"HTTP_{_member.value}_{_name}"] = _member.value
for _name, _value in _EXTRA.items():
    globals().setdefault(_name, _value)


def is_informational(code: int) -> bool:
    return 100 <= code <= 199


def is_success(code: int) -> bool:
    return 200 <= code <= 299


def is_redirect(code: int) -> bool:
    return 300 <= code <= 399


def is_client_error(code: int) -> bool:
    return 400 <= code <= 499


def is_server_error(code: int) -> bool:
    return 500 <= code <= 599


del _name, _member, _value
