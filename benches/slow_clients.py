"""Slow clients against one `runbolt` process (issue 10, acceptance 2).

200 slow-body clients (a declared 1 MiB body, one byte a second) and 200 slow keep-alive
clients (one complete request, then the next head a byte a second) hold connections while a
normal client measures request latency. Reported: the normal requests' p50/p99 with and without
the slow clients (the peer measured in the same run), the server's peak RSS, and when each slow
connection was closed by the server. Bounded: every client stops after `--seconds`.

    python benches/slow_clients.py [--slow 200] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from demo_server import HOST, ROOT, demo_server

SETTINGS = """from demo.settings import *  # noqa: F401,F403
BOLT_HEADER_TIMEOUT = 5
BOLT_BODY_TIMEOUT = 5
BOLT_BODY_TOTAL_TIMEOUT = 10
"""
NORMAL = b"GET /api/items/42?q=abc HTTP/1.1\r\nHost: bench\r\n\r\n"


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def read_response(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    await reader.readexactly(length)


async def normal_latencies(port: int, seconds: float) -> list[float]:
    reader, writer = await asyncio.open_connection(HOST, port)
    latencies = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        start = time.perf_counter()
        writer.write(NORMAL)
        await writer.drain()
        await read_response(reader)
        latencies.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.002)
    writer.close()
    return latencies


async def slow_client(port: int, kind: str, seconds: float) -> float | None:
    """Seconds until the server closed the connection, or None if it was still open."""
    reader, writer = await asyncio.open_connection(HOST, port)
    opened = time.monotonic()
    if kind == "body":
        writer.write(b"POST /api/books HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1048576\r\n\r\n")
    else:
        writer.write(b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n")
        await read_response(reader)
        writer.write(b"GET /health HTTP/1.1\r\nX-Slow: ")
    try:
        while time.monotonic() - opened < seconds:
            writer.write(b"a")
            await writer.drain()
            try:
                data = await asyncio.wait_for(reader.read(65536), 1.0)
                if not data or data.startswith(b"HTTP/1.1 408"):
                    return time.monotonic() - opened
            except TimeoutError:
                continue
    except (ConnectionError, OSError):
        return time.monotonic() - opened
    finally:
        writer.close()
    return None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def run(port: int, pid: int, slow: int, seconds: float) -> dict:
    baseline = await normal_latencies(port, 5)
    peak = [rss_mb(pid)]

    async def sample() -> None:
        while True:
            peak.append(rss_mb(pid))
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample())
    slow_tasks = [asyncio.create_task(slow_client(port, kind, seconds))
                  for kind in ("body", "keepalive") for _ in range(slow)]
    await asyncio.sleep(1.0)  # let them all connect
    under_load = await normal_latencies(port, min(10, seconds - 2))
    closes = await asyncio.gather(*slow_tasks)
    sampler.cancel()
    return {"baseline": baseline, "under_load": under_load, "peak_rss": max(peak), "start_rss": peak[0],
            "body_closes": closes[:slow], "keepalive_closes": closes[slow:]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=200, help="slow clients of each kind")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    with demo_server("slow_settings", {"slow_settings.py": SETTINGS}, "bolt-slow-") as started:
        if started is None:
            return 1
        port, pid = started
        result = asyncio.run(run(port, pid, args.slow, args.seconds))
    base, load = result["baseline"], result["under_load"]
    lines = [
        f"# Slow clients: {args.slow} slow-body + {args.slow} slow keep-alive on one process",
        "",
        "`python benches/slow_clients.py` (timeouts: head 5 s, body idle 5 s, body total 10 s)",
        "",
        "| | requests | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
        f"| normal requests alone | {len(base)} | {statistics.median(base):.2f} | {percentile(base, 0.99):.2f} |",
        f"| with the slow clients | {len(load)} | {statistics.median(load):.2f} | {percentile(load, 0.99):.2f} |",
        "",
        f"- p99 ratio (with ÷ without): {percentile(load, 0.99) / percentile(base, 0.99):.2f}×",
        f"- server RSS: {result['start_rss']:.0f} MB before, {result['peak_rss']:.0f} MB peak",
    ]
    for kind in ("body", "keepalive"):
        closes = result[f"{kind}_closes"]
        closed = [c for c in closes if c is not None]
        summary = (f"{len(closed)}/{len(closes)} closed by the server"
                   + (f", after {min(closed):.1f}-{max(closed):.1f} s" if closed else ""))
        lines.append(f"- slow {kind} connections: {summary}")
    report = "\n".join(lines) + "\n"
    print(report)
    out = ROOT / "benches" / "results" / f"slow-clients-{time.strftime('%Y%m%d-%H%M%S')}.md"
    out.write_text(report)
    ok = (percentile(load, 0.99) < 50 and result["peak_rss"] < 150
          and all(c is not None for c in result["body_closes"] + result["keepalive_closes"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
