"""Guards (permission classes): evaluated in Rust from the auth context, before the GIL.
Combine them with `&`, `|` and `~`. A denied request gets 401 when it carried no valid
credential, 403 when it did."""

from __future__ import annotations

from typing import Any


class BasePermission:
    """A guard. The built-in guards describe themselves to the runtime (`to_manifest`); a
    guard that cannot be evaluated in Rust is refused when the route is built."""

    def to_manifest(self) -> dict[str, Any]:
        raise TypeError(
            f"{type(self).__name__}: custom Python guards are not supported (guards run in Rust before "
            "Python); combine the built-in guards and Requires(...), or check in the handler")

    def __and__(self, other: BasePermission) -> BasePermission:
        return _Combined("and", [self, _guard(other)])

    def __or__(self, other: BasePermission) -> BasePermission:
        return _Combined("or", [self, _guard(other)])

    def __invert__(self) -> BasePermission:
        return _Not(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _guard(value: Any) -> BasePermission:
    if isinstance(value, type) and issubclass(value, BasePermission):
        value = value()
    if not isinstance(value, BasePermission):
        raise TypeError(f"guards must be guard instances (e.g. IsAuthenticated()), not {value!r}")
    return value


def guards_manifest(guards: Any) -> list[dict[str, Any]]:
    """A route's guard list for the manifest (each item a guard or a guard class)."""
    if isinstance(guards, BasePermission):
        guards = [guards]
    return [_guard(g).to_manifest() for g in guards]


class _Simple(BasePermission):
    kind = ""

    def to_manifest(self) -> dict[str, Any]:
        return {"kind": self.kind}


class AllowAny(_Simple):
    """Admits every request (and short-circuits the guards after it)."""

    kind = "allow_any"


class IsAuthenticated(_Simple):
    kind = "is_authenticated"


class IsAdminUser(_Simple):
    """The `is_superuser` claim."""

    kind = "is_admin_user"


class IsStaff(_Simple):
    """The `is_staff` claim."""

    kind = "is_staff"


def _permission_names(perms: tuple[Any, ...]) -> list[str]:
    # The docs pass a list (`HasAnyPermission(["a", "b"])`); django-bolt takes varargs: both work.
    if len(perms) == 1 and isinstance(perms[0], (list, tuple, set, frozenset)):
        perms = tuple(perms[0])
    names = [str(p) for p in perms]
    if not names:
        raise ValueError("at least one permission is required")
    return names


class HasPermission(BasePermission):
    def __init__(self, permission: str) -> None:
        self.permission = str(permission)

    def to_manifest(self) -> dict[str, Any]:
        return {"kind": "has_permission", "permission": self.permission}

    def __repr__(self) -> str:
        return f"HasPermission({self.permission!r})"


class HasAnyPermission(BasePermission):
    def __init__(self, *permissions: Any) -> None:
        self.permissions = _permission_names(permissions)

    def to_manifest(self) -> dict[str, Any]:
        return {"kind": "has_any_permission", "permissions": self.permissions}


class HasAllPermissions(BasePermission):
    def __init__(self, *permissions: Any) -> None:
        self.permissions = _permission_names(permissions)

    def to_manifest(self) -> dict[str, Any]:
        return {"kind": "has_all_permissions", "permissions": self.permissions}


class Requires(BasePermission):
    """A claim of the token: holding any of `values`, all of `all_of` and none of `none_of`
    (a list claim, or a space-separated one such as OAuth's `scope`); with no values, present
    and truthy. `claim` may be a dotted path (`"realm_access.roles"`)."""

    def __init__(self, claim: str, *values: Any, all_of: Any = (), none_of: Any = ()) -> None:
        if not claim:
            raise ValueError("Requires() needs a claim name")
        self.claim = claim
        self.any_of, self.all_of, self.none_of = list(values), list(all_of), list(none_of)

    def to_manifest(self) -> dict[str, Any]:
        return {"kind": "requires", "claim": self.claim, "any_of": self.any_of, "all_of": self.all_of,
                "none_of": self.none_of}


class _Combined(BasePermission):
    def __init__(self, kind: str, guards: list[BasePermission]) -> None:
        self.kind, self.guards = kind, guards

    def to_manifest(self) -> dict[str, Any]:
        return {"kind": self.kind, "guards": [g.to_manifest() for g in self.guards]}


class _Not(BasePermission):
    def __init__(self, guard: BasePermission) -> None:
        self.guard = guard

    def to_manifest(self) -> dict[str, Any]:
        return {"kind": "not", "guard": self.guard.to_manifest()}
