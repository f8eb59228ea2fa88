"""Check that the endpoint is not the bottleneck at 256 concurrent connections.

A raw asyncio client (no botocore, so the client costs little) keeps 256 keep-alive
connections busy against an endpoint with a fixed delay, and measures each request's
round trip minus that delay. The endpoint reports its own side of the same figure.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.endpoint.process import EndpointProcess

_REQUEST = (
    b"POST / HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n"
    b"X-Amz-Target: AmazonSQS.ListQueues\r\n"
    b"Content-Type: application/x-amz-json-1.0\r\n"
    b"Authorization: AWS4-HMAC-SHA256 "
    b"Credential=testing/20261127/us-east-1/sqs/aws4_request, "
    b"SignedHeaders=host, Signature=0\r\n"
    b"Content-Length: 2\r\n\r\n{}"
)


@dataclass(frozen=True)
class LoadResult:
    connections: int
    requests: int
    delay_ms: float
    wall_s: float
    client_overhead_p50_ms: float
    client_overhead_p99_ms: float
    server: dict[str, Any]


async def read_response(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":", 1)[1]))
            return


async def one_connection(port: int, requests: int, delay_s: float) -> list[float]:
    """Round trips minus the endpoint's delay, seconds, for one connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    overheads = []
    for _ in range(requests):
        start = time.perf_counter()
        writer.write(_REQUEST)
        await read_response(reader)
        overheads.append(time.perf_counter() - start - delay_s)
    writer.close()
    return overheads


async def drive(port: int, connections: int, requests: int, delay_s: float) -> Any:
    tasks = [one_connection(port, requests, delay_s) for _ in range(connections)]
    return await asyncio.gather(*tasks)


def run_loadcheck(
    connections: int = 256, requests: int = 8, delay_ms: float = 100.0
) -> LoadResult:
    """Measure the endpoint's overhead under ``connections`` concurrent clients."""
    with EndpointProcess(
        "--pin", "--fixed-delay-ms", str(delay_ms), max_seconds=120
    ) as ep:
        start = time.perf_counter()
        per_connection = asyncio.run(
            drive(ep.port, connections, requests, delay_ms / 1e3)
        )
        wall = time.perf_counter() - start
        server = ep.stats()
    samples = sorted(x for conn in per_connection for x in conn)
    return LoadResult(
        connections=connections,
        requests=len(samples),
        delay_ms=delay_ms,
        wall_s=round(wall, 3),
        client_overhead_p50_ms=round(1e3 * samples[len(samples) // 2], 2),
        client_overhead_p99_ms=round(1e3 * samples[int(len(samples) * 0.99)], 2),
        server=server,
    )
