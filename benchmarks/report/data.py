"""The data scenario's section (issue 15): each way's items per second, wall, RSS
growth and file size, and the generated schema forms."""

from __future__ import annotations

from typing import Any

from benchmarks.scenarios.data import PER_REGION, REGIONS


def section(rows: list[tuple[str, dict[str, Any]]], forms: dict[str, Any]) -> str:
    items = len(REGIONS) * PER_REGION
    lines = [
        "## Results as data (issue 15)",
        "",
        f"{items:,} items ({len(REGIONS)} regions x {PER_REGION:,} log groups from the "
        "synthetic loopback source), each way in a fresh process; RSS growth = peak "
        "RSS (`VmHWM`) less the RSS before the run (pyarrow, duckdb and botocore "
        "already loaded). Command: `make bench-data` (`python -m benchmarks --scenario data`).",
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
        "Generated schema forms (`benchmarks/scenarios/schema_forms.py`, in the same run):",
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
