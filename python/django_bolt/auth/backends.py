"""Authentication backends. The runtime checks credentials in Rust (no GIL); these classes
carry the configuration: the manifest gets the shape (`manifest()`), the app the secrets
(`runtime_config()`), which never enter the manifest or the generated code."""

from __future__ import annotations

import json
from typing import Any

from .._strings import string_list
from .revocation import RevocationStore, _HandlerRevocation

JWT_ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                  "ES256", "ES384", "EdDSA")


class BaseAuthentication:
    """A backend. `get_user(user_id, auth_context)` loads `request.user` (lazily)."""

    scheme = ""

    def manifest(self) -> dict[str, Any]:
        raise TypeError(
            f"{type(self).__name__}: custom Python authentication classes are not supported (authentication "
            "runs in Rust); use JWTAuthentication or APIKeyAuthentication, or Django's session middleware")

    def runtime_config(self) -> dict[str, Any]:
        return {}

    def revocation(self) -> RevocationStore | None:
        return None

    def get_user(self, user_id: Any, auth_context: dict[str, Any] | None) -> Any:
        from django.contrib.auth import get_user_model

        if user_id is None:
            return None
        model = get_user_model()
        try:
            return model.objects.get(pk=user_id)
        except (model.DoesNotExist, ValueError, TypeError):
            return None


class JWTAuthentication(BaseAuthentication):
    """JSON Web Tokens from `header` (`Bearer ` stripped). `secret` (HS*) defaults to
    Django's `SECRET_KEY`, read when the app is built; `public_key` (PEM) or `jwks` (a JWK
    set dict or JSON text) for RS*/PS*/ES*/EdDSA. `exp` is required; `exp`/`nbf` are checked
    with `leeway` seconds, `aud`/`iss` when `audience`/`issuer` are set. With
    `revocation_store` (or `revoked_token_handler(jti) -> bool`) a revoked `jti` is no
    credential; `require_jti` refuses tokens without one."""

    scheme = "jwt"

    def __init__(self, secret: str | None = None, algorithms: list[str] | None = None, header: str = "authorization",
                 audience: str | list[str] | None = None, issuer: str | list[str] | None = None,
                 revocation_store: RevocationStore | None = None, revoked_token_handler: Any = None,
                 require_jti: bool = False, *, leeway: int = 0, public_key: str | None = None,
                 jwks: dict[str, Any] | str | None = None) -> None:
        self.secret = secret
        self.algorithms = list(algorithms or ["HS256"])
        for alg in self.algorithms:
            if alg not in JWT_ALGORITHMS:
                raise ValueError(f"JWTAuthentication: unknown algorithm {alg!r} (one of {', '.join(JWT_ALGORITHMS)})")
        if not isinstance(leeway, int) or isinstance(leeway, bool) or leeway < 0:
            raise ValueError(f"JWTAuthentication: leeway must be a non-negative int of seconds, not {leeway!r}")
        self.header = header.lower()
        self.audience = string_list(audience, "audience")
        self.issuer = string_list(issuer, "issuer")
        if revocation_store is None and revoked_token_handler is not None:
            revocation_store = _HandlerRevocation(revoked_token_handler)
        self.revocation_store = revocation_store
        self.revoked_token_handler = revoked_token_handler
        self.require_jti = bool(require_jti)
        self.leeway = leeway
        self.public_key = public_key
        self.jwks = json.loads(jwks) if isinstance(jwks, str) else jwks

    def signing_secret(self) -> str:
        if self.secret is not None:
            return self.secret
        from django.conf import settings

        return settings.SECRET_KEY

    def manifest(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"kind": "jwt", "header": self.header, "algorithms": self.algorithms,
                                 "audience": self.audience, "issuer": self.issuer, "leeway": self.leeway,
                                 "require_jti": self.require_jti}
        if self.revocation_store is not None:
            entry["revocation"] = self.revocation_store.runtime_kind
        return entry

    def runtime_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {}
        if any(a.startswith("HS") for a in self.algorithms) and self.jwks is None:
            config["secret"] = self.signing_secret()
        if self.public_key is not None:
            config["public_key"] = self.public_key
        if self.jwks is not None:
            config["jwks"] = self.jwks
        store = self.revocation_store
        if store is not None and store.runtime_kind == "redis":
            config["revocation_url"] = store.url
            config["revocation_prefix"] = store.key_prefix
        return config

    def revocation(self) -> RevocationStore | None:
        return self.revocation_store

    def __repr__(self) -> str:
        return f"JWTAuthentication(algorithms={self.algorithms!r}, header={self.header!r})"


class APIKeyAuthentication(BaseAuthentication):
    """API keys from `header` (a `Bearer `/`ApiKey ` prefix stripped). An empty key set
    admits nobody. The context's `user_id` is `"apikey:<key>"`; `key_permissions` maps a key
    to its permissions."""

    scheme = "api_key"

    def __init__(self, api_keys: Any = None, header: str = "x-api-key",
                 key_permissions: dict[str, Any] | None = None) -> None:
        self.api_keys = set(string_list(api_keys, "api_keys"))
        self.header = header.lower()
        self.key_permissions = {k: sorted(v) for k, v in (key_permissions or {}).items()}

    def manifest(self) -> dict[str, Any]:
        return {"kind": "api_key", "header": self.header}

    def runtime_config(self) -> dict[str, Any]:
        return {"api_keys": sorted(self.api_keys), "key_permissions": self.key_permissions}

    def get_user(self, user_id: Any, auth_context: dict[str, Any] | None) -> Any:
        # An API key is not a Django user; override to map keys to users.
        return None

    def __repr__(self) -> str:
        return f"APIKeyAuthentication(header={self.header!r}, keys={len(self.api_keys)})"


class SessionAuthentication(BaseAuthentication):
    """Django's session login: a request that no other backend of the route authenticates is
    authenticated by Django's `request.user` (the route runs behind Django's session and
    authentication middleware, added when its API has no `django_middleware`), and the
    route's guards see that user (`user_id`, `is_staff`, `is_superuser`, its permissions)."""

    scheme = "session"

    def manifest(self) -> dict[str, Any]:
        raise TypeError("SessionAuthentication is checked in Python, after Django's middleware")
