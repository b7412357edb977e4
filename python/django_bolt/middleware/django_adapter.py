"""Django's own middleware around bolt handlers: the request is presented to the project's
real middleware (sessions, authentication, messages, CSRF, security, third-party) as a
Django `HttpRequest`; what they set (`user`, `session`, `_messages`, `META`, the CSRF token)
is copied onto the bolt request before the handler runs, and the handler's response goes
back out through them (session cookies, security headers...).

The Django chain runs synchronously in a worker thread, as under Django's ASGI handler, and
the bolt handler is called back on the event loop from its innermost step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async

from .. import _bridge
from .._wsgi import wsgi_request
from .python import DjangoMiddlewareMarker, MiddlewareResponse

_COPIED = ("session", "_messages", "csrf_processing_done", "_cached_user")


def _load(item: Any) -> Any:
    if isinstance(item, str):
        from django.utils.module_loading import import_string

        try:
            return import_string(item)
        except ImportError as exc:
            raise ImportError(f"django_middleware: cannot import {item!r}: {exc}") from exc
    return item


def resolve_django_middleware(config: Any) -> list[Any]:
    """`BoltAPI(django_middleware=...)`: True (settings.MIDDLEWARE), a list of classes or
    dotted paths, or `{"include": [...]}` / `{"exclude": [...]}` applied to settings.MIDDLEWARE."""
    from django.conf import settings

    project = list(getattr(settings, "MIDDLEWARE", []))
    if config is True:
        return project
    if isinstance(config, dict):
        unknown = set(config) - {"include", "exclude"}
        if unknown:
            raise ValueError(f"django_middleware: unknown keys {sorted(unknown)} (use 'include' or 'exclude')")
        if "include" in config:
            wanted = set(config["include"])
            return [m for m in project if m in wanted]
        dropped = set(config.get("exclude", ()))
        return [m for m in project if m not in dropped]
    if isinstance(config, (list, tuple)):
        return list(config)
    raise TypeError(f"django_middleware must be True, a list or a dict, not {config!r}")


def _to_django(response: MiddlewareResponse) -> Any:
    from django.http import HttpResponse

    django_response = HttpResponse(response.render_body(), status=response.status_code)
    for name, value in response.headers.items():
        django_response[name] = value
    ctype = response.media_type
    if ctype and "content-type" not in {k.lower() for k in response.headers}:
        django_response["Content-Type"] = ctype
    for cookie in response._set_cookies:
        django_response.cookies.load(cookie)
    # A streamed bolt response goes through Django's middleware by its headers only.
    django_response._bolt_stream = response._stream()
    return django_response


def _from_django(django_response: Any) -> MiddlewareResponse:
    status, headers, body, stream = _bridge._render_django(django_response)
    return MiddlewareResponse(status, headers, body, getattr(django_response, "_bolt_stream", None) or stream)


class DjangoMiddlewareStack(DjangoMiddlewareMarker):
    """Several Django middleware (classes or dotted paths), outermost first."""

    def __init__(self, middleware: list[Any], **init_kwargs: Any) -> None:
        self.middleware = [_load(m) for m in middleware]
        self.init_kwargs = init_kwargs

    def bind(self, get_response: Callable[[Any], Any], view: Any = None) -> Callable[[Any], Any]:
        from django.core.handlers.exception import convert_exception_to_response

        state: dict[str, Any] = {}

        def view_step(django_request: Any) -> Any:
            bolt_request = django_request._bolt_request
            for hook in state["view_hooks"]:
                answered = hook(django_request, view, (), {})
                if answered is not None:
                    return answered
            _copy_back(django_request, bolt_request)
            try:
                response = async_to_sync(get_response)(bolt_request)
                # A login rotates the CSRF token in META: Django's middleware sends it out.
                django_request.META.update({k: v for k, v in bolt_request.META.items() if k.startswith("CSRF_")})
            except Exception as exc:
                for hook in state["exception_hooks"]:
                    answered = hook(django_request, exc)
                    if answered is not None:
                        return answered
                # Rendered as bolt renders it (HTTPException shapes, 422s, JSON 500s), not as
                # Django's error page: the route answers the same with or without this adapter.
                from django.conf import settings

                return _to_django(MiddlewareResponse(*_bridge.render_exception(exc, settings.DEBUG)))
            return _to_django(response)

        def build() -> Callable[[Any], Any]:
            handler: Callable[[Any], Any] = convert_exception_to_response(view_step)
            view_hooks, exception_hooks = [], []
            for cls in reversed(self.middleware):
                instance = cls(handler, **self.init_kwargs) if self.init_kwargs else cls(handler)
                if hasattr(instance, "process_view"):
                    view_hooks.insert(0, instance.process_view)
                if hasattr(instance, "process_exception"):
                    exception_hooks.append(instance.process_exception)
                handler = convert_exception_to_response(instance)
            state["view_hooks"], state["exception_hooks"] = view_hooks, exception_hooks
            return handler

        def run_sync(bolt_request: Any) -> MiddlewareResponse:
            if "chain" not in state:
                state["chain"] = build()
            django_request = wsgi_request(bolt_request)
            django_request._bolt_request = bolt_request
            return _from_django(state["chain"](django_request))

        call = sync_to_async(run_sync)

        async def run(bolt_request: Any) -> Any:
            return await call(bolt_request)

        return run


class DjangoMiddleware(DjangoMiddlewareStack):
    """One Django middleware (a class or a dotted path), with its constructor's keywords."""

    def __init__(self, middleware: Any, **init_kwargs: Any) -> None:
        super().__init__([middleware], **init_kwargs)


def _copy_back(django_request: Any, bolt_request: Any) -> None:
    """What the Django middleware set, onto the bolt request: `user` (loaded here, in this
    thread, so an async handler never queries for it), `session`, messages, META (CSRF)."""
    if hasattr(django_request, "user"):
        user = django_request.user
        getattr(user, "is_authenticated", None)  # loads a lazy user now
        bolt_request.user = getattr(user, "_wrapped", user)
    for name in _COPIED:
        if name in django_request.__dict__:
            bolt_request.state[name] = django_request.__dict__[name]
    bolt_request.META.update({k: v for k, v in django_request.META.items() if k not in ("wsgi.input",)})
