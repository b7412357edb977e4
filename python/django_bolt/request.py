"""The request object handlers receive (implemented in Rust)."""

from ._core import Request

REQUEST_TYPES: tuple[type, ...] = (Request,)

__all__ = ["Request"]
