"""10,200 targets with clients shared across accounts (issue 21): ``--scenario
fleet-shared``.

Scenario 8's fleet (300 accounts x 34 regions, the latency endpoint at 100 ms, 128
workers, a new object per run) with each account's own keys on its targets, as an
organization sweep has them (a role or keys per account, one base profile), so one
client per region serves every account. (Scenario 8 gives each account a profile of
its own: a profile may carry configuration, so it keeps clients of its own.) Beside
it, in their own processes: bare botocore's CPU per call with clients made
beforehand, and scenario 8's bare CPU per target (a client per target).
"""

from __future__ import annotations

import math
import os
from typing import Any

from benchmarks.endpoint.process import EndpointProcess
from benchmarks.endpoint.regions import all_regions
from benchmarks.scenarios.fleet import (
    FLEET_ACCOUNTS,
    SAMPLE_ACCOUNTS,
    fleet_environment,
)
from benchmarks.scenarios.runner import progress, run_worker, worker_environment

WORKERS = 128
LATENCY_S = 0.1


def measure(
    accounts: int = FLEET_ACCOUNTS, processes: int | None = None
) -> dict[str, Any]:
    """``processes``: the fan-out on a ProcessPool of that many workers (None:
    threads in the measuring process)."""
    n = accounts * len(all_regions())
    with (
        worker_environment() as env,
        fleet_environment(env, accounts) as fleet_env,
        EndpointProcess(
            "--pin", "--fixed-delay-ms", str(int(LATENCY_S * 1000)), max_seconds=1800
        ) as endpoint,
    ):
        sample = {"accounts": SAMPLE_ACCOUNTS}
        progress("fleet-shared: bare botocore, clients made first")
        premade = run_worker({"kind": "bare-premade", **sample}, env, endpoint.url)
        progress("fleet-shared: bare botocore, a client per target")
        bare = run_worker({"kind": "fleet-bare", **sample}, fleet_env, endpoint.url)
        progress(f"fleet-shared: {n} targets, {WORKERS} workers")
        endpoint.stats(reset=True)
        spec = {
            "kind": "fleet",
            "accounts": accounts,
            "workers": WORKERS,
            "reps": 1,
            "identity": "keys",
            "processes": processes,
        }
        fleet: dict[str, Any] = run_worker(spec, fleet_env, endpoint.url, 1500)
        fleet["server"] = endpoint.stats()
    run = fleet["runs"][0]
    latency_bound = math.ceil(n / WORKERS) * LATENCY_S
    cpu_bound = n * premade["cpu_per_call_s"]
    return {
        "n": n,
        "accounts": accounts,
        "processes": processes,
        "run": run,
        "fleet": fleet,
        "premade_cpu_per_call_s": premade["cpu_per_call_s"],
        "bare_cpu_per_target_s": bare["cpu_per_target_s"],
        "latency_bound_s": latency_bound,
        "cpu_bound_s": cpu_bound,
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def section(found: dict[str, Any]) -> str:
    run, fleet, n = found["run"], found["fleet"], found["n"]
    bound = max(found["latency_bound_s"], found["cpu_bound_s"])
    # on a ProcessPool the calls run in the workers: their CPU counts too
    cpu_per_target = (run["cpu"] + fleet.get("workers_cpu_s", 0.0)) / n
    premade = found["premade_cpu_per_call_s"]
    server = fleet.get("server") or {}
    keys = server.get("distinct_access_keys", "?")
    # the goals: 10,200 targets, and 102,000 (peak RSS per process there)
    wall_goal, rss_goal = ("1.2 x", "150 MB") if n < 50_000 else ("1.3 x", "300 MB")
    return "\n".join(
        [
            f"## {n:,} targets, one client per region shared by every account (issue 21)",
            "",
            f"`python -m benchmarks --scenario {found['scenario']}` (benchmarks/scenarios/"
            f"fleet_shared.py): {found['accounts']} accounts x {len(all_regions())} regions, "
            f"each account's own keys, SQS ListQueues on the latency endpoint at "
            f"{LATENCY_S * 1000:.0f} ms, {WORKERS} workers, a new object (one run), "
            f"{_where(found)}. "
            f"Load average at the end: {found['load_average']} (2 cores).",
            "",
            "| figure | measured | goal |",
            "|---|---|---|",
            f"| wall | {run['wall']:.2f} s = {run['wall'] / bound:.2f} x the bound "
            f"({bound:.2f} s: max(latency {found['latency_bound_s']:.2f} s, bare CPU "
            f"{found['cpu_bound_s']:.2f} s)) | <= {wall_goal} |",
            f"| CPU per target | {cpu_per_target * 1000:.2f} ms = "
            f"{cpu_per_target / premade:.2f} x bare botocore's per call with a "
            f"pre-made client ({premade * 1000:.2f} ms; a client per target: "
            f"{found['bare_cpu_per_target_s'] * 1000:.2f} ms) | <= 1.3 x |",
            f"| peak RSS | {_peak_rss(found)} | <= {rss_goal}"
            f"{' per process' if found.get('processes') else ''} |",
            f"| ok | {run['ok']}/{run['n']} {' '.join(run['errors'])} | all |",
            f"| clients made | {fleet['clients_created']} (GC {run['gc_s']:.2f} s of "
            f"CPU, {fleet['gc_collections']} collections); {fleet['open_fds']} fds "
            f"open after | - |",
            f"| distinct access keys the endpoint saw | {keys} | {found['accounts']} |",
        ]
    )


def _where(found: dict[str, Any]) -> str:
    processes = found.get("processes")
    return f"on `processes:{processes}`" if processes else "on threads"


def _peak_rss(found: dict[str, Any]) -> str:
    """The caller's peak RSS, and each worker process's on a ProcessPool."""
    fleet = found["fleet"]
    caller = f"{fleet['peak_rss_mb']:.0f} MB"
    workers = fleet.get("workers_peak_rss_mb") or []
    if not workers:
        return caller
    each = ", ".join(f"{mb:.0f} MB" for mb in workers)
    return f"caller {caller}; workers {each}"
