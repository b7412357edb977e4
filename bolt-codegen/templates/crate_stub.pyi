"""Compiled route table of the `{{ project }}` project, served by django-bolt's runtime.

The runtime API (`App`, `Request`, `serve`, ...) is the one `django_bolt._core` describes; this
module's own `App` serves `TABLE`, which was generated from the manifest with `FINGERPRINT`."""

from typing import Final

from django_bolt._core import App as App
from django_bolt._core import CompiledTable as CompiledTable
from django_bolt._core import Request as Request
from django_bolt._core import check_guards as check_guards
from django_bolt._core import jwt_decode as jwt_decode
from django_bolt._core import jwt_encode as jwt_encode
from django_bolt._core import profile_request as profile_request
from django_bolt._core import serve as serve
from django_bolt._core import test_request as test_request
from django_bolt._core import validate_json as validate_json

RUNTIME_ID: str
FINGERPRINT: Final = "{{ fingerprint }}"
ROUTE_COUNT: Final = {{ route_count }}
TABLE: CompiledTable
