"""One streaming run in this process, measured (the spec's kind: ``data``).

Reads every log group of the synthetic source (``endpoint/data_source.py``) in the
given regions and writes them with one of the ways to compare: items written,
seconds, RSS before the run and peak RSS (``VmHWM``), in kB.
Run in a fresh process per measurement, so the peak is this run's own.
"""

from __future__ import annotations

import json
import time
from typing import Any

WAYS = ("parquet", "duckdb", "from_pylist", "jsonl")
#: What is measured is throughput and memory, not the deadline: a million items took
#: 55-60 s on 2 cores, right at the default deadline of 60 s, and longer under load.
STREAM_DEADLINE_S = 900.0


def rss_kb(field: str = "VmRSS") -> int:
    """This process's RSS (``VmRSS``) or peak RSS (``VmHWM``), in kB.

    The peak is read here rather than from ``ru_maxrss``: Linux carries the parent's
    peak over into ``ru_maxrss`` when a process is spawned with vfork and exec (as
    subprocess does), so under a large pytest process it reports pytest's RSS.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _logs(url: str, regions: list[str]) -> Any:
    from multiregion.logs import MultiRegionCloudWatchLogs
    from multiregion_runtime import StaticCredentials, Target

    keys = StaticCredentials("AKIDSYNTHETIC0000000", "synthetic-secret")
    targets = [Target(region=r, endpoint_url=url, credentials=keys) for r in regions]
    return MultiRegionCloudWatchLogs(
        targets=targets, max_workers=len(targets), timeout=STREAM_DEADLINE_S
    )


def run(
    way: str, url: str, regions: list[str], out: str, memory_limit: str | None = None
) -> int:
    """Write every item one way; the number of items written."""
    logs = _logs(url, regions)
    items = logs.iter_describe_log_groups()
    if way == "parquet":
        return sum(r.value or 0 for r in items.write_parquet(out))
    if way == "duckdb":
        import duckdb

        with duckdb.connect(out) as con:
            if memory_limit:  # DuckDB caches up to this (default: 80% of RAM)
                con.execute(f"SET memory_limit = '{memory_limit}'")
            return sum(r.value or 0 for r in items.to_duckdb(con, "log_groups"))
    rows = [
        {"region": i.region, **i.value} for i in items
    ]  # what one writes without a schema: every item in memory, then inferred
    if way == "from_pylist":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), out, compression="zstd")
    else:
        with open(out, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, default=str) + "\n")
    return len(rows)


def measure_way(spec: dict[str, Any]) -> dict[str, Any]:
    """``{"way": one of WAYS, "url", "regions": [...], "out", "duckdb_memory_limit"?}``"""
    way = spec["way"]
    if way not in WAYS:
        raise ValueError(f"unknown way {way!r}: one of {', '.join(WAYS)}")
    import duckdb  # noqa: F401  # imported before the baseline: not the run's cost
    import pyarrow.parquet  # noqa: F401

    _logs(spec["url"], ["us-east-1"])  # botocore's models loaded before the baseline
    before = rss_kb()
    started = time.perf_counter()
    limit = spec.get("duckdb_memory_limit")
    count = run(way, spec["url"], spec["regions"], spec["out"], limit)
    seconds = time.perf_counter() - started
    peak = rss_kb("VmHWM")
    return {"way": way, "items": count, "seconds": seconds} | {
        "rss_before_kb": before,
        "peak_rss_kb": peak,
    }
