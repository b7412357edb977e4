"""Python helpers the Rust runtime calls: body decoding, rendering of responses and errors,
and the asyncio event loop that suspended coroutines continue on."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import threading
import traceback
import types
import typing
from http import HTTPStatus
from typing import Any

import msgspec
from django.http.response import HttpResponseBase

from . import _streams
from ._issues import validation_issue
from ._wsgi import wsgi_request
from .exceptions import HTTPException, RequestValidationError, ResponseValidationError, ValidationException
from .responses import Response
from .serializers.base import Serializer
from .serializers.before import decode as decode_with_before
from .serializers.before import needs_before
from .serializers.errors import SerializerValidationError
from .uploads import make_upload  # noqa: F401 (called by the runtime)

logger = logging.getLogger("django_bolt")
_ANY = Any

# ---------------------------------------------------------------------------------------------
# request bodies

def decode_body(body: bytes, body_type: Any) -> Any:
    try:
        if body_type is not None and needs_before(body_type):
            return decode_with_before(body, body_type)
        return msgspec.json.decode(body, type=_ANY if body_type is None else body_type)
    except msgspec.ValidationError as exc:
        raise RequestValidationError([validation_issue(str(exc))]) from None
    except msgspec.DecodeError as exc:
        raise RequestValidationError([{"loc": ["body"], "msg": str(exc), "type": "json_invalid"}]) from None
    except UnicodeDecodeError as exc:
        raise RequestValidationError([{"loc": ["body"], "msg": f"Invalid UTF-8: {exc.reason}",
                                       "type": "json_invalid"}]) from None
    except SerializerValidationError as exc:
        raise body_error(exc) from None


def body_error(exc: BaseException) -> BaseException:
    """What a Serializer's validators raised while its body was built (by msgspec or by the
    Rust fast path) as the 422 it stands for; any other exception as it is."""
    if isinstance(exc, SerializerValidationError):
        return RequestValidationError([{**e, "loc": ["body", *e["loc"]]} for e in exc.errors])
    return exc


# ---------------------------------------------------------------------------------------------
# responses and errors

def _serializers_from_models(value: Any, declared: Any) -> Any:
    """Model instances (or QuerySets) in Serializer positions of the declared type go through
    `from_model`, so source paths, related managers and nesting apply as documented."""
    def is_model(obj: Any) -> bool:
        return obj is not None and not isinstance(obj, (dict, list, tuple, set, frozenset, str, bytes, int, float,
                                                        msgspec.Struct))

    origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin is typing.Annotated:
        return _serializers_from_models(value, args[0])
    if isinstance(declared, type) and issubclass(declared, Serializer):
        return declared.from_model(value) if is_model(value) else value
    if origin in (typing.Union, types.UnionType):
        for option in args:
            if isinstance(option, type) and issubclass(option, Serializer) and is_model(value):
                return option.from_model(value)
        return value
    if origin in (list, tuple, set, frozenset) and args:
        item = args[0]
        if hasattr(value, "all") and hasattr(value, "model"):  # a QuerySet or related manager
            value = list(value.all())
        if isinstance(value, (list, tuple, set, frozenset)) and not (origin is tuple and args[-1] is not Ellipsis):
            return [_serializers_from_models(v, item) for v in value]
        return value
    if origin is dict and len(args) == 2 and isinstance(value, dict):
        return {k: _serializers_from_models(v, args[1]) for k, v in value.items()}
    return value


def encode_declared(value: Any, declared: Any) -> bytes:
    """The body for a value that is not already of the route's declared type: msgspec's
    conversion to that type (attributes of objects such as model instances included)."""
    value = _serializers_from_models(value, declared)
    try:
        converted = msgspec.convert(value, declared, from_attributes=True)
    except msgspec.ValidationError as exc:
        name = getattr(declared, "__name__", None) or repr(declared)
        raise ResponseValidationError([{"loc": ["response"], "msg": f"Response validation failed for {name}: {exc}",
                                        "type": "validation_error"}]) from None
    return msgspec.json.encode(converted)


_COLUMN_PLANS: dict[tuple[type, tuple[str, ...]], tuple[str, ...] | None] = {}


def queryset_columns(queryset: Any, names: tuple[str, ...]) -> tuple[str, ...] | None:
    """The columns to read with `values_list` for a Serializer whose fields come from the
    attributes `names`, when the rows then hold exactly what the model instances would give
    (a response reads only the declared columns and builds no instances); None otherwise.

    That holds for a plain, unevaluated model QuerySet without prefetches, whose model builds
    instances the standard way (no `from_db`/`__init__` override, no `post_init` receivers),
    when every name is a concrete column read through Django's plain attribute descriptor
    (a foreign key only by its `_id` attribute).
    """
    from django.db.models import signals
    from django.db.models.query import ModelIterable

    if (getattr(queryset, "_iterable_class", None) is not ModelIterable or queryset._fields
            or queryset._result_cache is not None or queryset._prefetch_related_lookups):
        return None
    model = queryset.model
    if signals.post_init.has_listeners(model):  # receivers are connected at any time
        return None
    key = (model, names)
    if key not in _COLUMN_PLANS:
        _COLUMN_PLANS[key] = _plain_columns(model, names)
    return _COLUMN_PLANS[key]


def _plain_columns(model: type, names: tuple[str, ...]) -> tuple[str, ...] | None:
    from django.core.exceptions import FieldDoesNotExist
    from django.db.models import Model
    from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
    from django.db.models.query_utils import DeferredAttribute

    standard = getattr(model.from_db, "__func__", None) is Model.from_db.__func__ and model.__init__ is Model.__init__
    if not standard:
        return None
    for name in names:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        plain = field.concrete and (not field.is_relation or (field.many_to_one and name == field.attname))
        descriptor = inspect.getattr_static(model, name, None)
        if not plain or type(descriptor) not in (DeferredAttribute, ForeignKeyDeferredAttribute):
            return None
    return names


# What the runtime hands to `render_response` rather than encoding it as JSON.
RESPONSE_TYPES = (Response, HttpResponseBase)


def render_response(response: Any) -> tuple[int, list[tuple[str, str]], bytes, tuple[Any, ...] | None]:
    if isinstance(response, HttpResponseBase):
        return _render_django(response)
    return response._render()


def _render_django(response: HttpResponseBase) -> tuple[int, list[tuple[str, str]], bytes, tuple[Any, ...] | None]:
    """A Django `HttpResponse` (any subclass, streaming ones included) as it would be served
    by Django: status, headers, cookies and content."""
    headers = [(str(k).lower(), str(v)) for k, v in response.items()]
    headers.extend(("set-cookie", morsel.OutputString()) for morsel in response.cookies.values())
    if not getattr(response, "streaming", False):
        return response.status_code, headers, response.content, None
    content = response.streaming_content
    is_async = bool(getattr(response, "is_async", False))
    chunks = _streams.async_chunks(content) if is_async else _streams.sync_chunks(content)
    return response.status_code, headers, b"", ("iter", _Closing(chunks, response), is_async, None, b"")


def _close_resources(response: HttpResponseBase) -> None:
    """What `HttpResponseBase.close()` releases (a FileResponse's file...), without its
    `request_finished`: the runtime sends that signal itself, once per request."""
    for closer in getattr(response, "_resource_closers", ()):
        try:
            closer()
        except Exception:
            logger.exception("closing a Django response failed")
    response.closed = True


class _Closing:
    """The chunks of a streamed Django response, which Django closes once it is sent: its
    resources, then `request_finished` when the request came through Django's URLs (sent after
    the body, as a WSGI server sends it). The stream's own thread closes it however the stream
    ends (sent, failed, the client gone, refused). A wrapper dropped without being closed (the
    response never streamed) only releases the resources: its `__del__` may run on any thread,
    in the middle of another request, where `request_finished` would close that request's
    database connection; the runtime sends the signal for such a response itself."""

    def __init__(self, chunks: Any, response: HttpResponseBase) -> None:
        self._chunks, self._response = chunks, response
        self._finished_signal = bool(getattr(response, "_bolt_request_finished", False))
        self._closed = False

    def __iter__(self) -> Any:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def __aiter__(self) -> Any:
        return self

    async def __anext__(self) -> bytes:
        return await self._chunks.__anext__()

    def close(self) -> None:
        try:
            self._chunks.close()
        finally:
            self._release(signal=self._finished_signal)

    async def aclose(self) -> None:
        try:
            await self._chunks.aclose()
        finally:
            self._release(signal=self._finished_signal)

    def _release(self, signal: bool) -> None:
        if self._closed:
            return
        self._closed = True
        _close_resources(self._response)
        if signal:
            request_finished()

    def __del__(self) -> None:
        self._release(signal=False)


def start_async_pump(chunks: Any, sink: Any) -> Any:
    return _streams.start_pump(chunks, sink, event_loop())


def _json(status: int, payload: Any, headers: dict[str, str] | None = None):
    pairs = [("content-type", "application/json")]
    pairs.extend((k.lower(), str(v)) for k, v in (headers or {}).items())
    return status, pairs, msgspec.json.encode(payload), None


def _django_exception_status(exc: BaseException) -> tuple[int, str] | None:
    from django.core.exceptions import PermissionDenied, SuspiciousOperation
    from django.http import Http404

    if isinstance(exc, (Http404, FileNotFoundError)):
        return 404, "Not Found"
    if isinstance(exc, (PermissionDenied, PermissionError)):
        return 403, "Forbidden"
    if isinstance(exc, SuspiciousOperation):
        return 400, "Bad Request"
    return None


def _is_value_out_of_range(exc: BaseException) -> bool:
    """`OverflowError` (Python ints the database driver cannot convert) and Django's
    `DataError` (the database refused a value)."""
    if isinstance(exc, OverflowError):
        return True
    from django.db import DataError

    return isinstance(exc, DataError)


def render_exception(exc: BaseException, debug: bool) -> tuple[int, list[tuple[str, str]], bytes]:
    if isinstance(exc, HTTPException):
        if exc.body is not None:
            return _json(exc.status_code, exc.body, exc.headers)
        payload: dict[str, Any] = {"detail": exc.detail}
        if exc.extra is not None:
            payload["extra"] = exc.extra
        try:
            return _json(exc.status_code, payload, exc.headers)
        except (TypeError, msgspec.EncodeError):
            return _json(exc.status_code, {"detail": str(exc.detail)}, exc.headers)
    if isinstance(exc, ResponseValidationError):
        logger.error("Response validation error: %s", exc.errors)
        if not debug:  # the errors name the response's classes and fields
            return _json(500, {"detail": "Response validation error"})
        return _json(500, {"detail": "Response validation error", "extra": {"validation_errors": exc.errors}})
    if isinstance(exc, ValidationException):
        return _json(422, {"detail": exc.errors})
    mapped = _django_exception_status(exc)
    if mapped is not None:
        return _json(mapped[0], {"detail": mapped[1]})
    if _is_value_out_of_range(exc):
        # A value the database cannot store (an int beyond 64 bits for SQLite, a string too
        # long for its column...) came from the request: the client's error, not the server's.
        logger.warning("Value rejected by the database: %s: %s", type(exc).__name__, exc)
        return _json(422, {"detail": "Value out of range for the database"})
    logger.error("Unhandled exception in handler", exc_info=(type(exc), exc, exc.__traceback__))
    if not debug:
        return _json(500, {"detail": HTTPStatus.INTERNAL_SERVER_ERROR.phrase})
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return _json(500, {
        "detail": f"{type(exc).__name__}: {exc}",
        "extra": {"exception": str(exc), "exception_type": type(exc).__name__,
                  "traceback": [line.rstrip("\n") for line in lines]},
    })


# ---------------------------------------------------------------------------------------------
# Django's request lifecycle (server threads; TestClient keeps the test's connection instead)

class BoltServer:
    """Sender of Django's request signals for requests served by django-bolt."""


def request_started() -> None:
    from django.core import signals

    signals.request_started.send(sender=BoltServer, environ=None)


def request_finished() -> None:
    from django.core import signals

    signals.request_finished.send(sender=BoltServer)


# ---------------------------------------------------------------------------------------------
# coroutines

_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None
_loop_lock = threading.Lock()


def event_loop() -> asyncio.AbstractEventLoop:
    """The process's event loop, running in a daemon thread (started again after a fork)."""
    global _loop, _loop_pid
    if _loop is not None and _loop_pid == os.getpid():
        return _loop
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=_run_loop, args=(loop,), name="bolt-asyncio", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
    return _loop


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The loop thread. Handlers' coroutines are guarded (`_guarded`), so nothing should get
    out of `run_forever`; should anything still do, it is logged and the loop goes on, since
    every suspended request of the process waits on this loop."""
    while not loop.is_closed():
        try:
            loop.run_forever()
            return  # stopped on purpose
        except BaseException:  # noqa: BLE001 (the loop must survive)
            logger.exception("django-bolt: the asyncio loop stopped on an exception; restarting it")


class HandlerExit(RuntimeError):
    """A handler's coroutine raised SystemExit or KeyboardInterrupt: a failure of that request
    (a 500), never the end of the process's event loop."""


async def _guarded(awaitable: Any) -> Any:
    try:
        return await awaitable
    except (SystemExit, KeyboardInterrupt) as exc:
        raise HandlerExit(f"handler raised {type(exc).__name__}({exc})") from exc


NOT_STARTED = object()  # "the coroutine has not run yet": start it as a plain task


@functools.cache
def _task_mode() -> bool:
    """`settings.BOLT_ASYNC_MODE = "task"` runs every async handler as a Task on the loop thread
    (a thread hop per request) instead of stepping it eagerly on the server thread."""
    from django.conf import settings

    mode = getattr(settings, "BOLT_ASYNC_MODE", "eager")
    if mode not in ("eager", "task"):
        raise ValueError(f"BOLT_ASYNC_MODE must be 'eager' or 'task', not {mode!r}")
    return mode == "task"


def _noop() -> None:
    """Scheduled with `call_soon_threadsafe` to wake the loop after an eager step (done in
    Rust, `bridge/invoke.rs`) left callbacks for it."""


class _Resume:
    """Awaitable that continues a coroutine after its eager step on the event loop.

    It drives the coroutine the way a Task would: whatever the awaited object produces, a
    value or an exception, is delivered into the coroutine, so the handler's own
    `try/except` around its first `await` sees it.
    """

    __slots__ = ("coro", "first")

    def __init__(self, coro: Any, first: Any) -> None:
        self.coro, self.first = coro, first

    def __await__(self):
        coro, pending = self.coro, self.first
        while True:
            try:
                message = yield pending
            except BaseException as exc:  # noqa: BLE001 (delivered to the handler)
                step = coro.throw, exc
            else:
                step = coro.send, message
            try:
                pending = step[0](step[1])
            except StopIteration as stop:
                return stop.value


def submit(coro: Any, first: Any, on_done: Any, context: Any) -> None:
    """Continue a coroutine after its eager step (or start it, in task mode) as a Task on the
    process loop, in the request's context."""
    loop = event_loop()

    def start() -> None:
        driver = coro if first is NOT_STARTED else _Resume(coro, first)
        loop.create_task(_guarded(driver), context=context).add_done_callback(on_done)

    loop.call_soon_threadsafe(start)


async def resolved(value: Any) -> Any:
    """`request.auser()`: an awaitable of a value that is already there."""
    return value


async def _await(coro: Any) -> Any:
    return await coro


def run_sync(coro: Any) -> Any:
    """Run a coroutine to completion from synchronous code (TestClient). Django's
    thread-sensitive `sync_to_async` calls come back to this thread, so async ORM queries
    share the caller's connection and transaction."""
    from asgiref.sync import async_to_sync

    return async_to_sync(_await)(coro)


def is_revoked(backend: Any, jti: str) -> bool:
    """Whether `backend`'s revocation store lists `jti` (stores kept in Python)."""
    store = backend.revocation()
    return bool(store is not None and store.is_revoked(jti))


def lazy_user(backend: Any, context: dict[str, Any]) -> Any:
    """`request.user` for an authenticated request: loaded by the backend on first use."""
    from django.utils.functional import SimpleLazyObject

    return SimpleLazyObject(lambda: backend.get_user(context.get("user_id"), context))


_django_handler: Any = None


def _admin_left_out(path_info: str) -> bool:
    """`runbolt --no-admin` (BOLT_NO_ADMIN): the admin's URLs are not served, also when every
    unrouted path goes to Django (the manifest's fallback)."""
    from django.conf import settings
    from django.urls import Resolver404, resolve

    if not getattr(settings, "BOLT_NO_ADMIN", False):
        return False
    try:
        return "admin" in resolve(path_info).app_names
    except Resolver404:
        return False
_django_handler_lock = threading.Lock()


def django_dispatch(request: Any, signals: bool = False) -> Any:
    """A request for one of the project's Django URLs, through Django's own handling (the
    project's MIDDLEWARE, its resolver, the view, exception handling and DEBUG pages): the
    `HttpResponse` it answers."""
    global _django_handler
    from django.core.handlers.base import BaseHandler
    from django.core.handlers.wsgi import get_script_name
    from django.urls import clear_script_prefix, set_script_prefix

    with _django_handler_lock:
        if _django_handler is None:
            handler = BaseHandler()
            handler.load_middleware()
            _django_handler = handler
    django_request = wsgi_request(request)
    if _admin_left_out(django_request.path_info):
        from django.http import HttpResponseNotFound

        django_request.close()
        return HttpResponseNotFound()
    set_script_prefix(get_script_name(django_request.META))  # FORCE_SCRIPT_NAME included
    try:
        response = _django_handler.get_response(django_request)
    except BaseException:
        django_request.close()
        raise
    finally:
        # The prefix is per thread: left set, it would prefix this thread's next
        # `settings.STATIC_URL` or `reverse()` outside a Django request.
        clear_script_prefix()
    # As Django's WSGIHandler: the request (its uploads' temp files, the spooled body) is
    # closed with the response, a streamed one once its body is sent.
    response._resource_closers.append(django_request.close)
    if getattr(response, "streaming", False) and request.method != "HEAD":
        # Sent after the body (`_Closing`); the runtime sends it for every other response.
        response._bolt_request_finished = signals
    else:
        _close_resources(response)
    return response
