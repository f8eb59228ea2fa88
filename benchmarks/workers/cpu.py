"""Scenario 4: CPU seconds per call, multiregion against a bare botocore call.

Run in a worker process against an endpoint with no delay, so the figures are the
client's own work: serializing, signing, sending, parsing, and the fan-out around it.
Each figure is measured in several batches; the median batch is reported.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from benchmarks.endpoint.regions import all_regions

OPERATION = "list_queues"


Work = Callable[[], float]  # one batch; returns CPU milliseconds per unit


def cpu_ms(action: Callable[[], object]) -> float:
    start = time.process_time()
    action()
    return 1e3 * (time.process_time() - start)


def interleaved(works: dict[str, Work], batches: int) -> dict[str, dict[str, float]]:
    """Median and spread of each work's batches, run in turns (A B C A B C ...).

    Taking turns spreads slow drifts (CPU frequency, the other process) evenly over
    every figure, so their ratios stay fair. A full collection before each batch
    makes each start from the same heap: otherwise the garbage of earlier batches
    makes a full collection land in a random one (a 1 ms figure becomes 3 ms).
    """
    samples: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(batches):
        for name, work in works.items():
            gc.collect()
            samples[name].append(work())
    return {
        name: {
            "median_ms": statistics.median(values),
            "min_ms": min(values),
            "max_ms": max(values),
        }
        for name, values in samples.items()
    }


def bare_calls(client: Any, calls: int) -> Work:
    def batch() -> None:
        for _ in range(calls):
            client.list_queues()

    return lambda: cpu_ms(batch) / calls


def pool_calls(pool: ThreadPoolExecutor, clients: list[Any], rounds: int) -> Work:
    """Bare clients in a (kept) thread pool: what threads alone cost."""

    def batch() -> None:
        for _ in range(rounds):
            list(pool.map(lambda c: c.list_queues(), clients))

    return lambda: cpu_ms(batch) / (rounds * len(clients))


def fanout_calls(service: Any, rounds: int) -> Work:
    def batch() -> None:
        for _ in range(rounds):
            results = service.call(OPERATION)
            assert all(r.ok for r in results), results.errors()

    return lambda: cpu_ms(batch) / (rounds * len(service.targets))


def bare_creation(session: boto3.Session, regions: list[str]) -> Work:
    """session.client() per region, the session's loader already warm."""

    def batch() -> None:
        for region in regions:
            session.client("sqs", region_name=region)

    return lambda: cpu_ms(batch) / len(regions)


def multiregion_creation(session: boto3.Session, regions: list[str]) -> Work:
    """The runtime's own path to a new client (ClientCache), one after another."""
    from multiregion_runtime import DynamicService

    def one_batch() -> float:
        service = DynamicService("sqs", regions=regions, session=session)
        targets = service.targets
        return cpu_ms(lambda: [service.client_for(t) for t in targets]) / len(targets)

    return one_batch


def bare_first_calls(session: boto3.Session, regions: list[str]) -> Work:
    """A new client and its first call (new connection), less a warm call."""

    def one_batch() -> float:
        clients: list[Any] = []

        def first() -> None:
            for region in regions:
                clients.append(session.client("sqs", region_name=region))
                clients[-1].list_queues()

        cold = cpu_ms(first)
        warm = cpu_ms(lambda: [c.list_queues() for c in clients])
        return (cold - warm) / len(regions)

    return one_batch


def multiregion_first_fanout(session: boto3.Session, regions: list[str]) -> Work:
    """A new DynamicService's first fan-out less its second: creation, amortized."""
    from multiregion_runtime import DynamicService

    def one_batch() -> float:
        service = DynamicService("sqs", regions=regions, session=session)
        first = cpu_ms(lambda: service.call(OPERATION))
        second = cpu_ms(lambda: service.call(OPERATION))
        return (first - second) / len(regions)

    return one_batch


def measure_cpu(spec: dict[str, Any]) -> dict[str, Any]:
    from multiregion_runtime import DynamicService

    calls, batches = spec["calls"], spec["batches"]
    regions = all_regions()
    session = boto3.Session()
    client = session.client("sqs", region_name="us-east-1")
    clients = [session.client("sqs", region_name=r) for r in regions]
    one = DynamicService("sqs", regions=["us-east-1"], session=session)
    every = DynamicService("sqs", regions=regions, session=session)
    rounds = max(1, calls // len(regions))
    with ThreadPoolExecutor(max_workers=len(regions)) as pool:
        works = {
            "bare call": bare_calls(client, calls),
            "multiregion, 1 target": fanout_calls(one, calls),
            "bare calls, thread pool of 34": pool_calls(pool, clients, rounds),
            "multiregion, 34 targets": fanout_calls(every, rounds),
            "creation: bare session.client()": bare_creation(session, regions),
            "creation: multiregion client_for()": multiregion_creation(
                session, regions
            ),
            "creation + first call, less a warm call: bare, one by one": (
                bare_first_calls(session, regions)
            ),
            "first fan-out less a warm one: multiregion, 34 targets": (
                multiregion_first_fanout(session, regions)
            ),
        }
        for work in works.values():  # warm-up: models, connections, threads
            work()
        return interleaved(works, batches)
