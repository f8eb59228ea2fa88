"""Sweeps on loopback endpoints: the tables and bookkeeping written, the status of
every (call, target) pair under planted faults, --retry-failed and --max-age."""

from __future__ import annotations

import io
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from multiregion_runtime import SweepSpec, SweepSpecError, Target, sweep
from tests.faultserver import Fault, FaultServer
from tests.helpers import FAKE_SECRET

#: Partition values are strings (account ids may start with 0): say so when reading.
PARTITIONS = ds.partitioning(
    pa.schema([("account", pa.string()), ("region", pa.string())]), flavor="hive"
)
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "sa-east-1"]


def groups_spec(*calls: str) -> SweepSpec:
    body = "".join(
        f'[[calls]]\nservice = "logs"\noperation = "DescribeLogGroups"\n{extra}\n'
        for extra in calls or ("",)
    )
    return SweepSpec.from_toml(f"[targets]\n{body}")


def at(server: FaultServer, regions: list[str]) -> list[Target]:
    return [Target(region=r, endpoint_url=server.url) for r in regions]


def rows(out: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(out), read_only=True) as con:
        return con.execute(sql).fetchall()


def statuses(out: Path, run: str | None) -> dict[tuple[str, str], tuple[Any, ...]]:
    found = rows(
        out,
        "SELECT call, target_region, status, error_code, items, throttled "
        f"FROM _sweep_targets WHERE run_id = '{run}'",
    )
    return {(c, r): tuple(rest) for c, r, *rest in found}


def test_the_status_of_every_pair_with_planted_faults(tmp_path: Path) -> None:
    faults = {
        "us-west-2": Fault("throttle", times=2),  # retried: ok, throttled twice
        "eu-west-1": Fault("deny"),
        "ap-southeast-2": Fault("fail_at_page", page=1),  # page 0 kept
        "sa-east-1": Fault("hang"),  # in flight at its deadline
    }
    out = tmp_path / "inventory.duckdb"
    spec = groups_spec(
        "",
        'table = "groups_denied_ok"\nignore_error_codes = ["AccessDeniedException"]\n'
        'regions = ["eu-west-1", "ca-central-1"]',
    )
    with FaultServer(faults) as server:
        # One worker: ca-central-1, behind the hung target, still runs.
        targets = at(server, REGIONS + ["ca-central-1"])
        report = sweep(spec, out, targets=targets, max_workers=1, timeout=4)
    run = report.run_id
    groups = "logs_describe_log_groups"
    found = statuses(out, run)
    assert found == {
        (groups, "us-east-1"): ("ok", None, 6, 0),
        (groups, "us-west-2"): ("ok", None, 6, 2),
        (groups, "eu-west-1"): ("failed", "AccessDeniedException", 0, 0),
        (groups, "ap-southeast-2"): ("failed", "AccessDeniedException", 2, 0),
        (groups, "sa-east-1"): ("failed", "DeadlineExceeded", 0, 0),
        (groups, "ca-central-1"): ("ok", None, 6, 0),
        ("groups_denied_ok", "eu-west-1"): ("skipped", "AccessDeniedException", 0, 0),
        ("groups_denied_ok", "ca-central-1"): ("ok", None, 6, 0),
    }
    # What a failed pair gathered before its error is kept (no earlier success).
    counted = f"SELECT target_region, count(*) FROM {groups} GROUP BY 1 ORDER BY 1"
    assert rows(out, counted) == [
        ("ap-southeast-2", 2),
        ("ca-central-1", 6),
        ("us-east-1", 6),
        ("us-west-2", 6),
    ]
    assert not report.ok and report.failed == 3
    assert report.counts[groups]["ok"] == 3
    # Errors are masked: no key of the environment in any column.
    assert FAKE_SECRET not in str(rows(out, "SELECT * FROM _sweep_targets"))


def test_retry_failed_re_runs_exactly_the_failed_pairs(tmp_path: Path) -> None:
    faults = {
        "eu-west-1": Fault("deny"),
        "ap-southeast-2": Fault("fail_at_page", page=2),
    }
    out = tmp_path / "inventory.duckdb"
    with FaultServer(faults) as server:
        targets = at(server, REGIONS[:4])
        first = sweep(groups_spec(), out, targets=targets)
        assert first.failed == 2
        server.faults.clear()
        server.requests.clear()
        second = sweep(groups_spec(), out, targets=targets, retry_failed=True)
        asked = set(server.requests)
    assert asked == {"eu-west-1", "ap-southeast-2"}
    found = statuses(out, second.run_id)
    assert {r: s[0] for (_, r), s in found.items()} == {
        "us-east-1": "skipped",
        "us-west-2": "skipped",
        "eu-west-1": "ok",
        "ap-southeast-2": "ok",
    }
    # ap-southeast-2's partial rows (pages 0-1) were replaced, not added to.
    counted = rows(
        out,
        "SELECT target_region, count(*), count(DISTINCT logGroupName) "
        "FROM logs_describe_log_groups GROUP BY 1 ORDER BY 1",
    )
    assert counted == [(r, 6, 6) for r in sorted(REGIONS[:4])]
    with FaultServer() as server:  # nothing failed in the last run: nothing to do
        again = sweep(
            groups_spec(), out, targets=at(server, REGIONS[:4]), retry_failed=True
        )
        assert sum(server.requests.values()) == 0
    assert again.counts["logs_describe_log_groups"]["skipped"] == 4


@pytest.mark.parametrize("suffix", [".duckdb", ""])
def test_max_age_skips_fresh_pairs_and_replaces_stale_ones(
    moto_server: str, tmp_path: Path, suffix: str
) -> None:
    logs = {
        r: boto3.client("logs", region_name=r, endpoint_url=moto_server)
        for r in REGIONS[:2]
    }
    for region, client in logs.items():
        for i in range(3):
            client.create_log_group(logGroupName=f"g{i}-{region}")
    targets = [Target(region=r, endpoint_url=moto_server) for r in REGIONS[:2]]
    spec = groups_spec("params = { limit = 1 }")  # a page per group
    out = tmp_path / f"inventory{suffix}"
    sweep(spec, out, targets=targets)
    fresh = sweep(spec, out, targets=targets, max_age="1h")
    assert fresh.counts["logs_describe_log_groups"] == {"skipped": 2}
    # Stale now: the groups changed meanwhile; each pair's rows are replaced.
    logs["us-east-1"].delete_log_group(logGroupName="g0-us-east-1")
    logs["us-west-2"].create_log_group(logGroupName="g9-us-west-2")
    time.sleep(0.3)
    stale = sweep(spec, out, targets=targets, max_age=0.2)
    assert stale.counts["logs_describe_log_groups"]["ok"] == 2
    expected = sorted(
        [("us-east-1", f"g{i}-us-east-1") for i in (1, 2)]
        + [("us-west-2", f"g{i}-us-west-2") for i in (0, 1, 2, 9)]
    )
    assert group_rows(out) == expected


def group_rows(out: Path) -> list[tuple[str, str]]:
    if out.suffix == ".duckdb":
        found = rows(
            out, "SELECT target_region, logGroupName FROM logs_describe_log_groups"
        )
        return sorted((str(a), str(b)) for a, b in found)
    table = ds.dataset(
        out / "call=logs_describe_log_groups", partitioning=PARTITIONS
    ).to_table(columns=["target_region", "logGroupName", "region"])
    assert table.column("region") == table.column("target_region")
    table = table.drop_columns(["region"])
    return sorted(zip(*(c.to_pylist() for c in table.columns), strict=True))


def test_a_call_without_pages_writes_a_row_per_target_and_iam_goes_once(
    moto_server: str, tmp_path: Path
) -> None:
    for region in REGIONS[:3]:
        boto3.client("sqs", region_name=region, endpoint_url=moto_server).create_queue(
            QueueName="orders"
        )
    spec = SweepSpec.from_toml(
        f'[targets]\nregions = {REGIONS[:3]!r}\nendpoint_url = "{moto_server}"\n'
        '[[calls]]\nservice = "sqs"\noperation = "GetQueueUrl"\n'
        'params = { QueueName = "orders" }\ntable = "queue_urls"\n'
        '[[calls]]\nservice = "iam"\noperation = "list_roles"\n'
        '[[calls]]\nservice = "sqs"\noperation = "ListQueues"\nregions = ["eu-*"]\n'
    )
    progress = io.StringIO()
    out = tmp_path / "inventory.duckdb"
    report = sweep(spec, out, progress=True, progress_stream=progress)
    assert report.ok
    with duckdb.connect(str(out), read_only=True) as con:
        columns = [c[0] for c in con.execute("DESCRIBE queue_urls").fetchall()]
        urls = con.execute("SELECT target_region, QueueUrl FROM queue_urls").fetchall()
        books = con.execute(
            "SELECT call, count(*) FROM _sweep_targets GROUP BY 1 ORDER BY 1"
        ).fetchall()
        listed = con.execute("SELECT target_region FROM sqs_list_queues").fetchall()
    assert columns == [
        "target",
        "target_region",
        "target_account",
        "target_endpoint",
        "QueueUrl",
    ]
    assert sorted(r for r, _ in urls) == sorted(REGIONS[:3])
    assert all(u.endswith("/orders") for _, u in urls)
    assert books == [("iam_list_roles", 1), ("queue_urls", 3), ("sqs_list_queues", 1)]
    assert listed == [("eu-west-1",)]
    lines = progress.getvalue().splitlines()
    assert "sweep [1/3] queue_urls: 3/3 (100%)" in lines[0]
    assert "0 failed, 0 throttled" in lines[0]


def test_iam_policy_documents_botocore_decoded_are_json_text_columns() -> None:
    from multiregion_runtime.data.schema import item_type

    typed = item_type("iam", "ListRoles")
    assert typed.prepare is not None
    role = {"RoleName": "r", "AssumeRolePolicyDocument": {"Version": "2012-10-17"}}
    prepared = typed.prepare(role)
    assert prepared["AssumeRolePolicyDocument"] == '{"Version":"2012-10-17"}'
    table = pa.array([prepared], type=typed.type)  # the column is a string: it fits
    assert table[0]["AssumeRolePolicyDocument"].as_py() == '{"Version":"2012-10-17"}'


def test_a_heartbeat_line_while_a_call_waits_when_not_on_a_terminal(
    tmp_path: Path,
) -> None:
    faults = {"eu-west-1": Fault("slow", seconds=1.5)}
    stream = io.StringIO()  # not a terminal: lines, no carriage returns
    with FaultServer(faults) as server:
        sweep(
            groups_spec(),
            tmp_path / "inventory.duckdb",
            targets=at(server, ["us-east-1", "eu-west-1"]),
            progress=True,
            progress_stream=stream,
            progress_interval=0.2,
        )
    lines = stream.getvalue().splitlines()
    waiting = [line for line in lines if ": 1/2 (50%)" in line]
    assert waiting, lines  # said while eu-west-1 was still answering
    assert "ETA " in waiting[0] and "0 failed, 0 throttled" in waiting[0]
    assert lines[-1].startswith("sweep [1/1] logs_describe_log_groups: 2/2 (100%)")
    assert "\r" not in stream.getvalue()


def test_resume_of_a_finished_run_sends_nothing_and_of_another_spec_is_refused(
    tmp_path: Path,
) -> None:
    out = tmp_path / "inventory.duckdb"
    with FaultServer() as server:
        targets = at(server, REGIONS[:2])
        sweep(groups_spec(), out, targets=targets)
        sent = sum(server.requests.values())
        again = sweep(groups_spec(), out, targets=targets, resume=True)
        assert sum(server.requests.values()) == sent
    assert again.run_id is None and again.note is not None
    assert "nothing to resume" in again.note
    # An unfinished run of one spec is not continued with another.
    with duckdb.connect(str(out)) as con:
        con.execute("UPDATE _sweep_runs SET ended = NULL")
    other = groups_spec('table = "other"')
    with pytest.raises(SweepSpecError, match="is of another spec"):
        sweep(other, out, targets=targets, resume=True)


def test_a_second_sweep_into_the_same_parquet_dataset_is_refused(
    tmp_path: Path,
) -> None:
    from multiregion_runtime.sweep.parquet_store import ParquetStore

    first = ParquetStore(tmp_path / "inventory")
    try:
        with pytest.raises(RuntimeError, match="another sweep is writing"):
            ParquetStore(tmp_path / "inventory")
    finally:
        first.close()
    ParquetStore(tmp_path / "inventory").close()  # free again once it ended


def test_a_parquet_dataset_opened_again_drops_what_a_killed_sweep_half_wrote(
    tmp_path: Path,
) -> None:
    # The temporary files of the three atomic writes: a run's record, a pair's rows
    # and the books. (The kill-at-random test once left the first of them behind.)
    from multiregion_runtime.sweep.parquet_store import ParquetStore

    root = tmp_path / "inventory"
    ParquetStore(root).close()
    stale = [
        root / "_sweep_runs" / ".20261203T195346Z-9ab48038.json.tmp",
        root / "call=groups" / "account=1" / "region=eu-west-1" / ".ab12.parquet.tmp",
        root / "_sweep_targets" / "run=1" / ".part-000001.parquet.tmp",
    ]
    kept = root / "call=groups" / "account=1" / "region=eu-west-1" / "ab12.parquet"
    for path in [*stale, kept]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    ParquetStore(root).close()
    assert [path.exists() for path in stale] == [False, False, False]
    assert kept.read_bytes() == b"half"


def test_a_field_added_by_a_newer_botocore_becomes_a_new_column(
    tmp_path: Path,
) -> None:
    out = tmp_path / "inventory.duckdb"
    with duckdb.connect(str(out)) as con:  # the table as an older botocore made it
        con.execute(
            "CREATE TABLE logs_describe_log_groups (target VARCHAR, "
            "target_region VARCHAR, target_account VARCHAR, target_endpoint VARCHAR, "
            "logGroupName VARCHAR)"
        )
        con.execute(
            "INSERT INTO logs_describe_log_groups VALUES ('old', 'x', NULL, NULL, 'g')"
        )
    with FaultServer() as server:
        report = sweep(groups_spec(), out, targets=at(server, REGIONS[:1]))
    assert report.ok
    found = rows(
        out,
        "SELECT count(*), count(logGroupArn) FROM logs_describe_log_groups "
        "WHERE target <> 'old'",
    )
    assert found == [(6, 0)]  # the new columns are there (the fault server sends none)


@pytest.mark.parametrize("suffix", [".duckdb", ""])
def test_a_target_that_never_started_is_recorded_as_not_started(
    tmp_path: Path, suffix: str
) -> None:
    """What the fan-out labels NotStarted (its call's deadline passed before the
    target's turn, or the call was stopped) is ``not_started``, with no rows."""
    from multiregion_runtime.core.errors import NotStartedError
    from multiregion_runtime.results.results import TargetResult
    from multiregion_runtime.sweep.run import _Books, call_schema, open_store

    call = groups_spec().check()[0]
    store = open_store(tmp_path / f"inventory{suffix}")
    schema = call_schema(call)
    store.begin_call(call.table, schema)
    counts: Counter[str] = Counter()
    target = Target(region="eu-west-1", endpoint_url="http://127.0.0.1:9")
    late: TargetResult[Any] = TargetResult(
        target, error=NotStartedError("the deadline passed")
    )
    _Books(store, call.table, "run-1", set(), counts).commit(
        schema.empty_table(), [late], Counter()
    )
    assert store.done_pairs("run-1", call.table) == {target.name}
    assert store.history(call.table, "run-2", "run-1").last_status == {
        target.name: "not_started"
    }
    store.close()
    assert counts == {"not_started": 1, "rows": 0}


def test_the_sweeps_deadline_leaves_pairs_not_started_and_sends_nothing_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "inventory.duckdb"
    spec = SweepSpec.from_toml(
        "[targets]\n"
        '[[calls]]\nservice = "logs"\noperation = "DescribeLogGroups"\n'
        '[[calls]]\nservice = "sqs"\noperation = "ListQueues"\n'
    )
    regions = ["sa-east-1", "ca-central-1", "eu-central-1"]
    with FaultServer({"sa-east-1": Fault("hang")}) as server:
        # One worker, held by the hung target past the deadline (0.6 s); the pool
        # starts another runner beside a slow target only after SLOW_AFTER, which
        # is put past the deadline here (it was 1 s, now 0.5): the others never start.
        monkeypatch.setattr("multiregion_runtime.engines.threads.SLOW_AFTER", 5.0)
        report = sweep(
            spec, out, targets=at(server, regions), max_workers=1, deadline=0.6
        )
        asked = set(server.requests)
    assert asked == {"sa-east-1"}  # nothing after the deadline, no SQS call at all
    found = statuses(out, report.run_id)
    assert found == {
        ("logs_describe_log_groups", "sa-east-1"): (
            "failed",
            "DeadlineExceeded",
            0,
            0,
        ),
        ("logs_describe_log_groups", "ca-central-1"): (
            "not_started",
            "NotStarted",
            0,
            0,
        ),
        ("logs_describe_log_groups", "eu-central-1"): (
            "not_started",
            "NotStarted",
            0,
            0,
        ),
        ("sqs_list_queues", "sa-east-1"): ("not_started", "NotStarted", 0, 0),
        ("sqs_list_queues", "ca-central-1"): ("not_started", "NotStarted", 0, 0),
        ("sqs_list_queues", "eu-central-1"): ("not_started", "NotStarted", 0, 0),
    }
    assert report.failed == 6  # and --retry-failed runs all six next time


def test_a_resumed_run_reports_the_pairs_that_failed_before_it_stopped(
    tmp_path: Path,
) -> None:
    """The CLI's exit code comes from the report: a run that failed a pair, was
    killed, and was resumed must still say that pair failed."""
    out = tmp_path / "inventory.duckdb"
    with FaultServer({"eu-west-1": Fault("deny")}) as server:
        targets = at(server, REGIONS[:3])
        first = sweep(groups_spec(), out, targets=targets)
        assert first.failed == 1
        with duckdb.connect(str(out)) as con:  # as a kill -9 before the end leaves it
            con.execute("UPDATE _sweep_runs SET ended = NULL")
            con.execute("DELETE FROM _sweep_targets WHERE target_region = 'us-east-1'")
        server.requests.clear()
        resumed = sweep(groups_spec(), out, targets=targets, resume=True)
        asked = set(server.requests)
    assert asked == {"us-east-1"}  # only the pair not recorded runs again
    assert resumed.run_id == first.run_id
    assert resumed.counts["logs_describe_log_groups"] == {
        "ok": 2,
        "failed": 1,
        "rows": 6,  # the rows this invocation wrote
    }
    assert not resumed.ok and resumed.failed == 1


def test_no_key_token_or_endpoint_password_in_any_table_or_line(
    tmp_path: Path,
) -> None:
    """The endpoint's password is in botocore's connection error (the fault server
    never sees the environment's secret, so the older checks could not fail)."""
    from multiregion_runtime import StaticCredentials

    keys = StaticCredentials(
        "AKIASWEEPKEY00000001", "SweepSecretDoNotShow0123456789", "SweepTokenDoNotShow"
    )
    secrets = ("Pw0rdXyz", *vars(keys).values())
    out, stream = tmp_path / "inventory.duckdb", io.StringIO()
    with FaultServer({"eu-west-1": Fault("reset")}) as server:
        url = server.url.replace("http://", "http://sweeper:Pw0rdXyz@")
        targets = [
            Target(region=r, endpoint_url=url, credentials=keys)
            for r in ("us-east-1", "eu-west-1")
        ]
        report = sweep(
            groups_spec(), out, targets=targets, progress=True, progress_stream=stream
        )
    errors = rows(out, "SELECT error FROM _sweep_targets WHERE status = 'failed'")
    assert "sweeper:****@127.0.0.1" in errors[0][0]  # botocore named the endpoint
    written = [
        rows(out, f"SELECT * FROM {table}")
        for table in ("_sweep_targets", "_sweep_runs", "logs_describe_log_groups")
    ]
    shown = f"{written} {report.summary()} {stream.getvalue()}"
    assert len(written[2]) == 6  # us-east-1's rows, with their target columns
    assert not [s for s in secrets if s in shown]


def test_targets_a_later_call_cannot_tell_apart_are_refused_before_any_request(
    tmp_path: Path,
) -> None:
    """Two key pairs in one region, no account id: the first call (eu-west-1 only)
    could run, the second could not write rows a column tells apart."""
    from multiregion_runtime import StaticCredentials

    spec = groups_spec('regions = ["eu-west-1"]', 'table = "all_groups"')
    with FaultServer() as server:
        targets = [
            Target(region=r, endpoint_url=server.url, credentials=keys)
            for r, keys in [
                ("eu-west-1", StaticCredentials("AKIAONE0000000000001", "one")),
                ("us-east-1", StaticCredentials("AKIAONE0000000000001", "one")),
                ("us-east-1", StaticCredentials("AKIATWO0000000000002", "two")),
            ]
        ]
        with pytest.raises(SweepSpecError, match="give them labels"):
            sweep(spec, tmp_path / "inventory.duckdb", targets=targets)
        assert sum(server.requests.values()) == 0


def test_a_parquet_dataset_in_a_folder_whose_name_holds_a_quote(
    tmp_path: Path,
) -> None:
    """The bookkeeping is read with SQL over the folder: its path is a parameter,
    not text in the query."""
    out = tmp_path / "bob's inventory"
    with FaultServer() as server:
        targets = at(server, REGIONS[:2])
        sweep(groups_spec(), out, targets=targets)
        again = sweep(groups_spec(), out, targets=targets, max_age="1h")
        assert sum(server.requests.values()) == 2 * 3  # the first run's pages only
    assert again.counts["logs_describe_log_groups"] == {"skipped": 2}


def test_a_sweep_that_fails_to_start_leaves_no_heartbeat_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep that cannot record its run raises, and prints nothing afterwards (a
    heartbeat thread left running would write its line forever, e.g. in a notebook)."""
    from multiregion_runtime.sweep.duckdb_store import DuckDBStore

    def full(self: DuckDBStore, run: Any) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(DuckDBStore, "start_run", full)
    stream = io.StringIO()
    with FaultServer() as server, pytest.raises(OSError, match="No space"):
        sweep(
            groups_spec(),
            tmp_path / "inventory.duckdb",
            targets=at(server, REGIONS[:1]),
            progress=True,
            progress_stream=stream,
            progress_interval=0.05,
        )
    time.sleep(0.3)  # six heartbeats' time
    assert stream.getvalue() == ""


def test_a_target_of_another_partition_is_refused_not_left_out(
    tmp_path: Path,
) -> None:
    """A GovCloud target beside a session in the aws partition: refused before any
    request (it was left out of every call, and the sweep reported only the rest)."""
    with FaultServer() as server:
        targets = [*at(server, ["us-east-1"]), Target(region="us-gov-west-1")]
        with pytest.raises(SweepSpecError, match="partition 'aws-us-gov'"):
            sweep(
                groups_spec(),
                tmp_path / "inventory.duckdb",
                targets=targets,
                session=boto3.Session(region_name="us-east-1"),
            )
        assert sum(server.requests.values()) == 0


def test_an_account_wide_operation_writes_each_item_once(
    moto_server: str, tmp_path: Path
) -> None:
    """S3 ListBuckets answers with every bucket from every region: called in each of
    three regions, each bucket was written three times."""
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_server)
    for name in ("sweep-logs", "sweep-data"):
        s3.create_bucket(Bucket=name)
    spec = SweepSpec.from_toml(
        '[targets]\n[[calls]]\nservice = "s3"\noperation = "ListBuckets"\n'
    )
    out = tmp_path / "inventory.duckdb"
    report = sweep(
        spec,
        out,
        targets=[Target(region=r, endpoint_url=moto_server) for r in REGIONS[:3]],
    )
    assert report.ok
    names = rows(out, "SELECT Name FROM s3_list_buckets WHERE Name LIKE 'sweep-%'")
    assert sorted(n for (n,) in names) == ["sweep-data", "sweep-logs"]
