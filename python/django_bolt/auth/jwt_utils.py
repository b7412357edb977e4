"""Helpers around the auth context: tokens for Django users, the current user, and the
user loading behind the lazy `request.user`."""

from __future__ import annotations

from typing import Any

from .backends import BaseAuthentication
from .token import Token

_BACKENDS: dict[str, Any] = {}


def create_jwt_for_user(user: Any, secret: str | None = None, algorithm: str = "HS256", expires_in: int = 3600,
                        extra_claims: dict[str, Any] | None = None) -> str:
    """A token for a Django user: `sub` (its pk), `is_staff`, `is_superuser`, `username`,
    `exp`, `iat`, `jti` (for revocation), `email` when it has one, and `extra_claims`
    (e.g. `{"permissions": [...]}`)."""
    extras: dict[str, Any] = {"username": user.get_username() if hasattr(user, "get_username") else str(user)}
    email = getattr(user, "email", None)
    if email:
        extras["email"] = email
    extras.update(extra_claims or {})
    permissions = extras.pop("permissions", None)
    token = Token.create(user.pk, expires_in, is_staff=bool(getattr(user, "is_staff", False)),
                         is_superuser=bool(getattr(user, "is_superuser", False)), permissions=permissions,
                         **extras)
    return token.encode(secret, algorithm)


def get_auth_context(request: Any) -> dict[str, Any] | None:
    return request.context


def extract_user_id_from_context(request: Any) -> str | None:
    context = request.context
    return None if context is None else context.get("user_id")


def register_auth_backend(name: str, backend: Any) -> None:
    """A backend `load_user` uses for contexts with `auth_backend == name`."""
    _BACKENDS[name] = backend


def load_user(user_id: Any, backend: str | None = None, auth_context: dict[str, Any] | None = None) -> Any:
    """The Django user `user_id` stands for (None when there is none)."""
    loader = _BACKENDS.get(backend or "") or BaseAuthentication()
    return loader.get_user(user_id, auth_context)


def get_current_user(request: Any) -> Any:
    """A dependency: `user = Depends(get_current_user)`. The authenticated Django user (a lazy
    object that queries the database on first use, so async handlers may take it too), or
    None for an anonymous request."""
    return request.user
