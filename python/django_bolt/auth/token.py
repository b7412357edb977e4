"""`Token`: a JWT's claims as a dataclass, signed and checked by the runtime's `jsonwebtoken`
(so a token made here is read on requests exactly as it was written)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .. import _core

_REGISTERED = ("sub", "exp", "iat", "nbf", "iss", "aud", "jti", "is_staff", "is_superuser", "permissions")


@dataclass
class Token:
    sub: str
    exp: int
    iat: int = field(default_factory=lambda: int(time.time()))
    nbf: int | None = None
    iss: str | None = None
    aud: str | list[str] | None = None
    jti: str | None = None
    is_staff: bool = False
    is_superuser: bool = False
    permissions: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, sub: Any, expires_in: int = 3600, *, issuer: str | None = None, audience: Any = None,
               jti: str | None = None, is_staff: bool = False, is_superuser: bool = False,
               permissions: list[str] | None = None, **extras: Any) -> Token:
        now = int(time.time())
        return cls(sub=str(sub), exp=now + int(expires_in), iat=now, iss=issuer, aud=audience,
                   jti=jti or uuid.uuid4().hex, is_staff=is_staff, is_superuser=is_superuser,
                   permissions=list(permissions or []), extras=dict(extras))

    def to_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.sub, "exp": self.exp, "iat": self.iat}
        for name in ("nbf", "iss", "aud", "jti"):
            value = getattr(self, name)
            if value is not None:
                claims[name] = value
        claims["is_staff"] = self.is_staff
        claims["is_superuser"] = self.is_superuser
        if self.permissions:
            claims["permissions"] = self.permissions
        claims.update(self.extras)
        return claims

    def encode(self, secret: str | None = None, algorithm: str = "HS256", *, kid: str | None = None) -> str:
        """The signed token: `secret` for HS* (default `SECRET_KEY`), a PEM private key else."""
        return _core.jwt_encode(json.dumps(self.to_claims()), _key(secret), algorithm, kid)

    @classmethod
    def decode(cls, token: str, secret: str | None = None, algorithms: list[str] | None = None, *,
               audience: Any = None, issuer: Any = None, leeway: int = 0) -> Token:
        """The token's claims, checked (signature, `exp`, `nbf`, `aud`/`iss` when given):
        ValueError says what failed. `secret` is the HS* secret or a PEM public key."""
        claims = json.loads(_core.jwt_decode(token, _key(secret), list(algorithms or ["HS256"]),
                                             _list(audience), _list(issuer), leeway))
        return cls.from_claims(claims)

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Token:
        known = {k: claims[k] for k in _REGISTERED if k in claims}
        return cls(sub=str(known.pop("sub", "")), exp=int(known.pop("exp", 0)),
                   extras={k: v for k, v in claims.items() if k not in _REGISTERED}, **known)


def _key(secret: str | None) -> str:
    if secret is not None:
        return secret
    from django.conf import settings

    return settings.SECRET_KEY


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
