"""Revoked-token stores for `JWTAuthentication(revocation_store=...)`: a token whose `jti` is
listed is treated as no credential. The Redis store is read by the runtime itself (no GIL);
the others are asked from Python, only for requests with an otherwise valid token."""

from __future__ import annotations

import threading
import time
from typing import Any


class RevocationStore:
    """Interface: `revoke(jti, expires_in=None)` and `is_revoked(jti) -> bool`."""

    #: How the runtime consults the store: "python" (calls `is_revoked`) or "redis".
    runtime_kind = "python"

    def revoke(self, jti: str, expires_in: int | None = None) -> None:
        raise NotImplementedError

    def is_revoked(self, jti: str) -> bool:
        raise NotImplementedError


class InMemoryRevocation(RevocationStore):
    """Revoked ids in this process (tests, single-process servers)."""

    def __init__(self) -> None:
        self._revoked: dict[str, float | None] = {}
        self._lock = threading.Lock()

    def revoke(self, jti: str, expires_in: int | None = None) -> None:
        with self._lock:
            self._revoked[jti] = None if expires_in is None else time.monotonic() + expires_in

    def is_revoked(self, jti: str) -> bool:
        with self._lock:
            if jti not in self._revoked:
                return False
            until = self._revoked[jti]
            if until is not None and until < time.monotonic():
                del self._revoked[jti]
                return False
            return True


class DjangoCacheRevocation(RevocationStore):
    """Revoked ids in a Django cache (shared by processes when the cache is)."""

    def __init__(self, cache_alias: str = "default", key_prefix: str = "revoked_token:") -> None:
        self.cache_alias, self.key_prefix = cache_alias, key_prefix

    def _cache(self) -> Any:
        from django.core.cache import caches

        return caches[self.cache_alias]

    def revoke(self, jti: str, expires_in: int | None = None) -> None:
        self._cache().set(self.key_prefix + jti, True, timeout=expires_in)

    def is_revoked(self, jti: str) -> bool:
        return bool(self._cache().get(self.key_prefix + jti))


class DjangoORMRevocation(RevocationStore):
    """Revoked ids as rows of a model with a `jti` field (`model_path="app.Model"`)."""

    def __init__(self, model_path: str) -> None:
        self.model_path = model_path

    def _model(self) -> Any:
        from django.apps import apps

        return apps.get_model(self.model_path)

    def revoke(self, jti: str, expires_in: int | None = None) -> None:
        self._model().objects.get_or_create(jti=jti)

    def is_revoked(self, jti: str) -> bool:
        return self._model().objects.filter(jti=jti).exists()


class RedisRevocation(RevocationStore):
    """Revoked ids as Redis keys `<key_prefix><jti>` (expiring with their tokens), checked by
    the runtime without Python. `revoke` needs the `redis` package."""

    runtime_kind = "redis"

    def __init__(self, url: str, key_prefix: str = "bolt:revoked:") -> None:
        self.url, self.key_prefix = url, key_prefix

    def _client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url)

    def revoke(self, jti: str, expires_in: int | None = None) -> None:
        self._client().set(self.key_prefix + jti, 1, ex=expires_in)

    def is_revoked(self, jti: str) -> bool:
        return bool(self._client().exists(self.key_prefix + jti))


class _HandlerRevocation(RevocationStore):
    """`JWTAuthentication(revoked_token_handler=f)`: `f(jti) -> bool`."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler

    def is_revoked(self, jti: str) -> bool:
        return bool(self.handler(jti))
