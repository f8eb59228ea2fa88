"""The section of scenario 9 (executors): each approach against the limit, chunk
sizes, and 300,000 targets on paper."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.scenarios.executors import APPROACHES, DELAY_MS

LABELS = {
    "threads": "threads, 1 process (today's design)",
    "limit": "limit: bare botocore, {p} processes, clients premade",
    "processes": "local process pool, {p} processes",
    "dask": "Dask LocalCluster, {p} worker processes",
}
TARGET_RATIO = {"processes": 1.15, "dask": 1.25}
#: CPU to create one client, amortized in a fan-out (scenario 4 of this report).
CLIENT_CREATION_MS = 2.0


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def approach_cells(name: str, data: dict[str, Any], limit: float) -> list[str]:
    n, p, runs = data["n"], data["worker_processes"], data[name]["runs"]
    walls = sorted(r["wall"] for r in runs)
    wall = statistics.median(walls)
    cpu = 1e3 * median_of(runs, "cpu") / n
    over = cpu - 1e3 * median_of(data["limit"]["runs"], "cpu") / n
    ratio = wall / limit
    target = TARGET_RATIO.get(name)
    verdict = "baseline" if name == "threads" else "-"
    if target is not None:
        verdict = f"<= {target:.2f} x: {'met' if ratio <= target else '**missed**'}"
    rss = " / ".join(f"{mb:.0f}" for mb in data[name]["rss_mb"])
    return [
        LABELS[name].format(p=p),
        f"{ms(wall)} ({ms(walls[0])} - {ms(walls[-1])})",
        f"{ratio:.2f} x",
        verdict,
        f"{cpu:.3f}",
        "-" if name == "limit" else f"{over:+.3f}",
        "-" if name == "limit" else f"{1e3 * (wall - limit) / n:+.3f}",
        f"{1e3 * median_of(runs, 'server_cpu') / n:.3f}",
        rss,
        f"{min(r['ok'] for r in runs)}/{n}",
    ]


def chunk_rows(data: dict[str, Any]) -> list[list[str]]:
    rows = []
    for name in ("processes", "dask"):
        for run in data[name]["chunks"]:
            rows.append(
                [
                    name,
                    str(run["chunk"]),
                    ms(run["wall"]),
                    f"{1e3 * run['cpu'] / data['n']:.3f}",
                    f"{1e3 * run['driver_cpu'] / data['n']:.3f}",
                    ms(run["first"]),
                    ms(run["p50_arrival"]),
                ]
            )
    return rows


def on_paper(data: dict[str, Any]) -> list[str]:
    """300,000 targets on M machines of 8 cores, from this run's per-target CPU."""
    n = data["n"]
    lines = [
        "300,000 targets (10,000 accounts x 30 regions) on M machines of 8 cores, one "
        "worker process per core, from the CPU per target measured above plus "
        f"{CLIENT_CREATION_MS:.0f} ms to create each (account, region) client "
        "(scenario 4), assuming the cores are the bound and 64 calls in flight per "
        "process keep them busy (true above ~100 calls/s per process at 100-250 ms of "
        "latency). The caller's process handles every result itself: its CPU per "
        "target is the floor whatever M is.",
        "",
    ]
    head = ["executor", "CPU per target", "M = 1", "M = 4", "M = 16", "caller's floor"]
    rows = []
    for name in ("processes", "dask"):
        runs = data[name]["runs"]
        per_target = median_of(runs, "cpu") / n + CLIENT_CREATION_MS / 1e3
        driver = median_of(runs, "driver_cpu") / n
        cells = [name, f"{per_target * 1e3:.2f} ms"]
        for machines in (1, 4, 16):
            cores = 8 * machines if name == "dask" or machines == 1 else 8
            cells.append(ms(300_000 * per_target / cores))
        cells.append(ms(300_000 * driver))
        rows.append(cells)
    lines += table(head, rows)
    lines.append(
        "A process pool lives on one machine, so for M > 1 its figure stays that of "
        "one machine; Dask's divides by M until the caller's floor (unpacking each "
        "result) or the scheduler (one task per chunk) is reached. Here Dask's "
        "caller figure includes the LocalCluster's scheduler, which runs in the "
        "caller's process; on a real cluster it has its own machine."
    )
    return lines + [""]


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return out + ["| " + " | ".join(r) + " |" for r in rows] + [""]


def section(data: dict[str, Any] | None) -> list[str]:
    """The report's section for scenario 9 (empty if it did not run)."""
    if not data:
        return []
    n, p = data["n"], data["worker_processes"]
    limit = median_of(data["limit"]["runs"], "wall")
    out = [
        f"## Scenario 9. Executors: {n} targets at {DELAY_MS} ms, CPU-bound (issue 14)",
        "",
        f"34 regions x {n // 34} labels, one account (34 clients per process), "
        f"64 calls in flight per process, {data['reps']} timed runs after a warm one. "
        "The endpoint is not pinned: on 2 cores it shares both with the processes "
        "under test, in every approach alike. CPU per target is every process of the "
        "approach (caller, workers, Dask's scheduler and nannies), not the endpoint's, "
        "which has its own column; 'over the limit' is per target. Peak RSS: the "
        "caller's process first, then each worker's.",
        "",
    ]
    head = [
        "approach",
        "wall (median, min - max)",
        "x limit",
        "target",
        "CPU per target (ms)",
        "CPU over the limit (ms)",
        "wall over the limit (ms)",
        "endpoint CPU per target (ms)",
        "peak RSS per process (MB)",
        "ok",
    ]
    rows = [approach_cells(name, data, limit) for name in APPROACHES]
    out += table(head, rows)
    cost = data["dask"]["task_cost"]
    out += [
        f"Dask's own cost per task (2,000 empty tasks, {p} workers): "
        f"{cost['wall_ms']:.2f} ms of wall and {cost['cpu_ms']:.2f} ms of CPU, "
        "about one or two botocore calls: chunks of 64 targets keep it near 3%.",
        "",
        "Chunk size (one run each): CPU per target of all processes and of the "
        "caller alone; when the first result reached ``on_result``; when half of them "
        "had.",
        "",
    ]
    out += table(
        [
            "executor",
            "chunk",
            "wall",
            "CPU per target (ms)",
            "caller CPU per target (ms)",
            "first result",
            "median arrival",
        ],
        chunk_rows(data),
    )
    return out + on_paper(data)
