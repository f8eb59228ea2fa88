"""One path for a call, wherever it runs: what a thread runs and what a worker process
runs is the same Work through the same function, so remote results count attempts,
throttles and rate-limit waits as thread results do, obey the deadline inside the
worker, and a stream's pages come from the workers, page by page, resumably.

Against the fault endpoint (tests/faultserver.py) in this process, on loopback; the
workers reach it over TCP, and its record of client ports says which process sent
each request.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # distributed's dependency
import pyarrow.parquet as pq
import pytest

from benchmarks.endpoint import data_source
from multiregion import DynamicService, Target
from multiregion_runtime.clients.ratelimit import RateLimits
from multiregion_runtime.core.errors import DeadlineExceededError
from multiregion_runtime.data import sinks
from multiregion_runtime.engines.choose import executor_from
from multiregion_runtime.engines.processes import ProcessPool
from multiregion_runtime.engines.work import Work
from tests.faultserver import Fault, FaultServer
from tests.helpers import THREE

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

PAGES, PER_PAGE = 5, 2  # DescribeLogGroups per target


@pytest.fixture
def server() -> Iterator[FaultServer]:
    faults = {
        "throttle": Fault("throttle", times=2, every=3),  # throttled twice, then ok
        "hangpage": Fault("hang_at_page", page=3, times=1),
    }
    with FaultServer(faults, pages=PAGES, per_page=PER_PAGE) as fault_server:
        yield fault_server


@pytest.fixture
def pool() -> Iterator[ProcessPool]:
    """Two worker processes, started with this test's (fake) credentials."""
    workers = ProcessPool(2)
    try:
        yield workers
    finally:
        workers.close()


def on(
    server: FaultServer, service: str, *keys: str, **options: object
) -> DynamicService:
    targets = [
        Target("us-east-1", endpoint_url=server.url_for(k), label=k) for k in keys
    ]
    return DynamicService(service, targets=targets, **options)  # type: ignore[arg-type]


def ports_of(pids: list[int], server: FaultServer) -> set[int]:
    """The local ports of the processes ``pids``' TCP connections to ``server``.
    (Only those: Linux gives connections to different places the same local port,
    so a port of this process's other sockets may equal one of a worker's.)"""
    return {
        c.laddr.port
        for pid in pids
        for c in psutil.Process(pid).net_connections(kind="tcp")
        if c.laddr and c.raddr and c.raddr.port == server.port
    }


def test_remote_call_totals_equal_those_of_threads(server: FaultServer) -> None:
    """Each target is throttled twice, then answered: 3 attempts, 2 throttled."""
    keys = [f"throttle-{i}" for i in range(4)]
    # No client-side limit: its waits follow the throttles' timing, which differs.
    sqs = on(server, "sqs", *keys, rate_limits=False)
    here = sqs.list_queues().raise_for_errors()
    spec = "processes:2"
    try:
        there = sqs.with_options(executor=spec).list_queues().raise_for_errors()
    finally:
        pool = executor_from(spec)
        assert pool is not None
        pool.close()
    assert here.call_totals() == (12, 8, 0.0)
    assert there.call_totals() == here.call_totals()
    assert [(r.attempts, r.throttled) for r in there] == [(3, 2)] * 4
    assert sqs.clients_created == 4  # the threads' run only: the other ran remotely


def test_remote_rate_limit_waits_come_back(
    server: FaultServer, pool: ProcessPool
) -> None:
    # 4 calls of one account and region at once, against a bucket of 1 token.
    sqs = on(server, "sqs", "a", "b", "c", "d", rate_limits={"sqs": (1, 10)})
    here = sqs.list_queues().raise_for_errors()
    there = sqs.with_options(executor=pool).list_queues().raise_for_errors()
    assert here.call_totals()[:2] == there.call_totals()[:2] == (4, 0)
    assert there.call_totals()[2] > 0 and here.call_totals()[2] > 0


def test_work_carries_the_call_options_and_pickles() -> None:
    limits = RateLimits((("sqs", None),))
    work = Work("sqs", "call", "ListQueues", {}, rate_limits=limits, deadline_left=3.0)
    sent = pickle.loads(pickle.dumps(work.sendable()))
    assert sent == work and sent.rate_limits.limit_for("sqs", "mutating") is None
    assert 2.9 < sent.deadline().left() <= 3.0  # the worker's own deadline


def test_write_parquet_streams_from_the_workers_and_resumes_there(
    server: FaultServer, pool: ProcessPool, tmp_path: Path
) -> None:
    out = tmp_path / "groups.parquet"
    keys = ["hangpage", "fine-1", "fine-2"]
    logs = on(server, "logs", *keys, executor=pool, timeout=3)
    # Pages 0-2 of "hangpage" arrive, page 3 hangs: the worker's own deadline ends
    # it; the pages it sent are written, with the token of page 3.
    with pytest.raises(ExceptionGroup) as failed:
        logs.items("DescribeLogGroups").write_parquet(out, resume=True)
    (error,) = [getattr(e, "error", None) for e in failed.value.exceptions]
    assert isinstance(error, DeadlineExceededError)
    assert server.page_requests[("hangpage", 3)] == 1
    assert out.with_name(out.name + ".progress").is_dir()  # kept: not complete
    first = pq.read_table(out, columns=["logGroupName"]).column(0).to_pylist()
    assert sorted(n for n in first if n.startswith("hangpage")) == [
        f"hangpage-{p}-{i}" for p in range(3) for i in range(PER_PAGE)
    ]
    server.client_ports.clear()
    written = logs.items("DescribeLogGroups").write_parquet(out, resume=True)
    # Only the unfinished target ran again, from page 3: pages 3 and 4.
    assert [(r.target.label, r.value) for r in written] == [("hangpage", 2 * PER_PAGE)]
    names = pq.read_table(out, columns=["logGroupName"]).column(0).to_pylist()
    expected = [
        f"{k}-{p}-{i}" for k in keys for p in range(PAGES) for i in range(PER_PAGE)
    ]
    assert sorted(names) == sorted(expected)  # every row, once
    assert server.pages_served["fine-1"] == PAGES  # done targets were not asked again
    # Every request of the resumed run came from a worker process's socket.
    assert server.client_ports
    assert server.client_ports <= ports_of(pool.worker_pids(), server)
    assert not server.client_ports & ports_of([os.getpid()], server)
    assert logs.clients_created == 0


class BlockedSink:
    """Counts rows; its first write waits until ``release`` is set (a slow disk)."""

    def __init__(self) -> None:
        self.rows = 0
        self.writing = threading.Event()
        self.release = threading.Event()

    def start(self, schema: Any, run: str | None) -> dict[str, str | None]:
        return {}

    def write(self, table: Any, progress: dict[str, str | None]) -> None:
        self.writing.set()
        self.release.wait(60)
        self.rows += table.num_rows

    def finish(self, complete: bool) -> None:
        pass


@contextlib.contextmanager
def counted_source(items: int, page_items: int) -> Iterator[tuple[str, list[int]]]:
    """The bench's synthetic log groups (``items`` per region), counting the pages
    it serves; yields its URL and the count (a list of one)."""
    served = [0]

    class Counting(data_source._handler(items, page_items)):  # type: ignore[misc]
        def do_POST(self) -> None:  # http.server's name
            served[0] += 1
            super().do_POST()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()


def test_a_stream_from_workers_waits_for_a_slow_writer(
    pool: ProcessPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers fetch a bounded number of pages ahead of the writer, not the
    whole listing: pages wait in bounded queues, and fetching waits for room."""
    monkeypatch.setattr(sinks, "CHECKPOINT_ROWS", 1000)  # the first write comes early
    pages, page_items = 200, 100
    with counted_source(pages * page_items, page_items) as (url, served):
        targets = [Target(r, endpoint_url=url) for r in THREE]
        # no client-side rate limit: it would pace the pages (one account), not the
        # writer under test
        logs = DynamicService(
            "logs", targets=targets, executor=pool, timeout=300, rate_limits=False
        )
        sink = BlockedSink()
        items = logs.items("DescribeLogGroups")
        writer = threading.Thread(target=items.write, args=(sink,), daemon=True)
        writer.start()
        assert sink.writing.wait(120)
        held_up = settled(lambda: served[0])
        sink.release.set()
        writer.join(300)
    assert sink.rows == len(THREE) * pages * page_items  # every row, in the end
    assert held_up < len(THREE) * pages / 4, held_up  # a bounded part meanwhile


def settled(count: Callable[[], int], quiet: float = 1.0) -> int:
    """``count()`` once it has not changed for ``quiet`` seconds (30 s at most)."""
    end = time.monotonic() + 30
    last = count()
    while time.monotonic() < end:
        time.sleep(quiet)
        now = count()
        if now == last:
            return now
        last = now
    return last
