"""Results as data: generated Arrow schemas, Arrow/Parquet/DuckDB round trips on moto,
secrets kept out of columns, streaming memory and kill-and-resume."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from multiregion import Target
from multiregion.ec2 import MultiRegionEC2
from multiregion.kms import MultiRegionKMS
from multiregion.logs import MultiRegionCloudWatchLogs
from multiregion.s3 import MultiRegionS3
from multiregion.sqs import MultiRegionSQS
from multiregion.sts import MultiRegionSTS
from multiregion_runtime.data import schema as _schema
from multiregion_runtime.data.rows import items_schema, results_schema
from tests.helpers import (
    FAKE_KEY_ID,
    FAKE_SECRET,
    ROOT,
    THREE,
    free_port,
    kill_at_random_moments,
)
from tests.zygote import ForkedRun, start_python

REGIONS = ["us-east-1", "eu-west-1"]
UTC_US = pa.timestamp("us", tz="UTC")


def test_every_output_and_item_shape_of_every_service_builds_an_arrow_schema() -> None:
    services = sorted(botocore.session.get_session().get_available_services())
    assert sorted(p.stem for p in _schema.schema_dir().glob("*.json")) == services
    built = 0
    # A table of a schema is an array per field: each field type, of the 238,000 in
    # these schemas, is made an array once (13,700 distinct; empty_table() on every
    # schema made the same arrays again, 9.6 s of CPU against 4.2).
    column_types: set[pa.DataType] = set()
    for service in services:
        data = _schema.service_data(service)
        for operation in data["outputs"]:
            schema = results_schema(_schema.output_type(service, operation))
            column_types.update(schema.types)
            built += 1
        for operation in data["items"]:
            schema = items_schema(_schema.item_type(service, operation))
            names = [n.lower() for n in schema.names]
            # an item field never takes the name of a target column
            assert len(set(names[:3]) & set(names[3:])) == 0, (service, operation)
            column_types.update(schema.types)
            built += 1
    for column_type in column_types:
        assert len(pa.array([], type=column_type)) == 0
    assert len(services) >= 400 and built > 15_000


def test_recursive_shapes_are_cut_to_json_text() -> None:
    # Cost Explorer's Expression holds And: [Expression], Not: Expression.
    typed = _schema.output_type("ce", "GetCostCategories")
    assert typed.type.num_fields > 0
    cut = _schema._Builder(_schema.service_data("ce")["structures"]).typed("Expression")
    inner = cut.type.field("Not").type  # second Expression on the path
    assert pa.types.is_struct(inner)
    assert inner.field("Not").type == pa.string()  # third: JSON text
    assert cut.prepare is not None
    value = {"Not": {"Not": {"Dimensions": {"Key": "REGION", "Values": ["x"]}}}}
    prepared = cut.prepare(value)
    assert json.loads(prepared["Not"]["Not"]) == value["Not"]["Not"]
    assert (
        pa.array([prepared], type=cut.type).to_pylist()[0]["Not"]["Dimensions"] is None
    )


def test_importing_a_service_does_not_import_pyarrow() -> None:
    code = "import sys, multiregion.ec2; print('pyarrow' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def _instances() -> list[dict[str, Any]]:
    found = []
    for region in REGIONS:
        ec2 = boto3.client("ec2", region_name=region)
        image = ec2.describe_images()["Images"][0]["ImageId"]
        ec2.run_instances(
            ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro"
        )
        found += [
            i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
        ]
    return found


def test_ec2_instances_round_trip_with_exact_types(aws: None) -> None:
    expected = {i["InstanceId"]: i for i in _instances()}
    table = MultiRegionEC2(regions=REGIONS).iter_describe_instances().to_arrow()
    assert table.schema.field("target_region").type == pa.string()
    instances = table.schema.field("Instances").type.value_type
    assert instances.field("LaunchTime").type == UTC_US
    assert instances.field("AmiLaunchIndex").type == pa.int64()
    assert instances.field("EbsOptimized").type == pa.bool_()
    got = {}
    for row in table.to_pylist():
        for instance in row["Instances"]:
            got[instance["InstanceId"]] = (row["target_region"], instance)
    assert set(got) == set(expected)
    for instance_id, (region, instance) in got.items():
        original = expected[instance_id]
        assert instance["Placement"]["AvailabilityZone"].startswith(region)
        assert instance["LaunchTime"] == original["LaunchTime"]
        assert instance["LaunchTime"].utcoffset() == datetime.timedelta(0)
        assert instance["InstanceType"] == "t3.micro"
        assert instance["State"] == original["State"]


def test_sqs_attributes_are_a_typed_map_per_target(aws: None) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="orders", Attributes={"DelaySeconds": "5"})[
        "QueueUrl"
    ]
    sqs_mr = MultiRegionSQS(regions=REGIONS)
    results = sqs_mr.with_targets([Target(region="us-east-1")]).get_queue_attributes(
        QueueUrl=url, AttributeNames=["All"]
    )
    table = results.to_arrow()
    assert table.schema.field("value").type.field("Attributes").type == pa.map_(
        pa.string(), pa.string()
    )
    ok = table.to_pylist()[0]
    assert ok["ok"] is True and ok["error"] is None and ok["attempts"] == 1
    assert dict(ok["value"]["Attributes"])["DelaySeconds"] == "5"
    assert ok["elapsed"] == results[0].elapsed
    # the queue exists in us-east-1 only: eu-west-1 gives a labelled error row
    located = sqs_mr.get_queue_url(QueueName="orders")
    rows = {r["target_region"]: r for r in located.to_arrow().to_pylist()}
    assert rows["us-east-1"]["value"] == {"QueueUrl": url}
    failed = rows["eu-west-1"]
    assert failed["ok"] is False and failed["value"] is None
    assert failed["error_code"] == located[1].error_code
    assert failed["error_code"] and failed["error_code"] in failed["error"]
    assert failed["attempts"] == 1


def test_s3_objects_keep_timestamps_and_sizes(aws: None) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="inventory-bucket")
    for size in (0, 5, 1234):
        s3.put_object(Bucket="inventory-bucket", Key=f"k{size}", Body=b"x" * size)
    expected = {
        o["Key"]: o for o in s3.list_objects_v2(Bucket="inventory-bucket")["Contents"]
    }
    items = MultiRegionS3(regions=["us-east-1"]).iter_list_objects_v2(
        Bucket="inventory-bucket"
    )
    table = items.to_arrow()
    assert table.schema.field("LastModified").type == UTC_US
    assert table.schema.field("Size").type == pa.int64()
    rows = {r["Key"]: r for r in table.to_pylist()}
    assert {k: r["Size"] for k, r in rows.items()} == {"k0": 0, "k5": 5, "k1234": 1234}
    for key, row in rows.items():
        assert row["LastModified"] == expected[key]["LastModified"]
        assert row["LastModified"].tzinfo is not None


def test_blobs_stay_bytes_and_dataframes_keep_types(aws: None) -> None:
    key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]
    kms = MultiRegionKMS(regions=["us-east-1"])
    results = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"\x00\xffsecret-ish")
    table = results.to_arrow()
    assert table.schema.field("value").type.field("CiphertextBlob").type == pa.binary()
    blob = table.to_pylist()[0]["value"]["CiphertextBlob"]
    assert isinstance(blob, bytes) and blob == results[0].unwrap()["CiphertextBlob"]

    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName="g1")
    frame = MultiRegionCloudWatchLogs(regions=["us-east-1"]).iter_describe_log_groups()
    pandas_frame = frame.to_pandas()
    assert str(pandas_frame["creationTime"].dtype) == "int64"
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="frames")
    s3.put_object(Bucket="frames", Key="a", Body=b"abc")
    objects = MultiRegionS3(regions=["us-east-1"])
    pandas_objects = objects.iter_list_objects_v2(Bucket="frames").to_pandas()
    assert str(pandas_objects["LastModified"].dtype) == "datetime64[us, UTC]"
    polars_objects = objects.iter_list_objects_v2(Bucket="frames").to_polars()
    assert (
        str(polars_objects.schema["LastModified"])
        == "Datetime(time_unit='us', time_zone='UTC')"
    )
    assert polars_objects["Size"].to_list() == [3]


def test_credentials_and_endpoint_passwords_never_reach_a_column(
    aws: None, tmp_path: Path
) -> None:
    sts = MultiRegionSTS(regions=["us-east-1"]).get_session_token()
    secret = sts[0].unwrap()["Credentials"]["SecretAccessKey"]
    table = sts.to_arrow()
    credentials = table.to_pylist()[0]["value"]["Credentials"]
    assert credentials["SecretAccessKey"] == "****"
    assert credentials["SessionToken"] == "****"
    table.to_pandas()  # the masked table converts like any other
    pq.write_table(table, tmp_path / "sts.parquet")
    assert secret.encode() not in (tmp_path / "sts.parquet").read_bytes()

    url = f"http://user:hunter2-password@127.0.0.1:{free_port()}"
    target = Target(region="us-east-1", endpoint_url=url)
    failed = MultiRegionSQS(targets=[target], timeout=20).list_queues().to_arrow()
    row = failed.to_pylist()[0]
    assert row["ok"] is False and row["error"]
    text = json.dumps(row, default=str)
    assert "hunter2-password" not in text and FAKE_SECRET not in text
    assert (
        row["target_endpoint"] == "http://user:****@127.0.0.1:" + url.rsplit(":", 1)[1]
    )
    assert FAKE_KEY_ID not in text


def test_bad_duckdb_arguments_fail_before_any_request(
    aws: None, tmp_path: Path
) -> None:
    con = duckdb.connect()
    logs = MultiRegionCloudWatchLogs(regions=["us-east-1"])
    with pytest.raises(ValueError, match="mode must be one of append, replace"):
        logs.iter_describe_log_groups().to_duckdb(con, "t", mode="upsert")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="table must be a non-empty"):
        logs.describe_log_groups().to_duckdb(con, "")
    with pytest.raises(ValueError, match="resume=True cannot be combined"):
        logs.iter_describe_log_groups(max_items=3).write_parquet(
            tmp_path / "x", resume=True
        )
    assert list(tmp_path.iterdir()) == []


def test_duckdb_append_and_replace(aws: None) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    for i in range(3):
        logs.create_log_group(logGroupName=f"g{i}")
    con = duckdb.connect()
    mr = MultiRegionCloudWatchLogs(regions=["us-east-1"])
    mr.iter_describe_log_groups().to_duckdb(con, "groups")
    mr.iter_describe_log_groups().to_duckdb(con, "groups", mode="append")
    count = con.execute("SELECT count(*) FROM groups").fetchone()
    assert count == (6,)
    mr.iter_describe_log_groups().to_duckdb(con, "groups", mode="replace")
    assert con.execute("SELECT count(*) FROM groups").fetchone() == (3,)
    assert con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'multiregion_progress'"
    ).fetchone() == (1,)


# -- streaming memory ------------------------------------------------------------------


#: Items in the memory test. Streamed, RSS grows ~145 MB for 250,000 items as for a
#: million (make bench-data runs the million); holding these 250,000 in memory, as
#: ``pa.Table.from_pylist`` needs them, grows it by ~480 MB: past the bound below.
STREAMED_ITEMS = 250_000


def test_items_stream_into_parquet_in_bounded_memory(tmp_path: Path) -> None:
    from benchmarks.endpoint.data_source import serve

    out = tmp_path / "groups.parquet"
    regions = ["us-east-1", "eu-west-1", "ap-south-1", "us-west-2"]
    with serve(items_per_region=STREAMED_ITEMS // len(regions)) as url:
        spec = {"kind": "data", "way": "parquet", "url": url, "regions": regions}
        spec["out"] = str(out)
        run = subprocess.run(
            [sys.executable, "-m", "benchmarks.workers", json.dumps(spec)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
        )
    assert run.returncode == 0, run.stderr[-3000:]
    figures = json.loads(run.stdout.splitlines()[-1])
    assert figures["items"] == STREAMED_ITEMS
    assert pq.ParquetFile(out).metadata.num_rows == STREAMED_ITEMS
    grown_mb = (figures["peak_rss_kb"] - figures["rss_before_kb"]) / 1024
    assert grown_mb <= 250, figures


# -- kill and resume ---------------------------------------------------------------------

GROUPS_PER_REGION = 40
# Run in a subprocess: a checkpoint every 3 rows and pages of 1 item, so that a kill
# at a random moment lands anywhere: in a fetch, a write, a journal line, a commit.
RESUMABLE_RUN = """
import sys
import duckdb
from multiregion_runtime import Target
from multiregion_runtime.data import sinks as _data
from multiregion.logs import MultiRegionCloudWatchLogs

_data.CHECKPOINT_ROWS = 3
url, way, out, regions, executor = sys.argv[1:6]
targets = [Target(region=r, endpoint_url=url) for r in regions.split(",")]
# no client-side rate limit: one account's 120 pages would be paced by it
logs = MultiRegionCloudWatchLogs(targets=targets, executor=executor, rate_limits=False)
items = logs.iter_describe_log_groups(logGroupNamePrefix=way, page_size=1)
print("started", flush=True)
if way == "parquet":
    items.write_parquet(out, resume=True)
else:
    with duckdb.connect(out) as con:
        items.to_duckdb(con, "groups", resume=True)
print("clients made here:", logs.clients_created)
"""
#: What each run imports that can be imported before a fork: not DuckDB or pyarrow,
#: whose threads and allocators do not survive one (std::terminate, hangs on 3.10).
RESUMABLE_IMPORTS = ("multiregion_runtime.data.sinks", "multiregion.logs")


def _start_run(
    url: str, way: str, out: Path, executor: str
) -> subprocess.Popen[str] | ForkedRun:
    args = [url, way, str(out), ",".join(THREE), executor]
    process = start_python(RESUMABLE_RUN, args, ROOT, RESUMABLE_IMPORTS)
    assert process.stdout is not None
    started = process.stdout.readline().strip()
    assert started == "started", process.communicate(timeout=60)[1][-3000:]
    return process


def _finish(process: subprocess.Popen[str] | ForkedRun) -> str:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    return stdout


def _rows(way: str, out: Path) -> list[tuple[str, str]]:
    if way == "parquet":
        table = pq.read_table(out, columns=["target_region", "logGroupName"])
        return sorted(zip(*(c.to_pylist() for c in table.columns), strict=True))
    with duckdb.connect(str(out)) as con:
        rows = con.execute("SELECT target_region, logGroupName FROM groups").fetchall()
    return sorted((str(a), str(b)) for a, b in rows)


@pytest.mark.parametrize(
    "way, executor",
    # processes: the pages stream from worker processes, which die with the run
    [("parquet", "threads"), ("duckdb", "threads"), ("parquet", "processes:2")],
)
def test_a_run_killed_at_random_moments_resumes_to_exactly_the_same_rows(
    moto_server: str, tmp_path: Path, way: str, executor: str
) -> None:
    import random
    import time

    for region in THREE:
        logs = boto3.client("logs", region_name=region, endpoint_url=moto_server)
        for i in range(GROUPS_PER_REGION):
            logs.create_log_group(logGroupName=f"{way}-{i:03d}-{region}")
    whole = tmp_path / f"whole.{way}"
    whole_process = _start_run(moto_server, way, whole, executor)
    began = time.monotonic()  # from "started": the work a kill can interrupt
    _finish(whole_process)
    # Kill within the time a whole run takes here, so kills land mid-run on a fast
    # machine and a slow one alike.
    whole_run = time.monotonic() - began
    expected = _rows(way, whole)
    assert len(expected) == len(THREE) * GROUPS_PER_REGION

    seed = random.randrange(1 << 30)
    chance = random.Random(seed)
    resumed, killed_mid_run = kill_at_random_moments(
        lambda out, _: _start_run(moto_server, way, out, executor),
        lambda round_: tmp_path / f"resumed-{round_}.{way}",
        whole_run,
        chance,
        tries=5,
        latest=0.6,
    )
    last = _finish(_start_run(moto_server, way, resumed, executor))
    # On processes, every page came from a worker: this process made no client.
    # (On threads the last run may have nothing left to fetch, and make none too.)
    if executor != "threads":
        assert "clients made here: 0" in last
    assert killed_mid_run >= 1, f"no kill landed mid-run (seed {seed})"
    assert _rows(way, resumed) == expected, f"seed {seed}"
    if way == "parquet":  # done: the progress is gone, the file is whole
        assert not resumed.with_name(resumed.name + ".progress").exists()
    else:
        with duckdb.connect(str(resumed)) as con:
            progress = con.execute("SELECT count(*) FROM multiregion_progress")
            assert progress.fetchone() == (0,)
