"""The chaos run (``make chaos``): 1,020 targets under faults, three calls on one
object.

The fault-injection endpoint (tests/faultserver.py, in its own process, on loopback)
answers SQS ``ListQueues`` per target, by URL path: 5 % hang, 5 % throttle twice
then answer, 2 % reset the connection, 1 % fail (AccessDenied); the rest answer.
Each call reports targets ok, retried and ok, labelled failures by code, wall time
against the deadline, threads alive and pool workers busy after it, and peak RSS.
It checks: nothing lost (ok + labelled = 1,020), the healthy targets' results equal
in all three calls, every target ended within its own deadline + 1 s (the deadline
is per target, from its start: the call's wall is when the last target started plus
at most that), and the pool idle again after each call.
"""

from __future__ import annotations

import resource
import sys
import threading
import time
from collections import Counter
from typing import Any

import boto3

from benchmarks.endpoint.process import EndpointProcess
from multiregion import DynamicService, Target, TargetResults
from multiregion_runtime.engines import threads as _executor

TARGETS = 1020
DEADLINE = 10.0
#: What goes wrong for target i: the first rule that matches, spread over the list
#: (51 hang, 51 throttle, 20 reset, 10 fail of 1,020; the rest answer at once).
FAULT_RULES = [
    (20, 0, "hang"),
    (20, 10, "throttle"),
    (51, 5, "reset"),
    (102, 7, "fail"),
]
SERVER_FAULTS = [
    "hang=hang",
    "throttle=throttle,times=2,every=3",
    "reset=reset",
    "fail=deny",
]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "ca-central-1"]


def chaos_targets(url: str) -> list[Target]:
    """204 accounts x 5 regions, as a sweep's targets are: each (account, region) has
    its own rate-limit bucket, as AWS throttles them. (All in one account, the
    client-side limit for SQS, 50 at once then 10/s per region, would bound the run,
    not the faults.)"""
    targets = []
    for i in range(TARGETS):
        kind = next((k for n, r, k in FAULT_RULES if i % n == r), "ok")
        region = REGIONS[i % len(REGIONS)]
        account = f"{i // len(REGIONS):012d}"
        url_i, label = f"{url}/{kind}-{i}", f"{kind}-{i}"
        targets.append(
            Target(region=region, endpoint_url=url_i, label=label, account_id=account)
        )
    return targets


def pool_busy() -> int:
    pool = _executor._pool
    if pool is None:
        return 0
    with pool._lock:
        return len(pool._threads) - pool._idle


def pool_size() -> int:
    pool = _executor._pool
    return 0 if pool is None else len(pool._threads)


def one_call(service: DynamicService) -> tuple[dict[str, Any], TargetResults[Any]]:
    start = time.monotonic()
    results = service.list_queues()
    wall = time.monotonic() - start
    busy_now = pool_busy()
    time.sleep(0.2)  # a worker finishing its last bookkeeping is not a stuck one
    ok = [r for r in results if r.ok]
    retried = [r for r in ok if retry_attempts(r.value) > 0]
    labelled = Counter(
        r.error_code or type(r.error).__name__ for r in results if not r.ok
    )
    figures = {
        "targets": len(results),
        "ok": len(ok),
        "retried_ok": len(retried),
        "labelled": sum(labelled.values()),
        "by_label": dict(sorted(labelled.items())),
        "wall_s": round(wall, 2),
        "longest_target_s": round(max(r.elapsed for r in results), 2),
        "deadline_s": DEADLINE,
        "busy_workers_at_return": busy_now,
        "busy_workers_0.2s_later": pool_busy(),
        "pool_threads": pool_size(),
        "threads_alive": threading.active_count(),
        "peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }
    return figures, results


def retry_attempts(value: Any) -> int:
    """How many times botocore retried before this answer."""
    return int(value["ResponseMetadata"]["RetryAttempts"])


def healthy_values(results: TargetResults[Any]) -> dict[str, Any]:
    return {
        r.target.name: r.value and r.value["QueueUrls"]
        for r in results
        if r.ok and r.target.name.startswith("ok-")
    }


def run() -> list[dict[str, Any]]:
    faults = [arg for fault in SERVER_FAULTS for arg in ("--fault", fault)]
    server = EndpointProcess(*faults, max_seconds=None, module="tests.faultserver")
    server.start()
    try:
        session = boto3.Session(
            aws_access_key_id="AKIACHAOS",
            aws_secret_access_key="chaos",
            region_name="us-east-1",
        )
        service = DynamicService(
            "sqs", targets=chaos_targets(server.url), session=session, timeout=DEADLINE
        )
        planted = Counter(t.name.split("-")[0] for t in service.targets)
        print(f"planted: {dict(planted)}", file=sys.stderr)
        calls, healthy = [], []
        for number in (1, 2, 3):
            figures, results = one_call(service)
            figures["call"] = number
            healthy.append(healthy_values(results))
            calls.append(figures)
        for figures, values in zip(calls, healthy, strict=True):
            figures["checks"] = {
                "nothing_lost": figures["ok"] + figures["labelled"] == TARGETS,
                "healthy_identical": values == healthy[0]
                and len(values)
                == sum(1 for t in service.targets if t.name.startswith("ok-")),
                "each_target_within_deadline_plus_1s": figures["longest_target_s"]
                <= DEADLINE + 1,
                "pool_idle_after": figures["busy_workers_0.2s_later"] == 0,
            }
        return calls
    finally:
        server.stop()


def passed(calls: list[dict[str, Any]]) -> bool:
    """Whether every call passed every check."""
    return all(all(call["checks"].values()) for call in calls)
