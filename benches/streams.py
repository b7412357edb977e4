"""Streams and uploads against one `runbolt` process (issue 11, acceptance 3).

1. `--sse` concurrent SSE clients (default 1000) each read an async generator's `--events`
   events (default 20, 50 ms apart); reported: how many clients got every event, the time to
   the last one, and the server's peak RSS.
2. `--uploaders` concurrent clients (default 32) each upload `--uploads` 1 MiB files (default
   8) through a `File(max_size=...)` route; reported: uploads/s and MB/s, with the same number
   of 1 MiB JSON-free POSTs of the same bytes to a plain `request.body` route as the peer
   measured in the same run (ratio = upload time ÷ raw-body time).

Bounded: every phase has a deadline. `make bench-streams`.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time

from demo_server import HOST, demo_server

MB = 1024 * 1024
BOUNDARY = "benchboundary42"
API = '''
import asyncio
from typing import Annotated
from django_bolt import BoltAPI, File, UploadFile
from django_bolt.responses import EventSourceResponse, ServerSentEvent

api = BoltAPI(prefix="/bench")

@api.get("/sse")
async def sse(events: int = 20, gap: float = 0.05):
    async def ticks():
        for i in range(events):
            yield ServerSentEvent({"i": i}, id=i)
            await asyncio.sleep(gap)
    return EventSourceResponse(ticks(), ping_interval=None)

@api.post("/upload")
def upload(doc: Annotated[UploadFile, File(max_size=4 * 1024 * 1024)]) -> dict:
    return {"size": doc.size}

@api.post("/raw")
def raw(request) -> dict:
    return {"size": len(request.body)}
'''


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def sse_client(port: int, events: int, deadline: float) -> int:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(f"GET /bench/sse?events={events} HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = b""
    try:
        while data.count(b"\n\n") < events + 1:  # the head's blank line, then one per event
            chunk = await asyncio.wait_for(reader.read(65536), max(0.1, deadline - time.monotonic()))
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pass
    finally:
        writer.close()
    return data.count(b"data: {")


async def post(port: int, path: str, head: bytes, body: bytes) -> bool:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(f"POST {path} HTTP/1.1\r\nHost: b\r\nContent-Length: {len(body)}\r\n".encode() + head +
                 b"Connection: close\r\n\r\n")
    writer.write(body)
    await writer.drain()
    response = await reader.read()
    writer.close()
    return response.startswith(b"HTTP/1.1 200")


async def run(port: int, pid: int, args: argparse.Namespace) -> dict:
    result: dict = {"start_rss": rss_mb(pid), "peak_rss": 0.0}

    async def sample() -> None:
        while True:
            result["peak_rss"] = max(result["peak_rss"], rss_mb(pid))
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    deadline = started + args.deadline
    counts = await asyncio.gather(*(sse_client(port, args.events, deadline) for _ in range(args.sse)))
    result["sse_seconds"] = time.monotonic() - started
    result["sse_complete"] = sum(1 for c in counts if c == args.events)
    result["sse_rss"] = result["peak_rss"]

    payload = bytes(range(256)) * 4096
    opening = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"f.bin\"\r\n"
               f"Content-Type: application/octet-stream\r\n\r\n").encode()
    multipart = opening + payload + f"\r\n--{BOUNDARY}--\r\n".encode()
    upload_head = f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n".encode()
    raw_head = b"Content-Type: application/octet-stream\r\n"
    for name, path, head, body in (("upload", "/bench/upload", upload_head, multipart),
                                   ("raw", "/bench/raw", raw_head, payload)):
        semaphore = asyncio.Semaphore(args.uploaders)

        async def one(path=path, head=head, body=body, semaphore=semaphore) -> bool:
            async with semaphore:
                return await post(port, path, head, body)

        started = time.monotonic()
        oks = await asyncio.gather(*(one() for _ in range(args.uploaders * args.uploads)))
        result[f"{name}_seconds"] = time.monotonic() - started
        result[f"{name}_ok"] = sum(oks)
    sampler.cancel()
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sse", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--uploaders", type=int, default=32)
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--deadline", type=float, default=60.0)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.sse + 256)), hard))
    files = {"stream_bench_api.py": API, "stream_bench_settings.py":
             "from demo.settings import *  # noqa: F401,F403\nBOLT_API = ['demo.api:api', 'stream_bench_api:api']\n"}
    with demo_server("stream_bench_settings", files, "bolt-streams-") as started:
        if started is None:
            return 1
        port, pid = started
        r = asyncio.run(run(port, pid, args))
    n = args.uploaders * args.uploads
    print(f"# Streams and uploads on one process\n\n`python benches/streams.py --sse {args.sse} "
          f"--events {args.events} --uploaders {args.uploaders} --uploads {args.uploads}`\n")
    print(f"- SSE: {r['sse_complete']}/{args.sse} clients received all {args.events} events "
          f"(50 ms apart) in {r['sse_seconds']:.2f} s; server RSS {r['start_rss']:.0f} → {r['sse_rss']:.0f} MB")
    for name in ("upload", "raw"):
        seconds = r[f"{name}_seconds"]
        print(f"- {name}: {r[f'{name}_ok']}/{n} ok at {args.uploaders} concurrent, {n / seconds:.0f} req/s, "
              f"{n / seconds:.0f} MB/s")
    print(f"- multipart upload ÷ raw body time: {r['upload_seconds'] / r['raw_seconds']:.2f}×")
    print(f"- server peak RSS: {r['peak_rss']:.0f} MB")
    ok = r["sse_complete"] == args.sse and r["upload_ok"] == n and r["raw_ok"] == n
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
