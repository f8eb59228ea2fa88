"""Scenarios 6, 7 and 8 (issue 13): one process, thousands of accounts, AWS's rate limits.

6a. 34 regions, a new object per call (the process-wide client cache at work).
6b. 34 regions, the first EC2 fan-out of a fresh process (median of 5 processes).
6c. 1,020 targets: client creation CPU per target (first run less a warm one).
7.  Throttling: 2,000 EC2 describe calls to one account and region against an
    endpoint with AWS's token bucket (100 burst, 20 per second), with the client-side
    limiter and without it.
8.  (6d in the tables) 10,200 targets (300 accounts x 34 regions) at 100 ms: wall
    against max(latency bound, bare botocore CPU bound), peak RSS, open fds after.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.endpoint.process import EndpointProcess
from benchmarks.endpoint.regions import all_regions, slowest_delay_s
from benchmarks.scenarios.runner import (
    Case,
    Plan,
    Row,
    progress,
    run_cases,
    run_worker,
    summarize,
    write_profiles,
)

FLEET_ACCOUNTS = 300
SAMPLE_ACCOUNTS = 10  # the bare botocore sample: 340 targets
CREATION_ACCOUNTS = 30
FIRST_RUN_PROCESSES = 5
THROTTLE_BUCKET = (100, 20)  # AWS's EC2 non-mutating bucket
THROTTLE_CALLS = 2000
THROTTLE_REGION = "eu-west-1"


def scenario_new_object(plan: Plan, env: dict[str, str]) -> list[Row]:
    """6a: a new MultiRegion object per call, side by side with the usual patterns."""
    n = len(all_regions())
    cases = [
        Case(
            "multiregion-new-object",
            "multiregion, a new object per call",
            64,
            target_ratio=1.10,
        ),
        Case("multiregion", "multiregion, one object reused", 64),
        Case("pool-client-per-task", "thread pool, boto3.client() per task", n),
    ]
    spec = {"kind": "fanout", "cold": False, "accounts": 0, "n": n}
    title = "6a. 34 regions, a new object per call"
    rows = run_cases(title, [], cases, spec, plan, env)
    for row in rows:
        row.bound_s = slowest_delay_s(all_regions())
    return rows


def scenario_first_ec2(plan: Plan, env: dict[str, str]) -> list[Row]:
    """6b: the first EC2 fan-out in a fresh process (imports done, nothing else)."""
    n = len(all_regions())
    cases = [
        Case("multiregion-new-object", "multiregion", 64, target_ratio=1.25),
        Case("pool-prebuilt", "thread pool, Session and clients made first", n),
        Case("pool-client-per-task", "thread pool, boto3.client() per task", n),
    ]
    title = "6b. 34 regions, first EC2 fan-out in a fresh process"
    processes = FIRST_RUN_PROCESSES if plan.reps > 3 else 2
    rows = []
    with EndpointProcess("--pin", max_seconds=900) as endpoint:
        for case in cases:
            progress(f"{title}: {case.label} ({processes} processes)")
            spec = {
                "kind": "fanout",
                "cold": True,
                "accounts": 0,
                "n": n,
                "service": "ec2",
                "operation": "describe_instances",
                "approach": case.approach,
                "workers": case.workers,
                "reps": 1,
                "warmups": 0,
            }
            results = [run_worker(spec, env, endpoint.url) for _ in range(processes)]
            merged = {
                "runs": [r["runs"][0] for r in results],
                "warmups": [],
                "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
                "clients_created": results[0]["clients_created"],
                "open_fds": max(r["open_fds"] for r in results),
            }
            row = Row(
                title,
                case.label,
                case.workers,
                n,
                bound_s=slowest_delay_s(all_regions()),
            )
            row.target_ratio = case.target_ratio
            rows.append(summarize(row, merged, n))
            row.note = (row.note + "; " if row.note else "") + (
                f"each run in its own process ({processes})"
            )
    return rows


def scenario_creation(plan: Plan, env: dict[str, str]) -> list[Row]:
    """6c: 1,020 targets at 100 ms; creation CPU = first run less a warm run."""
    n = CREATION_ACCOUNTS * len(all_regions())
    spec = {"kind": "fanout", "cold": False, "accounts": CREATION_ACCOUNTS, "n": n}
    title = f"6c. {n} targets, client creation"
    cases = [Case("multiregion", "multiregion", 128)]
    rows = run_cases(title, ["--fixed-delay-ms", "100"], cases, spec, plan, env)
    for row in rows:
        row.bound_s = math.ceil(n / row.workers) * 0.1
    return rows


@contextmanager
def fleet_environment(
    env: dict[str, str], accounts: int = FLEET_ACCOUNTS
) -> Iterator[dict[str, str]]:
    """The workers' environment, with one profile per account of the fleet."""
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as folder:
        yield {**env, **write_profiles(Path(folder), accounts)}


def scenario_fleet(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """6d: 10,200 targets in one process, a new object per run."""
    n = FLEET_ACCOUNTS * len(all_regions())
    workers = 128
    reps = 1  # a run creates (and evicts) 10,200 clients: minutes of CPU on 2 cores
    with (
        fleet_environment(env) as fleet_env,
        EndpointProcess(
            "--pin", "--fixed-delay-ms", "100", max_seconds=1800
        ) as endpoint,
    ):
        progress(f"6d. bare botocore sample ({SAMPLE_ACCOUNTS * 34} targets)")
        bare = run_worker(
            {"kind": "fleet-bare", "accounts": SAMPLE_ACCOUNTS}, fleet_env, endpoint.url
        )
        progress(f"6d. {n} targets, {workers} workers, {reps} run(s)")
        endpoint.stats(reset=True)
        spec = {
            "kind": "fleet",
            "accounts": FLEET_ACCOUNTS,
            "workers": workers,
            "reps": reps,
        }
        result: dict[str, Any] = run_worker(spec, fleet_env, endpoint.url, 1500)
        result["server"] = endpoint.stats()
    result.update(
        n=n,
        workers=workers,
        bare_cpu_per_target_s=bare["cpu_per_target_s"],
        latency_bound_s=math.ceil(n / workers) * 0.1,
        cpu_bound_s=n * bare["cpu_per_target_s"],
    )
    return result


def scenario_throttle(plan: Plan, env: dict[str, str]) -> dict[str, Any]:
    """7: 2,000 describe calls to one account and region, against AWS's bucket."""
    burst, rate = THROTTLE_BUCKET
    calls = THROTTLE_CALLS if plan.run_once_cases else 400
    out: dict[str, Any] = {
        "calls": calls,
        "bucket": f"{burst}/{rate}",
        "minimum_s": max(0.0, (calls - burst) / rate),
    }
    for limited in (True, False):
        label = "with the rate limiter" if limited else "without it"
        progress(f"7. throttling: {calls} calls {label}")
        with EndpointProcess(
            "--pin", "--token-bucket", f"{burst}/{rate}", max_seconds=900
        ) as endpoint:
            spec = {
                "kind": "throttle",
                "calls": calls,
                "workers": 64,
                "region": THROTTLE_REGION,
                "limited": limited,
            }
            result = run_worker(spec, env, endpoint.url)
            result["server"] = endpoint.stats()
        out["limited" if limited else "unlimited"] = result
    return out


def run_all(plan: Plan, env: dict[str, str]) -> list[Row]:
    """6a, 6b and 6c (6d, the 10,200 targets, is scenario 8: minutes on its own)."""
    rows = scenario_new_object(plan, env)
    rows += scenario_first_ec2(plan, env)
    rows += scenario_creation(plan, env)
    return rows
