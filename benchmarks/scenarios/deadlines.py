"""Deadlines per target and hung targets (issue 21): ``--scenario deadlines``.

Two runs on the fault-injection endpoint (tests/faultserver.py, its own process,
loopback), SQS ``ListQueues``, each in a cold process state (a new object):

- **hung**: 1,000 account-region targets (200 accounts x 5 regions); 5 % hang (never
  answer), the rest answer after 100 ms. ``timeout=10`` (per target), 64 workers.
  Goal: every healthy target ok, every hung one ``DeadlineExceeded``, and wall <=
  healthy work / workers + 10 s + 1 s. Before issue 21 the hung targets held 50 of
  the 64 workers for the whole deadline.
- **one worker**: 700 targets at 100 ms on one worker with default options (70 s of
  work, past the default 60 s timeout): goal 700 ok. Before issue 21 the 60 s were
  per call: 521 ok, 178 ``NotStarted``.
"""

from __future__ import annotations

import os
import resource
import time
from collections import Counter
from typing import Any

import boto3

from benchmarks.endpoint.process import EndpointProcess
from multiregion import DynamicService, Target, TargetResult

HUNG_TARGETS = 1000
HANG_EVERY = 20  # 5 %
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "ca-central-1"]
LATENCY_S = 0.1
TIMEOUT_S = 10.0
WORKERS = 64
ONE_WORKER_TARGETS = 700
SERVER_FAULTS = ["hang=hang", f"slow=slow,seconds={LATENCY_S}"]


def fleet(url: str, n: int, hang_every: int | None) -> list[Target]:
    """``n`` targets over accounts x REGIONS; every ``hang_every``-th one hangs (the
    endpoint's path says which: the fault endpoint keys its faults by it)."""
    targets = []
    for i in range(n):
        hangs = hang_every is not None and i % hang_every == 0
        kind = "hang" if hangs else "slow"
        targets.append(
            Target(
                region=REGIONS[i % len(REGIONS)],
                # one endpoint per kind, so a region's client is shared by every
                # account, as at AWS (a URL per target would make a client each)
                endpoint_url=f"{url}/{kind}",
                label=f"{kind}-{i}",
                account_id=f"{i // len(REGIONS):012d}",
            )
        )
    return targets


def timed_call(service: DynamicService) -> dict[str, Any]:
    """One call's figures, with when its last target started (the wall is that plus
    at most the per-target deadline)."""
    starts: list[float] = []

    def started(result: TargetResult[Any]) -> None:
        starts.append(time.monotonic() - result.elapsed)

    cpu, start = time.process_time(), time.monotonic()
    results = service.with_options(on_result=started).list_queues()
    wall, cpu = time.monotonic() - start, time.process_time() - cpu
    labels = Counter(
        r.error_code or type(r.error).__name__ for r in results if not r.ok
    )
    healthy = [r for r in results if r.target.name.startswith("slow-")]
    return {
        "targets": len(results),
        "healthy": len(healthy),
        "healthy_ok": sum(r.ok for r in healthy),
        "by_label": dict(sorted(labels.items())),
        "wall_s": round(wall, 2),
        "last_start_s": round(max(starts) - start, 2),
        "cpu_s": round(cpu, 2),
    }


def measure() -> dict[str, Any]:
    faults = [arg for fault in SERVER_FAULTS for arg in ("--fault", fault)]
    server = EndpointProcess(*faults, max_seconds=None, module="tests.faultserver")
    server.start()
    session = boto3.Session(
        aws_access_key_id="AKIADEADLINES",
        aws_secret_access_key="deadlines",
        region_name="us-east-1",
    )
    try:
        hung = DynamicService(
            "sqs",
            targets=fleet(server.url, HUNG_TARGETS, HANG_EVERY),
            session=session,
            timeout=TIMEOUT_S,
            max_workers=WORKERS,
        )
        first = timed_call(hung)
        warm = timed_call(hung)
        for figures in (first, warm):
            healthy_work = figures["healthy"] * LATENCY_S
            figures["bound_s"] = round(healthy_work / WORKERS + TIMEOUT_S + 1, 2)
        alone = DynamicService(
            "sqs",
            targets=fleet(server.url, ONE_WORKER_TARGETS, None),
            session=session,
            max_workers=1,
        )
        second = timed_call(alone)
        second["work_s"] = round(ONE_WORKER_TARGETS * LATENCY_S, 1)
    finally:
        server.stop()
    return {
        "hung": first,
        "hung_warm": warm,
        "one_worker": second,
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def passed(found: dict[str, Any]) -> bool:
    hung, alone = found["hung"], found["one_worker"]
    return bool(
        hung["healthy_ok"] == hung["healthy"]
        and hung["wall_s"] <= hung["bound_s"]
        and alone["healthy_ok"] == alone["targets"]
    )


def _labels(figures: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in figures["by_label"].items()) or "-"


def _hung_row(name: str, hung: dict[str, Any]) -> str:
    return (
        f"| {name}: {HUNG_TARGETS} targets, 5 % hang, timeout {TIMEOUT_S:g} s per "
        f"target, {WORKERS} workers, healthy at {LATENCY_S * 1000:.0f} ms "
        f"| {hung['healthy_ok']}/{hung['healthy']} | {_labels(hung)} "
        f"| {hung['wall_s']} s (last target started at {hung['last_start_s']} s) "
        f"| <= {hung['bound_s']} s (healthy work / workers + {TIMEOUT_S:g} s + 1 s) "
        f"| {hung['cpu_s']} s |"
    )


def section(found: dict[str, Any]) -> str:
    alone = found["one_worker"]
    return "\n".join(
        [
            "## Deadlines per target, hung targets (issue 21)",
            "",
            "`python -m benchmarks --scenario deadlines` (benchmarks/scenarios/"
            "deadlines.py): SQS ListQueues on the fault endpoint (loopback), a new "
            f"object per run. Load average at the end: {found['load_average']} "
            f"(2 cores); peak RSS {found['peak_rss_mb']} MB.",
            "",
            "| run | healthy ok | labelled | wall | goal | CPU |",
            "|---|---|---|---|---|---|",
            _hung_row("cold (first call)", found["hung"]),
            _hung_row("warm (second call)", found["hung_warm"]),
            f"| {ONE_WORKER_TARGETS} targets at {LATENCY_S * 1000:.0f} ms, 1 worker, "
            f"default options ({alone['work_s']} s of work) "
            f"| {alone['healthy_ok']}/{alone['targets']} | {_labels(alone)} "
            f"| {alone['wall_s']} s | {alone['targets']} ok | {alone['cpu_s']} s |",
        ]
    )
