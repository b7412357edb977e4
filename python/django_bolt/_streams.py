"""What streamed responses hand to the Rust runtime: iterators of `bytes` made from what a
handler's generator yields, server-sent event framing, and the pump task that feeds an async
generator's chunks to the connection (`stream/python.rs` pumps sync ones itself)."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import msgspec

logger = logging.getLogger("django_bolt")

CHUNK_TYPES = (bytes, bytearray, memoryview, str)
SENT, FULL, CLOSED = 0, 1, 2  # ChunkSink.send results
BACKPRESSURE_PAUSE = 0.002  # seconds between tries while the client is slower than the stream


def as_bytes(chunk: Any) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode()
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"a streamed response yields str, bytes, bytearray or memoryview, not {type(chunk).__name__}")


def check_stream_content(content: Any, what: str) -> bool:
    """Whether `content` is async; a generator *function* (or anything not iterable) is a
    TypeError when the response is made, not a broken stream later."""
    if inspect.isgeneratorfunction(content) or inspect.isasyncgenfunction(content):
        raise TypeError(f"{what} needs a generator instance: call {content.__qualname__}() "
                        "instead of passing the function")
    if hasattr(content, "__aiter__"):
        return True
    if hasattr(content, "__iter__") and not isinstance(content, (str, bytes, bytearray, memoryview, dict)):
        return False
    raise TypeError(f"{what} needs an iterator or async iterator, not {type(content).__name__}")


def sync_chunks(content: Any, convert: Any = as_bytes) -> Iterator[bytes]:
    iterator = iter(content)
    try:
        for item in iterator:
            yield convert(item)
    except Exception:
        logger.exception("Error while streaming a response")
        raise
    finally:  # also when the client left: Rust closes this generator, the handler's runs its finally
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


async def async_chunks(content: Any, convert: Any = as_bytes) -> AsyncIterator[bytes]:
    iterator = content.__aiter__()
    try:
        async for item in iterator:
            yield convert(item)
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


async def _pump(chunks: AsyncIterator[bytes], sink: Any) -> None:
    failed = False
    try:
        async for chunk in chunks:
            state = sink.send(chunk)
            while state == FULL:
                await asyncio.sleep(BACKPRESSURE_PAUSE)
                state = sink.send(chunk)
            if state == CLOSED:
                break
    except asyncio.CancelledError:  # the client left: the generator's finally has run
        raise
    except Exception:
        failed = True
        logger.exception("Error while streaming a response")
    finally:
        sink.close(failed)
        await chunks.aclose()


def start_pump(chunks: AsyncIterator[bytes], sink: Any, loop: asyncio.AbstractEventLoop) -> Any:
    """Run the pump on `loop`; the returned future is cancelled by Rust when the client
    disconnects."""
    return asyncio.run_coroutine_threadsafe(_pump(chunks, sink), loop)


# ---------------------------------------------------------------------------------------------
# server-sent events

class ServerSentEvent:
    """One event: `data` (str as it is, anything else as JSON; several lines become several
    `data:` lines), `event`, `id`, `retry` (milliseconds) and a `comment`."""

    __slots__ = ("data", "event", "id", "retry", "comment")

    def __init__(self, data: Any = None, *, event: str | None = None, id: str | int | None = None,  # noqa: A002
                 retry: int | None = None, comment: str | None = None) -> None:
        for name, value in (("event", event), ("id", id), ("comment", comment)):
            if value is not None and any(c in str(value) for c in "\r\n"):
                raise ValueError(f"ServerSentEvent {name} cannot contain a line break")
        if retry is not None and (not isinstance(retry, int) or isinstance(retry, bool) or retry < 0):
            raise ValueError(f"ServerSentEvent retry must be a non-negative int (milliseconds), not {retry!r}")
        self.data, self.event, self.id, self.retry, self.comment = data, event, id, retry, comment

    def encode(self) -> bytes:
        lines: list[str] = []
        if self.comment is not None:
            lines.append(f": {self.comment}")
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        if self.data is not None:
            text = self.data if isinstance(self.data, str) else msgspec.json.encode(self.data).decode()
            lines.extend(f"data: {line}" for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        return ("\n".join(lines) + "\n\n").encode()

    def __repr__(self) -> str:
        return f"ServerSentEvent(data={self.data!r}, event={self.event!r}, id={self.id!r})"


def sse_bytes(item: Any) -> bytes:
    """What one yielded item sends: an event as framed; str/bytes as they are (already framed
    by the handler, as django-bolt's users write `data: ...\\n\\n`); anything else as JSON data."""
    if isinstance(item, ServerSentEvent):
        return item.encode()
    if isinstance(item, CHUNK_TYPES):
        return as_bytes(item)
    return ServerSentEvent(item).encode()
