"""In-process test clients: requests go through the Rust pipeline without a socket."""

from .client import AsyncTestClient, TestClient

__all__ = ["TestClient", "AsyncTestClient"]
