"""The sweep scenario's measurement: one inventory sweep (``multiregion.sweep``) of
ACCOUNTS x REGIONS targets on the latency endpoint, into DuckDB, on an executor.

Wall, CPU per target (this process, which writes, and every worker process, sampled
with psutil while they live), peak RSS per process (``VmHWM``), rows per second,
and what the output holds afterwards (rows, pairs ok).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # distributed's dependency

from benchmarks.endpoint.regions import all_regions


class ChildSampler:
    """CPU seconds and peak RSS of this process's children, sampled until stopped
    (a worker's figures are kept when it exits before the last sample)."""

    def __init__(self, every: float = 0.5) -> None:
        self.every = every
        self.cpu: dict[int, float] = {}
        self.peak_kb: dict[int, int] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> ChildSampler:
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stopped.wait(self.every):
            self.sample()

    def sample(self) -> None:
        for child in psutil.Process().children(recursive=True):
            try:
                times = child.cpu_times()
                self.cpu[child.pid] = times.user + times.system
                self.peak_kb[child.pid] = max(
                    self.peak_kb.get(child.pid, 0), _vm_hwm_kb(child.pid)
                )
            except psutil.Error:
                continue  # it exited between the listing and the reading

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        self.sample()


def _vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure_sweep(spec: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    from multiregion import (
        StaticCredentials,
        SweepCall,
        SweepSpec,
        SweepTargets,
        Target,
        sweep,
    )

    accounts, regions = spec["accounts"], all_regions()[: spec["regions"]]
    targets = [
        Target(
            region=region,
            endpoint_url=spec["url"],
            account_id=f"{account:012d}",
            credentials=StaticCredentials(f"AKIABENCH{account:011d}", "bench-secret"),
        )
        for account in range(accounts)
        for region in regions
    ]
    plan = SweepSpec(SweepTargets(), (SweepCall("sqs", "ListQueues", table="queues"),))
    sampler = ChildSampler().start()
    wall, cpu = time.perf_counter(), time.process_time()
    report = sweep(
        plan,
        spec["out"],
        targets=targets,
        executor=spec["executor"],
        timeout=spec.get("timeout"),
        progress=True,
        progress_interval=30,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sampler.stop()
    with duckdb.connect(spec["out"], read_only=True) as con:
        rows = con.execute("SELECT count(*) FROM queues").fetchone()
        pairs = con.execute(
            "SELECT status, count(*) FROM _sweep_targets GROUP BY 1"
        ).fetchall()
    return {
        "targets": len(targets),
        "wall": wall,
        "main_cpu": cpu,
        "workers_cpu": sum(sampler.cpu.values()),
        "workers": len(sampler.cpu),
        "main_peak_kb": _vm_hwm_kb(psutil.Process().pid),
        "worker_peak_kb": max(sampler.peak_kb.values(), default=0),
        "rows": rows[0] if rows else 0,
        "pairs": {str(status): count for status, count in pairs},
        "failed": report.failed,
    }
