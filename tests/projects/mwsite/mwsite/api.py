"""Endpoints for the middleware's server tests and benchmarks."""

from __future__ import annotations

import asyncio
import os
import time

from django_bolt import BoltAPI, JWTAuthentication
from django_bolt.auth import IsAuthenticated
from django_bolt.middleware import TimingMiddleware, no_compress, rate_limit
from django_bolt.responses import EventSourceResponse, StreamingResponse

from .settings import SECRET_KEY

LIFESPAN = {"started": False}


def lifespan(api):
    import contextlib

    @contextlib.asynccontextmanager
    async def context():
        LIFESPAN["started"] = True
        yield
        marker = os.environ.get("MWSITE_LIFESPAN_FILE")
        if marker:
            with open(marker, "w") as out:
                out.write("stopped")

    return context()


api = BoltAPI(lifespan=lifespan)
jwt = JWTAuthentication(secret=SECRET_KEY)
BIG = {"items": [{"id": i, "name": f"item {i:05d}", "tags": ["alpha", "beta", "gamma"], "price": i * 1.25}
                 for i in range(1300)]}  # about 100 KB of JSON


@api.get("/health")
def health() -> dict:
    return {"status": "ok"}


@api.get("/plain")
async def plain() -> dict:
    return {"message": "hello"}


@api.get("/secure", auth=[jwt], guards=[IsAuthenticated()])
async def secure() -> dict:
    return {"message": "hello"}


@api.get("/big")
async def big() -> dict:
    return BIG


@api.get("/limited")
@rate_limit(rps=10, burst=10)
def limited() -> dict:
    return {"pid": os.getpid()}


@api.get("/stream")
async def stream(gap: float = 0.3) -> StreamingResponse:
    async def chunks():
        for i in range(3):
            yield (f"chunk {i} " * 300).encode()
            await asyncio.sleep(gap)

    return StreamingResponse(chunks(), media_type="text/plain")


@api.get("/events")
async def events() -> EventSourceResponse:
    async def ticks():
        for i in range(3):
            yield {"data": "x" * 400, "id": str(i)}

    return EventSourceResponse(ticks())


@api.get("/events/plain")
@no_compress
async def events_plain() -> StreamingResponse:
    async def lines():
        yield "x" * 1000

    return StreamingResponse(lines(), media_type="text/plain")


@api.get("/slow-with-middleware", middleware=[TimingMiddleware])
def slow_with_middleware(ms: int = 500) -> dict:
    time.sleep(ms / 1000)  # a blocking sync handler behind Python middleware
    return {"slept": ms}


@api.get("/lifespan")
def lifespan_state() -> dict:
    return dict(LIFESPAN)
