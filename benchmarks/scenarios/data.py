"""``python -m benchmarks.data_bench`` (in ``make bench``; alone: ``make bench-data``).

Results as data (issue 15): 1 million items (4 regions x 250,000 log groups of the
synthetic source, ``benchmarks/data_source.py``) streamed into Parquet and into
DuckDB, beside the same items gathered in a list and written with
``pa.Table.from_pylist`` (inferred types) and as JSON Lines. Each way runs in a
fresh process (``benchmarks/data_run.py``): items per second, and peak RSS over the
process's RSS before the run. Then the sizes of the two forms of the generated
schemas (``benchmarks/schema_forms.py``). Writes its own section of RESULTS.md,
between the markers below, and leaves the rest of the file alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import schema_forms
from benchmarks.data_source import serve
from benchmarks.report import write_section

HERE = Path(__file__).resolve().parent
REGIONS = ["us-east-1", "eu-west-1", "ap-south-1", "us-west-2"]
PER_REGION = 250_000
# (label, way, extra arguments of data_run)
WAYS = [
    ("Parquet, streamed (write_parquet)", "parquet", []),
    ("DuckDB, streamed (to_duckdb)", "duckdb", []),
    (
        "DuckDB, streamed, SET memory_limit = '64MB'",
        "duckdb",
        ["--duckdb-memory-limit", "64MB"],
    ),
    ("list of items, then pa.Table.from_pylist (inferred), Parquet", "from_pylist", []),
    ("list of items, then JSON Lines", "jsonl", []),
]


def run_way(url: str, way: str, extra: list[str], folder: Path) -> dict[str, Any]:
    out = folder / f"out.{way}"
    for stale in folder.glob("out.*"):
        stale.unlink()
    command = [sys.executable, "-m", "benchmarks.data_run", way, "--url", url]
    command += ["--regions", ",".join(REGIONS), "--out", str(out), *extra]
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
            print(f"data: {label}", file=sys.stderr, flush=True)
            rows.append((label, run_way(url, way, extra, Path(folder))))
    return rows, schema_forms.measure()


def section(rows: list[tuple[str, dict[str, Any]]], forms: dict[str, Any]) -> str:
    items = len(REGIONS) * PER_REGION
    lines = [
        "## Results as data (issue 15)",
        "",
        f"{items:,} items ({len(REGIONS)} regions x {PER_REGION:,} log groups from the "
        "synthetic loopback source), each way in a fresh process; RSS growth = peak "
        "RSS (`VmHWM`) less the RSS before the run (pyarrow, duckdb and botocore "
        "already loaded). Command: `make bench-data` (`python -m benchmarks.data_bench`).",
        "",
        "| way | items/s | wall | RSS growth | file |",
        "|---|---|---|---|---|",
    ]
    for label, r in rows:
        grown = (r["peak_rss_kb"] - r["rss_before_kb"]) / 1024
        lines.append(
            f"| {label} | {r['items'] / r['seconds']:,.0f} | {r['seconds']:.1f} s "
            f"| {grown:.0f} MB | {r['file_mb']:.1f} MB |"
        )
    lines += [
        "",
        "Target: streaming 1 million items with RSS growth <= 250 MB. Our side holds "
        "at most 16 pages in flight and 65,536 rows of Arrow batches; DuckDB's own "
        "buffer cache comes on top and grows up to the connection's `memory_limit` "
        "(default 80% of RAM), hence the row with a limit set. Wall times depend on "
        "the machine's load (the source shares its cores); compare ways within one run.",
        "",
        "Generated schema forms (`python -m benchmarks.schema_forms`):",
        "",
        "| form | bytes, all services |",
        "|---|---|",
        f"| JSON data per service (generated) | {forms['data_bytes']:,} |",
        f"| Python pyarrow code (lower bound) | {forms['python_bytes']:,} |",
        "",
        f"EC2's data file: {forms['ec2_data_bytes']:,} bytes, `json.loads` "
        f"{forms['ec2_json_load_ms']:.1f} ms; its DescribeInstances item schema built "
        f"in {forms['ec2_first_schema_ms']:.1f} ms (pyarrow's own import: "
        f"{forms['pyarrow_import_ms']:.0f} ms, paid only when a schema is asked for).",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    rows, forms = measure()
    text = section(rows, forms)
    write_section("data", text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
