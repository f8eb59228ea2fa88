"""A sweep killed with SIGKILL at random moments, then ``--resume``d until it ends,
writes exactly the tables an uninterrupted run writes: row for row, every call, no
row twice and none lost, in DuckDB and in the Parquet dataset."""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from tests.helpers import ROOT, kill_at_random_moments
from tests.zygote import ForkedRun, start_python

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"]
TABLES = ["groups", "queues", "queue_urls", "roles"]
# A checkpoint every 3 rows, chunks of 2 targets and pages of one item, so that a
# kill lands anywhere: in a fetch, a staging write, a commit, between calls.
RUN = """
import sys
from multiregion_runtime.data import sinks
from multiregion_runtime.sweep import run
from multiregion_runtime.cli._sweep import main

sinks.CHECKPOINT_ROWS = 3
run.CHUNK_TARGETS = 2
print("started", flush=True)
sys.exit(main(sys.argv[1:]))
"""
#: What each run imports that can be imported before a fork (not DuckDB or pyarrow:
#: see tests/zygote.py).
RUN_IMPORTS = ("multiregion_runtime.sweep.run", "multiregion_runtime.cli._sweep")


def spec_text(url: str) -> str:
    return f"""
[targets]
regions = {REGIONS!r}
endpoint_url = "{url}"

[[calls]]
service = "logs"
operation = "DescribeLogGroups"
params = {{ limit = 1 }}
table = "groups"

[[calls]]
service = "sqs"
operation = "ListQueues"
params = {{ MaxResults = 1 }}
table = "queues"

[[calls]]
service = "sqs"
operation = "GetQueueUrl"
params = {{ QueueName = "q0" }}
table = "queue_urls"

[[calls]]
service = "iam"
operation = "ListRoles"
table = "roles"
"""


def seed(url: str) -> None:
    for region in REGIONS:
        logs = boto3.client("logs", region_name=region, endpoint_url=url)
        sqs = boto3.client("sqs", region_name=region, endpoint_url=url)
        for i in range(8):
            logs.create_log_group(logGroupName=f"g{i}-{region}")
        for i in range(3):
            sqs.create_queue(QueueName=f"q{i}")
    iam = boto3.client("iam", endpoint_url=url)
    for i in range(3):
        iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument="{}")


def start(
    spec: Path, out: Path, executor: str, *more: str
) -> subprocess.Popen[str] | ForkedRun:
    args = [str(spec), "--out", str(out), "--no-progress", "--executor", executor]
    process = start_python(RUN, [*args, *more], ROOT, RUN_IMPORTS)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    return process


def finish(process: subprocess.Popen[str] | ForkedRun) -> str:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    return stderr


def tables(out: Path) -> dict[str, list[str]]:
    """Every call table's rows, as sorted text (nested values included)."""
    found: dict[str, list[Any]] = {}
    for table in TABLES:
        if out.suffix == ".duckdb":
            with duckdb.connect(str(out), read_only=True) as con:
                data = con.sql(f"SELECT * FROM {table}").to_arrow_table()
        else:
            partitions = ds.partitioning(
                pa.schema([("account", pa.string()), ("region", pa.string())]),
                flavor="hive",
            )
            data = ds.dataset(out / f"call={table}", partitioning=partitions).to_table()
            data = data.drop_columns(["account", "region"])
        found[table] = sorted(repr(row) for row in data.to_pylist())
    return found


def books(out: Path) -> list[tuple[Any, ...]]:
    """Per run: (pairs recorded, distinct pairs, pairs not ok, ended)."""
    if out.suffix == ".duckdb":
        where, runs = "_sweep_targets", "_sweep_runs"
    else:
        where = f"read_parquet('{out}/_sweep_targets/*/*.parquet', hive_partitioning = false)"
        runs = f"read_json_auto('{out}/_sweep_runs/*.json')"
    with duckdb.connect(str(out) if out.suffix == ".duckdb" else ":memory:") as con:
        return con.execute(
            f"SELECT count(*), count(DISTINCT (call, target)), "
            f"count(*) FILTER (status <> 'ok'), any_value(r.ended IS NOT NULL) "
            f"FROM {where} t JOIN {runs} r USING (run_id) GROUP BY run_id"
        ).fetchall()


@pytest.mark.parametrize(
    "suffix, executor",
    [(".duckdb", "threads"), ("", "threads"), (".duckdb", "processes:2")],
)
def test_a_sweep_killed_at_random_moments_resumes_to_the_same_tables(
    moto_server: str, tmp_path: Path, suffix: str, executor: str
) -> None:
    seed(moto_server)
    spec = tmp_path / "spec.toml"
    spec.write_text(spec_text(moto_server))
    whole = tmp_path / f"whole{suffix}"
    process = start(spec, whole, executor)
    began = time.monotonic()
    finish(process)
    whole_run = time.monotonic() - began
    expected = tables(whole)
    assert {t: len(r) for t, r in expected.items()} == {
        "groups": 8 * len(REGIONS),
        "queues": 3 * len(REGIONS),
        "queue_urls": len(REGIONS),
        "roles": 3,  # IAM once
    }
    pairs = 3 * len(REGIONS) + 1

    chosen = random.randrange(1 << 30)
    chance = random.Random(chosen)
    resumed, killed = kill_at_random_moments(
        lambda out, attempt: start(
            spec, out, executor, *(["--resume"] if attempt else [])
        ),
        lambda round_: tmp_path / f"resumed-{round_}{suffix}",
        whole_run,
        chance,
        tries=6,
        latest=0.7,
    )
    last = finish(start(spec, resumed, executor, "--resume"))
    assert killed >= 1, f"no kill landed mid-run (seed {chosen})"
    assert tables(resumed) == expected, f"seed {chosen}"
    # One run, continued by every --resume: each pair recorded once, all ok.
    assert books(resumed) == [(pairs, pairs, 0, True)], (f"seed {chosen}", last)
    assert not list(resumed.rglob("*.tmp")), f"seed {chosen}"
    if suffix == ".duckdb":
        with duckdb.connect(str(resumed), read_only=True) as con:
            names = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert not {n for n in names if n.startswith("_sweep_staging")}
