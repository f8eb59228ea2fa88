"""``multiregion sweep`` from the command line: exit 1 when pairs failed (their
errors kept), then ``--retry-failed`` runs only those, and exits 0; an output it
cannot write is exit 2 with a message, nothing sent."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.faultserver import Fault, FaultServer
from tests.helpers import FAKE_SECRET, run_cli


def test_failed_pairs_exit_1_and_retry_failed_runs_only_them(tmp_path: Path) -> None:
    out = tmp_path / "inventory.duckdb"
    with FaultServer({"eu-west-1": Fault("deny")}) as server:
        spec = tmp_path / "spec.toml"
        spec.write_text(
            f'[targets]\nregions = ["us-east-1", "eu-west-1"]\n'
            f'endpoint_url = "{server.url}"\n'
            '[[calls]]\nservice = "logs"\noperation = "DescribeLogGroups"\n'
        )
        first = run_cli("sweep", str(spec), "--out", str(out))
        server.faults.clear()
        server.requests.clear()
        second = run_cli("sweep", str(spec), "--out", str(out), "--retry-failed")
        asked = dict(server.requests)
    assert first.returncode == 1, first.stderr
    assert "logs_describe_log_groups: 1 ok, 1 failed; 6 rows" in first.stderr
    assert "1 pair failed or never started" in first.stderr
    assert "--retry-failed runs only them" in first.stderr
    assert second.returncode == 0, second.stderr
    assert "1 ok, 1 skipped" in second.stderr
    assert asked == {"eu-west-1": 3}  # its three pages, and nothing else
    with duckdb.connect(str(out), read_only=True) as con:
        errors = con.execute(
            "SELECT error FROM _sweep_targets WHERE status = 'failed'"
        ).fetchall()
    assert len(errors) == 1 and "AccessDeniedException" in errors[0][0]
    assert FAKE_SECRET not in errors[0][0]


@pytest.mark.parametrize("out", ["a file", "not duckdb.duckdb", "locked"])
def test_an_output_it_cannot_write_exits_2_with_a_message_not_a_traceback(
    tmp_path: Path, out: str
) -> None:
    from multiregion_runtime.sweep.parquet_store import ParquetStore

    path = tmp_path / out
    expected = {
        "a file": "is a file; a Parquet dataset is a folder",
        "not duckdb.duckdb": "not a valid DuckDB database file",
        "locked": "another sweep is writing",
    }[out]
    if out == "locked":
        held = ParquetStore(path)  # a sweep writing it in this process
    else:
        path.write_text("not a database")
    with FaultServer() as server:
        spec = tmp_path / "spec.toml"
        spec.write_text(
            f'[targets]\nregions = ["us-east-1"]\nendpoint_url = "{server.url}"\n'
            '[[calls]]\nservice = "logs"\noperation = "DescribeLogGroups"\n'
        )
        done = run_cli("sweep", str(spec), "--out", str(path))
        assert sum(server.requests.values()) == 0
    if out == "locked":
        held.close()
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert expected in done.stderr and "nothing was sent" in done.stderr
