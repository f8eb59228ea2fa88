"""What stderr says is so: a target is called partial only when pages came before its
error, and --resume of a finished run says so instead of fetching everything again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.faultserver import Fault, FaultServer
from tests.helpers import moto_in_process, run_cli

EU, US = "eu-west-1", "us-east-1"
NOWHERE = "http://127.0.0.1:9"  # nothing listens: any request would fail


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    """eu-west-1 answers its first page, then fails; us-east-1 fails at once."""
    with FaultServer({EU: Fault("fail_at_page", page=1), US: Fault("deny")}) as server:
        yield server


def logs(*args: str, url: str) -> list[str]:
    return ["logs", "describe-log-groups", "--regions", EU, US, *args, "--no-progress",
            "--endpoint-url", url]  # fmt: skip


def test_partial_names_only_the_target_whose_pages_came_first(
    faults: FaultServer,
) -> None:
    done = run_cli(*logs(url=faults.url))
    assert done.returncode == 1
    assert "output of eu-west-1 is partial: the pages before its error" in done.stderr
    assert "us-east-1 is partial" not in done.stderr
    entries = {entry["region"]: entry for entry in json.loads(done.stdout)}
    assert entries[EU]["result"]["logGroups"] and "error" in entries[EU]
    assert "result" not in entries[US]  # no page came: nothing to show as its result


def test_partial_in_a_data_file_names_only_targets_that_wrote_rows(
    faults: FaultServer, tmp_path: Path
) -> None:
    pytest.importorskip("pyarrow")
    out = tmp_path / "groups.parquet"
    done = run_cli(*logs("--output", "parquet", "--out", str(out), url=faults.url))
    assert done.returncode == 1
    assert "output of eu-west-1 is partial" in done.stderr
    assert "us-east-1 is partial" not in done.stderr


@pytest.mark.parametrize("fmt", ["parquet", "duckdb"])
def test_resume_of_a_finished_run_says_so_and_sends_nothing(
    fmt: str, tmp_path: Path
) -> None:
    pytest.importorskip("pyarrow")
    pytest.importorskip("duckdb")
    out = tmp_path / f"groups.{fmt}"
    with moto_in_process() as url:
        boto3.client("logs", EU, endpoint_url=url).create_log_group(logGroupName="/g")
        first = run_cli(*logs("--output", fmt, "--out", str(out), "--resume", url=url))
    assert first.returncode == 0, first.stderr
    assert f"no stopped run in {out}: fetching everything" in first.stderr
    written = out.read_bytes()
    again = run_cli(*logs("--output", fmt, "--out", str(out), "--resume", url=NOWHERE))
    assert again.returncode == 0, again.stderr
    assert f"nothing to resume: {out} holds a finished run" in again.stderr
    assert "targets" not in again.stderr  # no summary: nothing ran
    assert out.read_bytes() == written
