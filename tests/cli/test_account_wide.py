"""Operations that answer alike in every region are called once per account, unless
--regions names the regions; against a moto server the test starts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import boto3
import pytest

from tests.cli.test_cli import cli
from tests.helpers import moto_in_process

A, B = "111111111111", "222222222222"
EU, US = "eu-west-1", "us-east-1"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A moto server with a bucket in us-east-1 and one in eu-west-1."""
    with moto_in_process() as url:
        seeding = boto3.Session(aws_access_key_id="AKIASEED", aws_secret_access_key="s")
        seeding.client("s3", US, endpoint_url=url).create_bucket(Bucket="in-us")
        seeding.client("s3", EU, endpoint_url=url).create_bucket(
            Bucket="in-eu", CreateBucketConfiguration={"LocationConstraint": EU}
        )
        yield url


def requests_made(stderr: str) -> int:
    found = re.search(r"\((\d+) requests,", stderr)
    assert found, stderr
    return int(found.group(1))


def test_get_caller_identity_is_one_row_and_one_call_per_account(server: str) -> None:
    done = cli(
        "sts", "get-caller-identity", "--accounts", A, B, "--role-name", "Reader",
        url=server,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert [(e["account"], e["result"]["Account"]) for e in entries] == [(A, A), (B, B)]
    assert {e["region"] for e in entries} == {US}  # the session's region answered
    assert "2 targets: 2 ok" in done.stderr and requests_made(done.stderr) == 2
    assert "called once per account (--regions calls it in each)" in done.stderr


def test_named_regions_still_fan_out(server: str) -> None:
    done = cli(
        "sts", "get-caller-identity", "--accounts", A, B, "--role-name", "Reader",
        "--regions", EU, US, url=server,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert sorted((e["account"], e["region"]) for e in entries) == [
        (A, EU), (A, US), (B, EU), (B, US)
    ]  # fmt: skip
    assert requests_made(done.stderr) == 4 and "once per account" not in done.stderr


def test_list_buckets_is_one_row_per_account_with_every_bucket_once(
    server: str,
) -> None:
    done = cli("s3", "list-buckets", "--query", "Buckets[].Name", url=server)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"region": US, "result": ["in-us", "in-eu"]}]
    assert requests_made(done.stderr) == 1


def test_list_buckets_in_named_regions_lists_each_bucket_under_its_own(
    server: str,
) -> None:
    done = cli(
        "s3", "list-buckets", "--regions", US, EU, "--query", "Buckets[].Name",
        url=server,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"region": US, "result": ["in-us"]},
        {"region": EU, "result": ["in-eu"]},
    ]
