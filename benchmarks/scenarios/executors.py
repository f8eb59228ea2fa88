"""Scenario 9 (issue 14): one CPU-bound fan-out on threads, a process pool and Dask.

N targets (34 regions x N/34 labels, one account: 34 clients per process, so the
calls, not client creation, are what is measured) at 20 ms each. On 2 cores one
process's CPU bound (N x ~0.6 ms) is well above the latency bound (N / 64 x 20 ms).

Where the endpoint runs: on 2 cores there is no core to spare for it, so it is not
pinned: it shares both cores with the processes under test, in every approach alike,
and its CPU is reported beside theirs. "limit" is bare botocore in N processes with
every client made (and used once) beforehand and the targets split evenly.

Each approach is measured in a fresh worker process (``workers/executors.py``).
"""

from __future__ import annotations

from typing import Any

from benchmarks.endpoint.pinning import all_cores
from benchmarks.endpoint.process import EndpointProcess
from benchmarks.scenarios.runner import progress, run_worker

DELAY_MS = 20
PROCESSES = 2
APPROACHES = ("threads", "limit", "processes", "dask")


def scenario_executors(quick: bool, env: dict[str, str]) -> dict[str, Any]:
    """Scenario 9: every approach on the same targets, the endpoint on every core."""
    n = 3_400 if quick else 10_200
    reps = 2 if quick else 3
    found: dict[str, Any] = {"n": n, "worker_processes": PROCESSES, "reps": reps}
    with (
        all_cores(),
        EndpointProcess(
            "--fixed-delay-ms", str(DELAY_MS), max_seconds=3600
        ) as endpoint,
    ):
        assert endpoint.proc is not None
        for approach in APPROACHES:
            progress(f"9. executors: {approach} ({n} targets)")
            spec = {
                "kind": "executors",
                "approach": approach,
                "n": n,
                "reps": reps,
                "processes": PROCESSES,
                "endpoint_pid": endpoint.proc.pid,
            }
            found[approach] = run_worker(spec, env, endpoint.url, timeout=1800)
    return found
