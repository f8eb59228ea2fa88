"""The data scenario (in ``make bench``; alone: ``make bench-data``).

Results as data (issue 15): 1 million items (4 regions x 250,000 log groups of the
synthetic source, ``endpoint/data_source.py``) streamed into Parquet and into
DuckDB, beside the same items gathered in a list and written with
``pa.Table.from_pylist`` (inferred types) and as JSON Lines. Each way runs in a
fresh worker process (``workers/data_run.py``): items per second, and peak RSS over
the process's RSS before the run. Then the sizes of the two forms of the generated
schemas (``schema_forms.py``). Its section of RESULTS.md is a marked one
(``report/data.py``), which a full report keeps.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.endpoint.data_source import serve
from benchmarks.scenarios import schema_forms
from benchmarks.scenarios.runner import progress

REGIONS = ["us-east-1", "eu-west-1", "ap-south-1", "us-west-2"]
PER_REGION = 250_000
# (label, way, extra fields of the worker's spec)
WAYS = [
    ("Parquet, streamed (write_parquet)", "parquet", {}),
    ("DuckDB, streamed (to_duckdb)", "duckdb", {}),
    (
        "DuckDB, streamed, SET memory_limit = '64MB'",
        "duckdb",
        {"duckdb_memory_limit": "64MB"},
    ),
    ("list of items, then pa.Table.from_pylist (inferred), Parquet", "from_pylist", {}),
    ("list of items, then JSON Lines", "jsonl", {}),
]


def run_way(url: str, way: str, extra: dict[str, str], folder: Path) -> dict[str, Any]:
    out = folder / f"out.{way}"
    for stale in folder.glob("out.*"):
        stale.unlink()
    spec = {"kind": "data", "way": way, "url": url, "regions": REGIONS, "out": str(out)}
    spec.update(extra)
    command = [sys.executable, "-m", "benchmarks.workers", json.dumps(spec)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{way} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    figures["file_mb"] = sum(p.stat().st_size for p in folder.glob("out.*")) / 2**20
    return figures


def measure() -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder, serve(PER_REGION) as url:
        for label, way, extra in WAYS:
            progress(f"data: {label}")
            rows.append((label, run_way(url, way, extra, Path(folder))))
    return rows, schema_forms.measure()
