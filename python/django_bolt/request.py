"""The request object handlers receive.

The objects are created by the Rust runtime: `django_bolt._core.Request` for the interpreted
table, `<project>_bolt.Request` for a compiled one. `Request` is the one public type for both:
`isinstance(request, Request)` holds in either mode."""

import abc

from . import _core


class Request(abc.ABC):  # noqa: B024 (a pure type marker: the runtime classes are registered)
    """Type of the `request` argument: method, path, query, headers, cookies, body, params,
    form, files, state, user, context, auth, META, `get(key, default)`, `get_full_path()`,
    `build_absolute_uri()` and `await auser()`. `Request[UserT, ClaimsT, StateT]` is accepted
    in annotations."""

    def __class_getitem__(cls, params: object) -> type:
        return cls


def adopt_runtime_module(module) -> None:
    """Register a runtime extension's request class as a `Request`."""
    Request.register(module.Request)


adopt_runtime_module(_core)
REQUEST_TYPES: tuple[type, ...] = (Request,)

__all__ = ["Request"]
