"""Scenarios 1-4: every region warm and cold, 1,020 targets, CPU per call.

Each approach is measured in a fresh worker process (``workers/measure.py``,
``workers/approaches.py``; scenario 4: ``workers/cpu.py``).
"""

from __future__ import annotations

import math
from typing import Any

from benchmarks.endpoint.process import EndpointProcess
from benchmarks.endpoint.regions import all_regions, slowest_delay_s
from benchmarks.scenarios.runner import (
    ACCOUNTS,
    Case,
    Plan,
    Row,
    progress,
    run_cases,
    run_worker,
)


def all_region_cases(cold: bool) -> list[Case]:
    n = len(all_regions())
    return [
        Case("sequential", "sequential boto3 loop", 1, slow=True),
        Case("pool-prebuilt", "thread pool, clients made first", n),
        Case("pool-client-per-task", "thread pool, boto3.client() per task", n),
        Case("pool-session-per-task", "thread pool, boto3.Session() per task", n, True),
        Case("multiregion", "multiregion", 64, target_ratio=1.25 if cold else 1.10),
    ]


def scenario_all_regions(cold: bool, plan: Plan, env: dict[str, str]) -> list[Row]:
    """Scenarios 1 and 2: every region once, at the table's realistic delays."""
    title = "2. all regions, cold" if cold else "1. all regions, warm"
    regions = all_regions()
    spec = {"kind": "fanout", "cold": cold, "accounts": 0, "n": len(regions)}
    rows = run_cases(title, [], all_region_cases(cold), spec, plan, env)
    for row in rows:
        row.bound_s = slowest_delay_s(regions)
    return rows


def scenario_many_targets(
    plan: Plan, env: dict[str, str], session_task_cpu_s: float | None
) -> list[Row]:
    """Scenario 3: 30 accounts x 34 regions, distinct credentials, 100 ms each."""
    n = ACCOUNTS * len(all_regions())
    cases = [
        Case("multiregion", "multiregion", 64),
        Case("multiregion", "multiregion", 128, target_ratio=1.3),
        Case("pool-prebuilt", "thread pool, clients made first", 128),
        Case(
            "pool-client-per-task",
            "thread pool, boto3.client() per task",
            128,
            once=True,
        ),
    ]
    spec = {"kind": "fanout", "cold": False, "accounts": ACCOUNTS, "n": n}
    title = f"3. {n} targets ({ACCOUNTS} accounts), 100 ms"
    rows = run_cases(title, ["--fixed-delay-ms", "100"], cases, spec, plan, env)
    for row in rows:
        row.bound_s = math.ceil(n / row.workers) * 0.1
    rows.extend(not_run_rows(title, n, session_task_cpu_s))
    return rows


def not_run_rows(title: str, n: int, session_task_cpu_s: float | None) -> list[Row]:
    """The slow patterns at 1,020 targets would take minutes: say so, don't run."""
    sequential = Row(title, "sequential boto3 loop", 1, n)
    sequential.note = f"not run: at least {n * 0.1:.0f} s (n x 100 ms)"
    per_session = Row(title, "thread pool, boto3.Session() per task", 128, n)
    per_session.note = "not run: minutes of CPU"
    if session_task_cpu_s:
        per_session.note = (
            f"not run: {session_task_cpu_s:.2f} s of CPU per task in scenario 1"
            f" -> ~{n * session_task_cpu_s:.0f} s"
        )
    return [sequential, per_session]


def scenario_cpu(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """Scenario 4: CPU per call, against an endpoint that answers at once."""
    progress("4. CPU per call")
    spec = {"kind": "cpu", "calls": plan.cpu_calls, "batches": plan.cpu_batches}
    with EndpointProcess("--pin", "--fixed-delay-ms", "0", max_seconds=300) as endpoint:
        result: dict[str, Any] = run_worker(spec, env, endpoint.url)
        result["_server"] = endpoint.stats()
    return result
