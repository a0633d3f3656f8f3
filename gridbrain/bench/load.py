"""A lean HTTP load generator for benchmarks that share the machine with the server under test.

One thread, asyncio (uvloop when installed), `concurrency` keep-alive HTTP/1.1 connections; the
requests are encoded before the clock starts, and a response is read by its Content-Length, so
the generator spends tens of microseconds of CPU a request and leaves the cores to the server.
Closed loop (each connection sends its next request when the answer came) or a fixed rate,
where latency counts from when a request was due, so a server that falls behind shows its queue
(no coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from gridbrain.bench.measure import percentile


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def summary(self, ok: tuple[int, ...] = (200, 201)) -> dict[str, float]:
        bad = self.errors + sum(n for s, n in self.statuses.items() if s not in ok)
        return {
            "events_per_s": self.per_second,
            "p50_ms": percentile(self.latencies, 50) * 1000,
            "p99_ms": percentile(self.latencies, 99) * 1000,
            "errors": float(bad),
        }


def encode_posts(host: str, path: str, headers: dict[str, str], bodies: list[dict[str, Any]]) -> list[bytes]:
    """Each body as a complete HTTP/1.1 POST with a JSON body, ready to write."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    out = []
    for b in bodies:
        data = json.dumps(b, ensure_ascii=False).encode()
        out.append(
            (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{head}Content-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n"
            ).encode()
            + data
        )
    return out


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    if length:
        await reader.readexactly(length)
    return status


async def _run(host: str, port: int, requests: list[bytes], concurrency: int, rate: float | None) -> LoadResult:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    next_index = 0
    start = time.perf_counter()

    async def worker() -> None:
        nonlocal next_index, errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while next_index < len(requests):
                i = next_index
                next_index += 1
                due = None
                if rate:
                    due = start + i / rate
                    delay = due - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                t0 = time.perf_counter() if due is None else due
                try:
                    writer.write(requests[i])
                    status = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(len(requests), time.perf_counter() - start, latencies, statuses, errors)


def run_load(host: str, port: int, requests: list[bytes], *, concurrency: int, rate: float | None = None) -> LoadResult:
    """Send `requests` over `concurrency` connections, closed loop or at `rate` per second."""
    try:
        import uvloop

        return uvloop.run(_run(host, port, requests, concurrency, rate))
    except ImportError:  # pragma: no cover - uvloop is a dependency; plain asyncio works too
        return asyncio.run(_run(host, port, requests, concurrency, rate))
