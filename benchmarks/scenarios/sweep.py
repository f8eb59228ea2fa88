"""The sweep scenario (``python -m benchmarks --scenario sweep``; not in the default
set: it takes minutes).

Issue 22's organization sweep at a tenth of the moonshot's size: 30,000 targets
(1,000 accounts x 30 regions), ListQueues in 3 pages each on the latency endpoint
(its per-region delays), into DuckDB, on ``processes:2``, in a fresh worker process
(``workers/sweep_run.py``). From the measured CPU per target it projects 300,000
targets on 32 cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.endpoint.process import EndpointProcess
from benchmarks.scenarios.runner import progress

ACCOUNTS, REGIONS, PAGES = 1_000, 30, 3
EXECUTOR = "processes:2"
#: The projection's target: the project's goal for a whole organization.
PROJECTED_TARGETS, PROJECTED_CORES = 300_000, 32


def measure(
    accounts: int = ACCOUNTS, regions: int = REGIONS, executor: str = EXECUTOR
) -> dict[str, Any]:
    """One sweep's figures (see ``workers/sweep_run.py``)."""
    progress(f"sweep: {accounts:,} accounts x {regions} regions on {executor}")
    args = ["--pages", str(PAGES), "--max-requests", "10000000"]
    with (
        tempfile.TemporaryDirectory() as folder,
        EndpointProcess(*args, max_seconds=3600) as endpoint,
    ):
        spec = {
            "kind": "sweep",
            "url": endpoint.url,
            "accounts": accounts,
            "regions": regions,
            "executor": executor,
            "out": str(Path(folder) / "inventory.duckdb"),
        }
        command = [sys.executable, "-m", "benchmarks.workers", json.dumps(spec)]
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError("the sweep worker failed (its stderr is above)")
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    figures.update(accounts=accounts, regions=regions, executor=executor, pages=PAGES)
    return figures


def projection(figures: dict[str, Any]) -> dict[str, float]:
    """300,000 targets on 32 cores, from the CPU measured per target.

    The fetching spreads over the cores; the writing stays in one process (it owns
    the output), so the projection is the larger of the two. Latency is not the
    bound at this concurrency (3 pages of at most 250 ms per target).
    """
    targets = figures["targets"]
    workers = figures["workers_cpu"] / targets
    writer = figures["main_cpu"] / targets
    spread = PROJECTED_TARGETS * (workers + writer) / PROJECTED_CORES
    serial = PROJECTED_TARGETS * writer
    return {
        "cpu_per_target_ms": 1000 * (workers + writer),
        "writer_ms": 1000 * writer,
        "spread_s": spread,
        "writer_s": serial,
        "projected_s": max(spread, serial),
    }
