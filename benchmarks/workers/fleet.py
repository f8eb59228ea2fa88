"""Worker side of scenarios 6 and 7 (issue 13): a whole fleet, and AWS's throttling.

- ``fleet``: 300 accounts x 34 regions in one process, a new object per run, against
  the process-wide bounded client cache: wall, CPU, peak RSS, open fds, GC time.
- ``fleet-bare``: the bare botocore CPU per target of the same work, done one target
  at a time on a sample (a Session per account, a client per target, its call, its
  close): the CPU bound the fleet is compared with.
- ``throttle``: many EC2 describe calls to one account and region against an endpoint
  that throttles as AWS does, with and without the client-side rate limiter.
"""

from __future__ import annotations

import collections
import gc
import os
import time
from typing import Any

import boto3

from benchmarks.workers.executors import cpu_seconds
from benchmarks.workers.executors import peak_rss_mb as peak_rss_mb_of
from benchmarks.workers.measure import (
    ClientCounter,
    is_ok,
    open_fds,
    peak_rss_mb,
    places_for,
    timed,
)


class GCTimer:
    """CPU seconds spent in cyclic garbage collection (``gc.callbacks``).

    Thread CPU time, not wall: a collection runs in the thread that triggered it,
    holding the GIL, and wall time would count the moments the OS ran other work.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._started
            self.collections += 1


def measure_fleet(spec: dict[str, Any]) -> dict[str, Any]:
    from multiregion_runtime import DynamicService, Target, shared_clients

    counter = ClientCounter()
    gc_timer = GCTimer()
    places = places_for(spec["accounts"])
    targets = [Target(p.region, profile=p.profile) for p in places]
    if spec.get("identity") == "keys":  # each account's own keys, no profile
        targets = [keyed_target(p.region, p.profile) for p in places]

    pool = _process_pool(spec.get("processes"))

    def run() -> list[Any]:
        # a new object each run, as a scheduled job would make
        service = DynamicService(
            "sqs", targets=targets, max_workers=spec["workers"], executor=pool
        )
        return [r.value if r.ok else r.error for r in service.call("list_queues")]

    runs = []
    for _ in range(spec["reps"]):
        gc_before = gc_timer.seconds
        runs.append(timed(run))
        runs[-1]["gc_s"] = gc_timer.seconds - gc_before
    pids = [] if pool is None else pool.worker_pids()
    workers_mb = [round(peak_rss_mb_of(pid), 1) for pid in pids]
    workers_cpu = sum(map(cpu_seconds, pids))
    if pool is not None:
        pool.close()
    cache = shared_clients()
    return {
        "runs": runs,
        "workers_peak_rss_mb": workers_mb,
        "workers_cpu_s": workers_cpu,  # every run's, with the worker's start
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "open_fds": open_fds(),
        "cache_limit": cache.max_clients,
        "cached": len(cache),
        "evicted": cache.evicted,
        "clients_created": counter.count,
        "gc_collections": gc_timer.collections,
    }


def _process_pool(processes: int | None) -> Any:
    """A ProcessPool of ``processes`` workers (None: the run stays on threads)."""
    if processes is None:
        return None
    from multiregion_runtime import ProcessPool

    return ProcessPool(processes)


def keyed_target(region: str, profile: str | None) -> Any:
    """A target with the keys ``write_profiles`` gave ``profile``'s account: accounts
    as an organization sweep has them (a role or keys each, one base profile), so
    one client per region serves them all."""
    from multiregion_runtime import StaticCredentials, Target

    assert profile is not None
    number = profile.rsplit("-", 1)[1]
    # the fake secret every profile has, which the worker's environment carries
    keys = StaticCredentials(f"BENCHKEY{number}", os.environ["AWS_SECRET_ACCESS_KEY"])
    return Target(region, account_id=f"{int(number):012d}", credentials=keys)


def measure_bare_premade(spec: dict[str, Any]) -> dict[str, Any]:
    """CPU per call of bare botocore with clients made beforehand (one per region,
    shared by the calls, as the pool-prebuilt approach does): the per-call bound."""
    places = places_for(spec["accounts"])
    session = boto3.Session()
    clients = {p.region: session.client("sqs", region_name=p.region) for p in places}
    for client in clients.values():  # the first call of each loads what it needs
        client.list_queues()
    start = time.process_time()
    ok = sum(is_ok(clients[p.region].list_queues()) for p in places)
    cpu = time.process_time() - start
    return {"cpu_per_call_s": cpu / len(places), "n": len(places), "ok": ok}


def measure_fleet_bare(spec: dict[str, Any]) -> dict[str, Any]:
    """CPU per target of bare botocore, one target after another, on a sample."""
    places = places_for(spec["accounts"])
    sessions: dict[str | None, boto3.Session] = {}
    start = time.process_time()
    ok = 0
    for place in places:
        session = sessions.get(place.profile)
        if session is None:
            session = sessions[place.profile] = boto3.Session(
                profile_name=place.profile
            )
        client = session.client("sqs", region_name=place.region)
        ok += is_ok(client.list_queues())
        client.close()
    cpu = time.process_time() - start
    return {"cpu_per_target_s": cpu / len(places), "n": len(places), "ok": ok}


def measure_throttle(spec: dict[str, Any]) -> dict[str, Any]:
    from multiregion_runtime import DynamicService, Target

    region = spec["region"]
    targets = [Target(region, label=f"call-{i}") for i in range(spec["calls"])]
    ec2 = DynamicService(
        "ec2",
        targets=targets,
        max_workers=spec["workers"],
        rate_limits=None if spec["limited"] else False,
    )
    started = time.perf_counter()
    results = ec2.describe_instances(Filters=[{"Name": "tag:team", "Values": ["a"]}])
    wall = time.perf_counter() - started
    attempts, throttled, waited = results.call_totals()
    failures = collections.Counter(r.error_code or "other" for r in results.errors())
    return {
        "wall": wall,
        "calls": len(results),
        "ok": len(results.succeeded()),
        "attempts": attempts,
        "throttled": throttled,
        "retried_calls": sum(r.attempts > 1 for r in results),
        "rate_limit_wait_s": waited,
        "failures": dict(failures),
    }
