"""The sweep scenario's section (issue 22): wall, CPU per target, peak RSS per
process, rows per second, and the projection to 300,000 targets on 32 cores."""

from __future__ import annotations

from typing import Any

from benchmarks.scenarios.sweep import PROJECTED_CORES, PROJECTED_TARGETS, projection

NOTE = (
    "The writing process is the bound, not the fetching: it receives every page from "
    "the workers and writes it (unpickling, Arrow batches, one DuckDB transaction per "
    "batch of pairs). Writing in the workers (a Parquet file per pair, renamed into "
    "place) or one writer per call would spread it."
)


def section(figures: dict[str, Any]) -> str:
    p = projection(figures)
    targets, wall = figures["targets"], figures["wall"]
    lines = [
        "## Inventory sweep (issue 22)",
        "",
        f"{targets:,} targets ({figures['accounts']:,} accounts x {figures['regions']} "
        f"regions), SQS ListQueues in {figures['pages']} pages each on the latency "
        f"endpoint (its per-region delays), `multiregion.sweep` into DuckDB on "
        f"`{figures['executor']}`. Command: `python -m benchmarks --scenario sweep`.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| wall | {wall:.1f} s |",
        f"| CPU per target (writer + workers) | {p['cpu_per_target_ms']:.2f} ms "
        f"({p['writer_ms']:.2f} ms in the writing process) |",
        f"| peak RSS, writing process | {figures['main_peak_kb'] / 1024:.0f} MB |",
        f"| peak RSS, largest worker process ({figures['workers']} in all) | "
        f"{figures['worker_peak_kb'] / 1024:.0f} MB |",
        f"| rows written | {figures['rows']:,} ({figures['rows'] / wall:,.0f} rows/s) |",
        f"| pairs | {', '.join(f'{n:,} {s}' for s, n in sorted(figures['pairs'].items()))} |",
        "",
        f"Projection to {PROJECTED_TARGETS:,} targets on {PROJECTED_CORES} cores, from "
        f"the CPU measured per target: the fetching spread over the cores takes "
        f"{p['spread_s']:.0f} s, the writing (one process) {p['writer_s']:.0f} s, so "
        f"about {p['projected_s']:.0f} s (goal: <= 60 s). It assumes the workers "
        "scale linearly and the endpoint keeps up; the machine measured was shared.",
        "",
        NOTE,
    ]
    return "\n".join(lines) + "\n"
