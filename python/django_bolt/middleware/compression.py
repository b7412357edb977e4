"""`CompressionConfig`: response compression, done by the runtime (gzip, brotli, zstd)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BACKENDS = ("brotli", "gzip", "zstd")


@dataclass(frozen=True)
class CompressionConfig:
    """Compress responses of at least `minimum_size` bytes with `backend` when the client
    accepts it, else with gzip (`gzip_fallback`). Server-wide: `BOLT_COMPRESSION` wins over
    the first API's `compression=`; without either, nothing is compressed."""

    backend: str = "brotli"
    minimum_size: int = 500
    gzip_fallback: bool = True

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"CompressionConfig.backend must be one of {BACKENDS}, not {self.backend!r}")
        if not isinstance(self.minimum_size, int) or isinstance(self.minimum_size, bool) or self.minimum_size < 0:
            raise ValueError(f"CompressionConfig.minimum_size must be a non-negative int, not {self.minimum_size!r}")

    def runtime_config(self) -> dict[str, Any]:
        return {"backend": self.backend, "minimum_size": self.minimum_size, "gzip_fallback": bool(self.gzip_fallback)}
