"""A sweep on worker processes and on a Dask cluster writes what it writes on threads:
the same tables, row for row, and the same status for every pair."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from multiregion_runtime import DaskExecutor, ProcessPool, SweepSpec, Target, sweep
from tests.faultserver import Fault, FaultServer

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"]
SPEC = SweepSpec.from_toml(
    "[targets]\n"
    '[[calls]]\nservice = "logs"\noperation = "DescribeLogGroups"\ntable = "groups"\n'
    '[[calls]]\nservice = "sqs"\noperation = "ListQueues"\ntable = "queues"\n'
)


def tables(out: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(out), read_only=True) as con:
        return {
            "groups": con.execute("SELECT * FROM groups ORDER BY ALL").fetchall(),
            "queues": con.execute("SELECT * FROM queues ORDER BY ALL").fetchall(),
            "pairs": con.execute(
                "SELECT call, target, status, error_code, items FROM _sweep_targets "
                "ORDER BY ALL"
            ).fetchall(),
        }


@pytest.fixture(params=["processes", "dask"])
def executor(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "processes":
        pool = ProcessPool(2)
        try:
            yield pool
        finally:
            pool.close()
        return
    distributed = pytest.importorskip("distributed")
    env = {k: os.environ[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=True,
            dashboard_address=None,
            env=env,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield DaskExecutor(client, chunk_size=2)


def test_a_sweep_elsewhere_writes_what_it_writes_on_threads(
    tmp_path: Path, executor: Any
) -> None:
    faults = {"sa-east-1": Fault("fail_at_page", page=1)}  # a failure, part-way
    with FaultServer(faults) as server:
        targets = [Target(region=r, endpoint_url=server.url) for r in REGIONS]
        here = sweep(SPEC, tmp_path / "threads.duckdb", targets=targets)
        there = sweep(
            SPEC, tmp_path / "elsewhere.duckdb", targets=targets, executor=executor
        )
    assert here.counts == there.counts
    expected = tables(tmp_path / "threads.duckdb")
    assert len(expected["groups"]) == 3 * 6 + 2  # sa-east-1: its first page only
    assert tables(tmp_path / "elsewhere.duckdb") == expected
