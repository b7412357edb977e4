"""In-process test client: requests go through the Rust pipeline without a socket."""

from .client import TestClient

__all__ = ["TestClient"]
