"""``--output parquet|arrow|duckdb --out FILE``: files the CLI writes, read back and
queried, against a moto server on loopback."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import free_port, moto_in_process, run_cli

REGIONS = ["us-east-1", "eu-west-1"]
RUNNING = {"us-east-1": 3, "eu-west-1": 2}
# moto's state is per process, shared with other modules' servers: ours is tagged.
PREFIX = "/data-output/"
TAG = ["--filters", "Name=tag:suite,Values=data-output"]
LOG_GROUPS = ["--log-group-name-prefix", PREFIX]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """moto with running instances (and one stopped) per region, and log groups."""
    with moto_in_process() as url:
        seeding = boto3.Session(aws_access_key_id="AKIASEED", aws_secret_access_key="s")
        for region, running in RUNNING.items():
            ec2 = seeding.client("ec2", region, endpoint_url=url)
            image = ec2.describe_images()["Images"][0]["ImageId"]
            tags = [
                {
                    "ResourceType": "instance",
                    "Tags": [{"Key": "suite", "Value": "data-output"}],
                }
            ]
            ec2.run_instances(
                ImageId=image,
                MinCount=running,
                MaxCount=running,
                TagSpecifications=tags,
            )
            stopped = ec2.run_instances(
                ImageId=image, MinCount=1, MaxCount=1, TagSpecifications=tags
            )
            ec2.stop_instances(InstanceIds=[stopped["Instances"][0]["InstanceId"]])
            logs = seeding.client("logs", region, endpoint_url=url)
            for i in range(5):
                logs.create_log_group(logGroupName=f"{PREFIX}{region}/{i}")
        yield url


def cli(
    *args: str, url: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    at = ["--regions", *REGIONS, "--endpoint-url", url, "--no-progress"]
    return run_cli(*args, *at, cwd=cwd, timeout=120)


def test_duckdb_query_over_a_cli_written_file(server: str, tmp_path: Path) -> None:
    out = tmp_path / "inventory.duckdb"
    done = cli(
        *("ec2", "describe-instances", *TAG, "--paginate", "--output", "duckdb"),
        *("--out", str(out), "--table", "reservations"),
        url=server,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # the rows went to the file
    with duckdb.connect(str(out)) as con:
        rows = con.execute("""
            SELECT target_region, count(*) AS running
            FROM (SELECT target_region, unnest(Instances) AS i FROM reservations)
            WHERE i.State.Name = 'running'
            GROUP BY ALL ORDER BY target_region
            """).fetchall()
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'reservations'"
            ).fetchall()
        )
    assert dict(rows) == RUNNING
    assert types["target_region"] == "VARCHAR"
    assert "LaunchTime TIMESTAMP WITH TIME ZONE" in types["Instances"]


def test_duckdb_append_adds_rows_and_the_default_replaces(
    server: str, tmp_path: Path
) -> None:
    out = tmp_path / "logs.duckdb"
    base = ("logs", "describe-log-groups", *LOG_GROUPS, "--paginate")
    base += ("--output", "duckdb")
    for extra in ([], ["--append"], []):
        done = cli(*base, "--out", str(out), *extra, url=server)
        assert done.returncode == 0, done.stderr
        with duckdb.connect(str(out)) as con:
            count = con.execute("SELECT count(*) FROM describe_log_groups").fetchone()
        assert count == ((20,) if extra else (10,))


def test_parquet_has_one_typed_row_per_item_and_resume_leaves_no_progress(
    server: str, tmp_path: Path
) -> None:
    out = tmp_path / "groups.parquet"
    done = cli(
        *("logs", "describe-log-groups", *LOG_GROUPS, "--paginate", "--limit", "2"),
        *("--output", "parquet", "--out", str(out), "--resume"),
        url=server,
    )
    assert done.returncode == 0, done.stderr
    table = pq.read_table(out)
    assert table.schema.field("creationTime").type == pa.int64()
    rows = table.select(["target_region", "logGroupName"]).to_pylist()
    assert sorted((r["target_region"], r["logGroupName"]) for r in rows) == sorted(
        (region, f"{PREFIX}{region}/{i}") for region in REGIONS for i in range(5)
    )
    assert not out.with_name(out.name + ".progress").exists()


def test_arrow_file_has_one_row_per_target_without_paginate(
    server: str, tmp_path: Path
) -> None:
    out = tmp_path / "groups.arrow"
    done = cli(
        "logs",
        "describe-log-groups",
        *LOG_GROUPS,
        "--no-paginate",  # the CLI pages by default, as the AWS CLI does
        "--output",
        "arrow",
        "--out",
        str(out),
        url=server,
    )
    assert done.returncode == 0, done.stderr
    with pa.ipc.open_file(out) as reader:
        table = reader.read_all()
    rows = {r["target_region"]: r for r in table.to_pylist()}
    assert set(rows) == set(REGIONS)
    assert all(r["ok"] and len(r["value"]["logGroups"]) == 5 for r in rows.values())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.parquet"], "--out needs --output parquet or arrow or duckdb"),
        (["--output", "parquet"], "--output parquet needs --out FILE"),
        (
            ["--output", "parquet", "--out", "x", "--table", "t"],
            "--table needs --output duckdb",
        ),
        (
            ["--output", "duckdb", "--out", "x", "--no-paginate", "--resume"],
            "--resume needs pages",
        ),
        (
            ["--output", "arrow", "--out", "x", "--paginate", "--resume"],
            "--resume needs --output parquet or duckdb",
        ),
        (
            ["--output", "parquet", "--out", "x", "--starting-token", "t"],
            "--starting-token does not apply to --output parquet",
        ),
        # Before planning, which would ask Organizations (nothing listens at the URL).
        (["--organization", "--out", "x.parquet"], "--out needs --output parquet"),
    ],
)
def test_bad_data_options_fail_before_anything_is_sent(
    args: list[str], message: str, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    # Run in an empty folder: a relative --out written by mistake would appear there.
    done = cli("logs", "describe-log-groups", *args, url=url, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_resume_needs_an_operation_whose_pages_list_items(tmp_path: Path) -> None:
    done = cli(
        *("apigateway", "get-usage", "--usage-plan-id", "p"),
        *("--start-date", "2026-01-01", "--end-date", "2026-01-02"),
        *("--output", "parquet", "--out", "x", "--resume"),
        url=f"http://127.0.0.1:{free_port()}",
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "--resume needs an operation whose pages list items; GetUsage" in done.stderr
    assert list(tmp_path.iterdir()) == []
