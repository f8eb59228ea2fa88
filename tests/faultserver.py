"""A fault-injection AWS endpoint on loopback, for the tests and ``make chaos``.

It speaks enough AWS to be called by botocore: SQS ``ListQueues`` (JSON 1.0), CloudWatch
Logs ``DescribeLogGroups`` (JSON 1.1, paginated: ``pages`` pages of ``per_page``
groups) and STS ``GetCallerIdentity`` (query protocol, XML). Each request belongs to
a *key*: the first segment of the URL path when the endpoint URL has one
(``http://127.0.0.1:port/hang-17``), else the region it is signed for. A ``Fault``
per key (or per key prefix before "-": "hang" for "hang-17"; or, for a fault per
account in one region, per access key id a request is signed with) says what goes
wrong:

- ``hang``: never answer (until the server stops);
- ``error500``: HTTP 500 InternalError;
- ``throttle``: HTTP 400 Throttling (XML) / ThrottlingException (JSON);
- ``deny``: a non-retryable AccessDenied error;
- ``reset``: close the connection with a TCP reset, nothing answered;
- ``slow``: answer after ``seconds``;
- ``fail_at_page`` / ``hang_at_page``: pages before ``page`` (0-based) answer, that
  page fails (AccessDenied) or hangs.

``times`` limits a fault to the key's first N requests (N of every ``every`` when
``every`` is set), so "throttle twice, then succeed" is ``Fault("throttle", times=2,
every=3)``. Use it in-process (``with FaultServer({...}) as server``) or as a process
(``python -m tests.faultserver --fault hang=hang ...``, printing ``LISTENING host
port`` and stopping when its stdin closes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import struct
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from benchmarks.endpoint.server import (
    Request,
    Response,
    account_for,
    encode_response,
    error_response,
    json_result,
    operation_of,
    query_result,
    read_request,
    signing_scope,
    watch_stdin,
)

_AT_PAGE = ("fail_at_page", "hang_at_page")
KINDS = (
    "hang",
    "error500",
    "throttle",
    "deny",
    "reset",
    "slow",
    "fail_at_page",
    "hang_at_page",
)


@dataclass(frozen=True)
class Fault:
    """What goes wrong for one key (see the module docstring)."""

    kind: str
    times: int | None = None
    every: int | None = None
    seconds: float = 0.0
    page: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(KINDS)}")

    def applies(self, count: int) -> bool:
        """Whether the key's request number ``count`` (0-based) gets this fault."""
        if self.times is None:
            return True
        return (count % self.every if self.every else count) < self.times


def key_of(request: Request) -> str:
    """The first path segment, else the signed region."""
    first = request.path.split("?", 1)[0].strip("/").split("/", 1)[0]
    return first or signing_scope(request.headers)[1]


def page_of(request: Request) -> int:
    """Which DescribeLogGroups page is asked for (its nextToken is "p<N>")."""
    token = json.loads(request.body or b"{}").get("nextToken")
    return int(token[1:]) if token else 0


class FaultServer:
    """The endpoint, in a thread of this process with its own event loop."""

    def __init__(
        self,
        faults: dict[str, Fault] | None = None,
        *,
        pages: int = 3,
        per_page: int = 2,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.faults = dict(faults or {})
        self.pages = pages
        self.per_page = per_page
        self.host, self.port = host, port
        self.requests: Counter[str] = Counter()  # per key
        self.access_keys: Counter[str] = Counter()  # per access key id signing
        self.pages_served: Counter[str] = Counter()  # DescribeLogGroups, per key
        self.page_requests: Counter[tuple[str, int]] = Counter()
        #: The client-side port of every connection a request came in on (which
        #: process sent it: see ``psutil.Process.net_connections``).
        self.client_ports: set[int] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url_for(self, key: str) -> str:
        return f"{self.url}/{key}"

    def fault_for(self, key: str) -> Fault | None:
        return self.faults.get(key) or self.faults.get(key.split("-", 1)[0])

    # --- running ---------------------------------------------------------------

    def start(self) -> FaultServer:
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.serve()), daemon=True
        )
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fault server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def serve(self, on_ready: Any = None) -> None:
        if self.host not in ("127.0.0.1", "::1", "localhost"):
            raise SystemExit(f"refusing to listen on {self.host}: loopback only")
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        writers: set[asyncio.StreamWriter] = set()

        async def handle(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            writers.add(writer)
            try:
                await self._connection(reader, writer)
            finally:
                writers.discard(writer)
                writer.close()

        server = await asyncio.start_server(handle, self.host, self.port, backlog=2048)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        if on_ready is not None:
            on_ready(self)
        await self._stop.wait()
        server.close()
        for writer in list(writers):
            writer.close()
        await asyncio.sleep(0.05)

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        assert self._stop is not None
        port = writer.get_extra_info("peername")[1]
        try:
            while (request := await read_request(reader)) is not None:
                self.client_ports.add(port)
                key = key_of(request)
                count = self.requests[key]
                self.requests[key] += 1
                access_key = signing_scope(request.headers)[0]
                self.access_keys[access_key] += 1
                fault = self.fault_for(key)
                if fault is None and access_key in self.faults:
                    fault, count = (
                        self.faults[access_key],
                        self.access_keys[access_key] - 1,
                    )
                if fault is not None and fault.kind not in _AT_PAGE:
                    fault = fault if fault.applies(count) else None
                if fault is not None and fault.kind == "reset":
                    _reset(writer)
                    return
                response = await self._answer(request, key, fault)
                if response is None:  # hang: until the server stops
                    await self._stop.wait()
                    return
                writer.write(response)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client gave up (its timeout): nothing to answer

    async def _answer(
        self, request: Request, key: str, fault: Fault | None
    ) -> bytes | None:
        access_key, region, _service = signing_scope(request.headers)
        protocol, operation = operation_of(request)
        request_id = str(uuid.uuid4())
        page = page_of(request) if operation == "DescribeLogGroups" else 0
        kind = fault.kind if fault is not None else None
        if fault is not None and kind in _AT_PAGE:
            # ``times`` counts the requests for that page (so a resume succeeds).
            asked = self.page_requests[(key, page)]
            self.page_requests[(key, page)] += 1
            if page != fault.page or not fault.applies(asked):
                kind = None
        if kind in ("hang", "hang_at_page"):
            return None
        if kind == "slow":
            await asyncio.sleep(fault.seconds)  # type: ignore[union-attr]
        response = (
            _fault_response(kind, protocol) if kind not in (None, "slow") else None
        )
        if response is None:
            response = self._result(
                operation, protocol, key, page, access_key, request_id
            )
        return encode_response(response, request_id, region)

    def _result(
        self,
        operation: str,
        protocol: str,
        key: str,
        page: int,
        access_key: str,
        request_id: str,
    ) -> Response:
        account = account_for(access_key)
        if operation == "DescribeLogGroups":
            self.pages_served[key] += 1
            body: dict[str, Any] = {
                "logGroups": [
                    {"logGroupName": f"{key}-{page}-{i}"} for i in range(self.per_page)
                ]
            }
            if page + 1 < self.pages:
                body["nextToken"] = f"p{page + 1}"
            return Response(
                200, json.dumps(body).encode(), "application/x-amz-json-1.1"
            )
        if protocol == "json":
            return json_result(operation, key, account)
        return query_result(operation, account, request_id)


def _fault_response(kind: str | None, protocol: str) -> Response | None:
    if kind == "error500":
        code = "InternalFailure" if protocol == "json" else "InternalError"
        return error_response(protocol, 500, code, "We encountered an internal error.")
    if kind == "throttle":
        code = "ThrottlingException" if protocol == "json" else "Throttling"
        return error_response(protocol, 400, code, "Rate exceeded")
    if kind in ("deny", "fail_at_page"):
        code = "AccessDeniedException" if protocol == "json" else "AccessDenied"
        return error_response(protocol, 400, code, "User is not authorized.")
    return None


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0), as a dropped connection looks to a client."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def parse_fault(text: str) -> tuple[str, Fault]:
    """``key=kind[,times=N][,every=N][,seconds=S][,page=N]``."""
    key, _, spec = text.partition("=")
    kind, *options = spec.split(",")
    values = dict(option.split("=", 1) for option in options)
    return key, Fault(
        kind,
        times=int(values["times"]) if "times" in values else None,
        every=int(values["every"]) if "every" in values else None,
        seconds=float(values.get("seconds", 0)),
        page=int(values.get("page", 0)),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.faultserver")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fault", action="append", default=[], type=parse_fault)
    args = parser.parse_args(argv)
    server = FaultServer(dict(args.fault), port=args.port)

    def ready(started: FaultServer) -> None:
        print(f"LISTENING {started.host} {started.port}", flush=True)
        assert started._loop is not None and started._stop is not None
        watch_stdin(started._loop, started._stop)

    asyncio.run(server.serve(on_ready=ready))


if __name__ == "__main__":
    main()
