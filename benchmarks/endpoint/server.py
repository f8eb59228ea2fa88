"""A local AWS-compatible latency endpoint on loopback.

It answers SQS ``ListQueues`` (awsJson1_0, ``X-Amz-Target``) and STS
``GetCallerIdentity`` (query protocol, XML) after a delay chosen by the region in the
request's SigV4 credential scope, so one endpoint URL stands for every region. Other
JSON or query operations get an empty, well-formed result (EC2's own XML shape for
EC2). Chosen regions can answer with an auth error (as a region not enabled for the
account does) or a throttling error instead. With ``--token-bucket BURST/RATE`` it
throttles as AWS does: one token bucket per (access key, region, API class), and the
real throttling error (EC2: ``RequestLimitExceeded``, HTTP 503) when it is empty.

``EndpointProcess`` runs it as ``python -m benchmarks.endpoint.server``: it prints
``LISTENING <host> <port>`` and serves until its time or request budget runs out, or its standard input closes
(so it never outlives the process that started it). ``GET /__stats`` returns its own
overhead figures as JSON; ``GET /__reset`` returns them and starts counting afresh.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from benchmarks.endpoint.pinning import pin, server_cpus
from benchmarks.endpoint.regions import DEFAULT_RTT_MS, REGION_RTT_MS

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_MAX_SAMPLES = 200_000  # overhead samples kept; bounds the server's memory


@dataclass(frozen=True)
class EndpointConfig:
    """How the endpoint answers: delays per region, failure modes, its budget."""

    fixed_delay_ms: float | None = None
    region_delay_ms: dict[str, float] = field(default_factory=dict)
    error_regions: frozenset[str] = frozenset()
    throttle_regions: frozenset[str] = frozenset()
    max_seconds: float = 600.0
    max_requests: int = 2_000_000
    token_bucket: tuple[float, float] | None = None  # (burst, refill per second)
    pages: int = 1  # ListQueues answers in this many pages (a queue URL each)

    def delay_s(self, region: str) -> float:
        """Seconds to wait before answering a request signed for ``region``."""
        if region in self.region_delay_ms:
            return self.region_delay_ms[region] / 1000.0
        if self.fixed_delay_ms is not None:
            return self.fixed_delay_ms / 1000.0
        return REGION_RTT_MS.get(region, DEFAULT_RTT_MS) / 1000.0


@dataclass
class Request:
    """The parts of an HTTP request the endpoint looks at."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Stats:
    """What the endpoint measures about itself, to show it is not the bottleneck."""

    started: float = field(default_factory=time.monotonic)
    cpu_started: float = field(default_factory=time.process_time)
    requests: int = 0
    open_connections: int = 0
    peak_connections: int = 0
    overheads_s: list[float] = field(default_factory=list)
    access_keys: set[str] = field(default_factory=set)
    throttled: int = 0

    def record(self, overhead_s: float, access_key: str) -> None:
        self.requests += 1
        self.access_keys.add(access_key)
        if len(self.overheads_s) < _MAX_SAMPLES:
            self.overheads_s.append(overhead_s)

    def as_dict(self) -> dict[str, float | int]:
        """Overhead = time from request received to response ready, minus the delay."""
        samples = sorted(self.overheads_s) or [0.0]
        cpu = time.process_time() - self.cpu_started
        return {
            "requests": self.requests,
            "peak_connections": self.peak_connections,
            "distinct_access_keys": len(self.access_keys),
            "throttled": self.throttled,
            "cpu_s": round(cpu, 4),
            "cpu_per_request_us": round(1e6 * cpu / max(self.requests, 1), 1),
            "overhead_p50_ms": round(1e3 * samples[len(samples) // 2], 3),
            "overhead_p99_ms": round(1e3 * samples[int(len(samples) * 0.99)], 3),
            "overhead_max_ms": round(1e3 * samples[-1], 3),
            "uptime_s": round(time.monotonic() - self.started, 2),
        }


# --- what a request asks for ---------------------------------------------------


def signing_scope(headers: dict[str, str]) -> tuple[str, str, str]:
    """(access key id, region, service) from the SigV4 Authorization header."""
    match = _SCOPE.search(headers.get("authorization", ""))
    if match is None:
        return ("anonymous", "unsigned", "unknown")
    return (match.group(1), match.group(2), match.group(3))


def account_for(access_key: str) -> str:
    """A stable 12-digit account id per access key: distinct credentials show up."""
    return f"{zlib.crc32(access_key.encode()) % 10**12:012d}"


def operation_of(request: Request) -> tuple[str, str]:
    """("json" | "query", operation name) of an AWS request."""
    target = request.headers.get("x-amz-target")
    if target:
        return ("json", target.rsplit(".", 1)[-1])
    form = parse_qs(request.body.decode("utf-8", "replace"))
    return ("query", form.get("Action", ["Unknown"])[0])


_READS = re.compile(r"^(Describe|Get|List|Search)[A-Z]")
_HEAVY_DESCRIBES = frozenset(
    {
        "DescribeInstances",
        "DescribeVolumes",
        "DescribeSnapshots",
        "DescribeSecurityGroups",
    }
)
_NARROWING = re.compile(r"^(Filter|MaxResults|NextToken|\w+Id|GroupName)")


def api_class(request: Request, operation: str) -> str:
    """AWS's throttling class of a request: EC2's documented three, by its rules."""
    if not _READS.match(operation):
        return "mutating"
    if operation in _HEAVY_DESCRIBES:
        form = parse_qs(request.body.decode("utf-8", "replace"))
        if not any(_NARROWING.match(name) for name in form):
            return "unfiltered-describe"
    return "non-mutating"


class TokenBuckets:
    """AWS's request throttling: a bucket per (access key, region, API class)."""

    def __init__(self, burst: float, per_second: float) -> None:
        self.burst, self.per_second = burst, per_second
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}

    def take(self, key: tuple[str, str, str], now: float) -> bool:
        """Take a token for ``key``; False (throttled) if its bucket is empty."""
        tokens, updated = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - updated) * self.per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True


# --- answers -----------------------------------------------------------------

_JSON_TYPE = "application/x-amz-json-1.0"
_XML_TYPE = "text/xml"
_STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def json_result(
    operation: str, region: str, account: str, page: int = 0, pages: int = 1
) -> Response:
    body: dict[str, object] = {}
    if operation == "ListQueues":
        suffix = f"-{page}" if pages > 1 else ""
        url = f"https://sqs.{region}.amazonaws.com/{account}/bench-{region}{suffix}"
        body = {"QueueUrls": [url]}
        if page + 1 < pages:
            body["NextToken"] = f"p{page + 1}"
    return Response(200, json.dumps(body).encode(), _JSON_TYPE)


def page_of(request: Request) -> int:
    """Which ListQueues page is asked for (its NextToken is "p<N>")."""
    try:
        token = json.loads(request.body or b"{}").get("NextToken")
    except ValueError:
        return 0
    return int(token[1:]) if isinstance(token, str) and token[1:].isdigit() else 0


def query_result(operation: str, account: str, request_id: str) -> Response:
    inner = ""
    if operation == "GetCallerIdentity":
        inner = (
            f"<Arn>arn:aws:iam::{account}:user/bench</Arn>"
            f"<UserId>AIDABENCH{account}</UserId><Account>{account}</Account>"
        )
    xml = (
        f'<{operation}Response xmlns="{_STS_NS}">'
        f"<{operation}Result>{inner}</{operation}Result>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return Response(200, xml.encode(), _XML_TYPE)


def ec2_result(operation: str, request_id: str) -> Response:
    """EC2's query protocol answers with no Result wrapper, and a requestId."""
    xml = (
        f'<{operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        f"<requestId>{request_id}</requestId></{operation}Response>"
    )
    return Response(200, xml.encode(), _XML_TYPE)


def error_response(
    protocol: str, status: int, code: str, message: str, service: str = ""
) -> Response:
    """An error in the shape botocore's parser for ``protocol`` expects."""
    if service == "ec2":
        xml = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}"
            f"</Message></Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>"
        )
        return Response(status, xml.encode(), _XML_TYPE)
    if protocol == "json":
        body = json.dumps({"__type": f"com.amazonaws.bench#{code}", "message": message})
        return Response(status, body.encode(), _JSON_TYPE)
    kind = "Receiver" if status >= 500 else "Sender"
    xml = (
        f'<ErrorResponse xmlns="{_STS_NS}"><Error><Type>{kind}</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return Response(status, xml.encode(), _XML_TYPE)


def throttling_error(protocol: str, service: str) -> Response:
    """What AWS answers when the bucket is empty (EC2: 503 RequestLimitExceeded)."""
    if service == "ec2":
        return error_response(
            "query", 503, "RequestLimitExceeded", "Request limit exceeded.", service
        )
    code = "ThrottlingException" if protocol == "json" else "Throttling"
    return error_response(protocol, 400, code, "Rate exceeded")


def answer(config: EndpointConfig, request: Request, request_id: str) -> Response:
    """The response to an AWS request, before its delay is applied."""
    access_key, region, service = signing_scope(request.headers)
    protocol, operation = operation_of(request)
    if region in config.error_regions:
        # What AWS answers in an opt-in region the account has not enabled.
        code = (
            "UnrecognizedClientException"
            if protocol == "json"
            else "InvalidClientTokenId"
        )
        return error_response(protocol, 403, code, "The security token is invalid.")
    if region in config.throttle_regions:
        return throttling_error(protocol, service)
    if protocol == "json":
        page = page_of(request) if config.pages > 1 else 0
        account = account_for(access_key)
        return json_result(operation, region, account, page, config.pages)
    if service == "ec2":
        return ec2_result(operation, request_id)
    return query_result(operation, account_for(access_key), request_id)


# --- HTTP/1.1 over asyncio streams -------------------------------------------


def encode_response(response: Response, request_id: str, region: str) -> bytes:
    headers = {
        "Content-Type": response.content_type,
        "Content-Length": str(len(response.body)),
        "x-amzn-RequestId": request_id,
        "x-bench-region": region,
        **response.headers,
    }
    head = (
        f"HTTP/1.1 {response.status} {'OK' if response.status == 200 else 'Error'}\r\n"
    )
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + response.body


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """One request from a keep-alive connection, or None once the client closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Request(method, path, headers, body)


class Endpoint:
    """The server: one coroutine per connection, a sleep per request."""

    def __init__(self, config: EndpointConfig) -> None:
        self.config = config
        self.stats = Stats()
        self.buckets = (
            TokenBuckets(*config.token_bucket) if config.token_bucket else None
        )
        self.done = asyncio.Event()
        self.writers: set[asyncio.StreamWriter] = set()

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.stats.open_connections += 1
        self.writers.add(writer)
        self.stats.peak_connections = max(
            self.stats.peak_connections, self.stats.open_connections
        )
        try:
            while (request := await read_request(reader)) is not None:
                writer.write(await self.respond(request))
                await writer.drain()
        except ConnectionError:
            pass  # a client that goes away mid-request is not the server's problem
        finally:
            self.stats.open_connections -= 1
            self.writers.discard(writer)
            writer.close()

    async def close_connections(self) -> None:
        """Close idle keep-alive connections so their handlers end quietly."""
        for writer in list(self.writers):
            writer.close()
        await asyncio.sleep(0.05)

    async def respond(self, request: Request) -> bytes:
        received = time.perf_counter()
        if request.path.startswith("/__"):
            return self.control(request.path)
        access_key, region, service = signing_scope(request.headers)
        request_id = str(uuid.uuid4())
        response = answer(self.config, request, request_id)
        if self.buckets is not None and response.status == 200:
            protocol, operation = operation_of(request)
            key = (access_key, region, api_class(request, operation))
            if not self.buckets.take(key, time.monotonic()):
                self.stats.throttled += 1
                response = throttling_error(protocol, service)
        delay = self.config.delay_s(region)
        await asyncio.sleep(delay)
        payload = encode_response(response, request_id, region)
        self.stats.record(time.perf_counter() - received - delay, access_key)
        if self.stats.requests >= self.config.max_requests:
            self.done.set()
        return payload

    def control(self, path: str) -> bytes:
        """``/__stats``: the figures so far; ``/__reset``: start counting afresh."""
        body = json.dumps(self.stats.as_dict()).encode()
        if path == "/__reset":
            open_now = self.stats.open_connections
            self.stats = Stats(open_connections=open_now, peak_connections=open_now)
        return encode_response(Response(200, body, "application/json"), "-", "-")


def watch_stdin(loop: asyncio.AbstractEventLoop, done: asyncio.Event) -> None:
    """Stop the server once the parent closes our stdin (or dies)."""

    def wait_for_eof() -> None:
        # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader
        # holds its lock, and the interpreter aborts on that lock at exit.
        while os.read(sys.stdin.fileno(), 4096):
            pass
        loop.call_soon_threadsafe(done.set)

    threading.Thread(target=wait_for_eof, daemon=True).start()


async def serve(
    config: EndpointConfig, host: str, port: int, stdin: bool, print_stats: bool
) -> None:
    if host not in LOOPBACK_HOSTS:
        raise SystemExit(f"refusing to listen on {host}: loopback only")
    endpoint = Endpoint(config)
    server = await asyncio.start_server(endpoint.handle, host, port, backlog=2048)
    bound = server.sockets[0].getsockname()
    print(f"LISTENING {bound[0]} {bound[1]}", flush=True)
    if stdin:
        watch_stdin(asyncio.get_running_loop(), endpoint.done)
    try:
        await asyncio.wait_for(endpoint.done.wait(), timeout=config.max_seconds)
    except asyncio.TimeoutError:
        pass
    server.close()
    await endpoint.close_connections()
    if print_stats:
        print(json.dumps(endpoint.stats.as_dict()), flush=True)


def parse_region_delays(items: list[str]) -> dict[str, float]:
    """``["eu-west-1=300", ...]`` -> ``{"eu-west-1": 300.0, ...}``."""
    pairs = (item.split("=", 1) for item in items)
    return {region: float(ms) for region, ms in pairs}


def split_regions(value: str) -> frozenset[str]:
    return frozenset(r for r in value.split(",") if r)


def parse_bucket(value: str) -> tuple[float, float]:
    """``"100/20"`` -> ``(100.0, 20.0)``."""
    burst, _, rate = value.partition("/")
    try:
        return float(burst), float(rate)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: write BURST/RATE") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.endpoint.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--fixed-delay-ms", type=float, default=None)
    parser.add_argument(
        "--region-delay", action="append", default=[], metavar="REGION=MS"
    )
    parser.add_argument("--error-regions", type=split_regions, default=frozenset())
    parser.add_argument("--throttle-regions", type=split_regions, default=frozenset())
    parser.add_argument(
        "--token-bucket",
        type=parse_bucket,
        default=None,
        metavar="BURST/RATE",
        help="throttle per (access key, region, API class), e.g. 100/20",
    )
    parser.add_argument(
        "--pages", type=int, default=1, help="ListQueues pages per call (one URL each)"
    )
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    parser.add_argument(
        "--no-stdin-watch", action="store_true", help="don't stop on stdin EOF"
    )
    parser.add_argument("--print-stats", action="store_true", help="when stopping")
    parser.add_argument(
        "--pin", action="store_true", help="run on the last core only (benchmarks)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    config = EndpointConfig(
        fixed_delay_ms=args.fixed_delay_ms,
        region_delay_ms=parse_region_delays(args.region_delay),
        error_regions=args.error_regions,
        throttle_regions=args.throttle_regions,
        max_seconds=args.max_seconds,
        max_requests=args.max_requests,
        token_bucket=args.token_bucket,
        pages=args.pages,
    )
    if args.pin:
        pin(server_cpus())
    stdin = not args.no_stdin_watch
    asyncio.run(serve(config, args.host, args.port, stdin, args.print_stats))


if __name__ == "__main__":
    main()
