"""``multiregion --executor``: the same output from worker processes or a Dask cluster."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.helpers import THREE, run_cli

from ..helpers import FAKE_KEY_ID, FAKE_SECRET, moto_process


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    """A moto server with a queue per region and 7 log groups to page through."""
    with moto_process() as url:
        seeding = boto3.Session(aws_access_key_id="AKIASEED", aws_secret_access_key="s")
        for region in THREE:
            sqs = seeding.client("sqs", region, endpoint_url=url)
            sqs.create_queue(QueueName=f"orders-{region}")
        logs = seeding.client("logs", "eu-west-1", endpoint_url=url)
        for i in range(7):
            logs.create_log_group(logGroupName=f"/app/{i}")
        yield url


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, timeout=120)


def rows(done: subprocess.CompletedProcess[str]) -> list[object]:
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@contextlib.contextmanager
def scheduler(folder: Path) -> Iterator[str]:
    """A Dask LocalCluster of one worker process; yields its scheduler's address."""
    from distributed import LocalCluster

    env = {
        "AWS_ACCESS_KEY_ID": FAKE_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "AWS_CONFIG_FILE": str(folder / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "credentials"),
    }
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=1, threads_per_worker=2, dashboard_address=None, env=env
    ) as cluster:
        yield str(cluster.scheduler_address)


@pytest.mark.parametrize(
    "extra",
    [
        ["--output", "jsonl", "--regions", *THREE],
        ["--output", "jsonl", "--regions", "eu-west-1", "--paginate", "--limit", "2"],
    ],
    ids=["call", "paginate"],
)
def test_processes_print_what_threads_print(moto: str, extra: list[str]) -> None:
    service = (
        ["logs", "describe-log-groups"]
        if "--paginate" in extra
        else ["sqs", "list-queues"]
    )
    args = [*service, "--endpoint-url", moto, *extra]
    on_threads = rows(cli(*args))
    assert on_threads
    assert rows(cli(*args, "--executor", "processes:2")) == on_threads


def test_a_dask_scheduler_address_prints_what_threads_print(
    moto: str, tmp_path: Path
) -> None:
    args = ["sqs", "list-queues", "--endpoint-url", moto, "--output", "jsonl"]
    args += ["--regions", *THREE, "--query", "QueueUrls"]
    on_threads = rows(cli(*args))
    assert on_threads
    with scheduler(tmp_path) as address:
        host_port = address.removeprefix("tcp://")
        assert rows(cli(*args, "--executor", f"dask://{host_port}")) == on_threads


@pytest.mark.parametrize(
    "spec, message",
    [
        ("bogus", "executor must be 'threads', 'processes'"),
        ("processes:0", "the number of processes must be >= 1"),
        ("processes:two", "executor must be"),
        ("tcp://scheduler", "'tcp://host:port'"),
        ("tcp://127.0.0.1:9", "cannot reach the Dask scheduler at tcp://127.0.0.1:9"),
    ],
)
def test_bad_executor_exits_2_before_any_request(spec: str, message: str) -> None:
    done = cli(
        "sqs",
        "list-queues",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--executor",
        spec,
        "--regions",
        "us-east-1",
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert done.stdout == ""
