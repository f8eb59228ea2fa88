"""Scenarios 6 and 7 (issue 13): one process, thousands of accounts, AWS's rate limits.

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
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.endpoint_process import EndpointProcess
from benchmarks.regions import all_regions, slowest_delay_s
from benchmarks.scenarios import (
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
def fleet_environment(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The workers' environment, with one profile per account of the fleet."""
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as folder:
        yield {**env, **write_profiles(Path(folder), FLEET_ACCOUNTS)}


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


# --- the report --------------------------------------------------------------------


def _secs(value: float) -> str:
    return f"{value * 1e3:.0f} ms" if value < 1 else f"{value:.2f} s"


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def checks(rows: list[Row], data: dict[str, Any]) -> list[list[str]]:
    """[target, limit, measured, verdict] for every target of issue 13."""
    out = []
    for row in rows:
        limit = row.target_ratio  # each case carries its own target
        if row.scenario.startswith(("6a", "6b")) and limit and row.ratio:
            out.append(
                [
                    f"{row.scenario}: wall / bound",
                    f"<= {limit:.2f} x",
                    f"{row.ratio:.2f} x ({_secs(row.median_s or 0)} / {_secs(row.bound_s)})",
                    _verdict(row.ratio <= limit),
                ]
            )
    for row in rows:
        per_target = row.creation_ms_per_target
        if row.scenario.startswith("6c") and per_target is not None:
            out.append(
                [
                    "6c. client creation CPU per target, 1,020 targets",
                    "<= 1.5 ms",
                    f"{per_target:.2f} ms",
                    _verdict(per_target <= 1.5),
                ]
            )
    out += fleet_checks(data.get("fleet"))
    out += throttle_checks(data.get("throttle"))
    return out


def fleet_checks(fleet: dict[str, Any] | None) -> list[list[str]]:
    if not fleet:
        return []
    bound = max(fleet["latency_bound_s"], fleet["cpu_bound_s"])
    wall = statistics.median(r["wall"] for r in fleet["runs"])
    fds_limit = fleet["cache_limit"] + 64
    return [
        [
            "6d. 10,200 targets: wall / max(latency, bare CPU bound)",
            "<= 1.30 x",
            f"{wall / bound:.2f} x ({_secs(wall)} / {_secs(bound)})",
            _verdict(wall <= 1.3 * bound),
        ],
        [
            "6d. 10,200 targets: peak RSS",
            "<= 500 MB",
            f"{fleet['peak_rss_mb']:.0f} MB",
            _verdict(fleet["peak_rss_mb"] <= 500),
        ],
        [
            "6d. 10,200 targets: open fds after the run",
            f"<= cache limit + 64 = {fds_limit}",
            str(fleet["open_fds"]),
            _verdict(fleet["open_fds"] <= fds_limit),
        ],
    ]


def throttle_checks(throttle: dict[str, Any] | None) -> list[list[str]]:
    if not throttle or "limited" not in throttle:
        return []
    limited = throttle["limited"]
    minimum = throttle["minimum_s"]
    return [
        [
            "7. with the limiter: throttling errors (server-side throttles)",
            "0",
            f"{limited['server']['throttled']} ({len(limited['failures'])} kinds of failure)",
            _verdict(limited["server"]["throttled"] == 0 and not limited["failures"]),
        ],
        [
            "7. with the limiter: wall / the bucket's own minimum",
            "<= 1.15 x",
            f"{limited['wall'] / minimum:.3f} x ({_secs(limited['wall'])} / {_secs(minimum)})",
            _verdict(limited["wall"] <= 1.15 * minimum),
        ],
    ]


def section(rows: list[Row], data: dict[str, Any]) -> list[str]:
    """The Markdown of scenarios 6 and 7 (tables of 6a-6c are the fan-out tables)."""
    lines = ["## Issue 13 targets (scenarios 6 and 7)", ""]
    lines += _table(["target", "limit", "measured", "verdict"], checks(rows, data))
    fleet = data.get("fleet")
    if fleet:
        lines += [
            "### Scenario 6d. 10,200 targets (300 accounts x 34 regions), 100 ms",
            "",
        ]
        lines += _table(
            ["run", "wall", "CPU", "GC", "ok", "errors"],
            [
                [
                    str(i + 1),
                    _secs(r["wall"]),
                    _secs(r["cpu"]),
                    _secs(r["gc_s"]),
                    f"{r['ok']}/{r['n']}",
                    ", ".join(r["errors"]) or "-",
                ]
                for i, r in enumerate(fleet["runs"])
            ],
        )
        lines += [
            f"- {fleet['workers']} workers; latency bound {_secs(fleet['latency_bound_s'])}; "
            f"bare botocore CPU bound {_secs(fleet['cpu_bound_s'])} "
            f"({1e3 * fleet['bare_cpu_per_target_s']:.2f} ms per target, one by one: "
            "a Session per account, then per target a client, its call, its close)",
            f"- client cache limit {fleet['cache_limit']}: {fleet['clients_created']} clients "
            f"created, {fleet['evicted']} evicted, {fleet['cached']} cached at the end; "
            f"{fleet['open_fds']} fds open; peak RSS {fleet['peak_rss_mb']:.0f} MB; "
            f"{fleet['gc_collections']} GC collections",
            f"- endpoint: {fleet['server']['requests']} requests from "
            f"{fleet['server']['distinct_access_keys']} access keys, "
            f"p99 overhead {fleet['server']['overhead_p99_ms']:.1f} ms",
            "",
        ]
    throttle = data.get("throttle")
    if throttle and "limited" in throttle:
        lines += [
            f"### Scenario 7. Throttling: {throttle['calls']} EC2 describe calls, one "
            f"account and region, bucket {throttle['bucket']}",
            "",
            f"The bucket's own minimum: {_secs(throttle['minimum_s'])} "
            "(the burst at once, the rest at the refill rate).",
            "",
        ]
        lines += _table(
            [
                "client",
                "wall",
                "x minimum",
                "ok",
                "HTTP attempts",
                "throttled (client / server)",
                "calls retried",
                "rate-limit wait (sum)",
                "failures",
            ],
            [_throttle_cells(throttle, key) for key in ("limited", "unlimited")],
        )
    return lines


def _throttle_cells(throttle: dict[str, Any], key: str) -> list[str]:
    r = throttle[key]
    failures = ", ".join(f"{code} x {n}" for code, n in r["failures"].items())
    return [
        "multiregion, default rate limits" if key == "limited" else "rate_limits=False",
        _secs(r["wall"]),
        f"{r['wall'] / throttle['minimum_s']:.3f}" if throttle["minimum_s"] else "-",
        f"{r['ok']}/{r['calls']}",
        str(r["attempts"]),
        f"{r['throttled']} / {r['server']['throttled']}",
        str(r["retried_calls"]),
        _secs(r["rate_limit_wait_s"]),
        failures or "-",
    ]


def _table(head: list[str], lines: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return out + [""]
