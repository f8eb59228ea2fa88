"""Pagination, items, waiters and follow-ups across regions, against moto."""

from __future__ import annotations

import sys
from typing import Any

import boto3
import pytest
from botocore.exceptions import (
    EndpointConnectionError,
    ParamValidationError,
    WaiterError,
)

from multiregion import DynamicService, Target

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

from tests.helpers import count_calls

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def make_queues(per_region: dict[str, int]) -> None:
    for region, count in per_region.items():
        sqs = boto3.client("sqs", region_name=region)
        for i in range(count):
            sqs.create_queue(QueueName=f"q{i}-{region}")


def make_log_groups(per_region: dict[str, int]) -> None:
    """CloudWatch Logs groups: moto pages DescribeLogGroups for real (SQS it does not)."""
    for region, count in per_region.items():
        logs = boto3.client("logs", region_name=region)
        for i in range(count):
            logs.create_log_group(logGroupName=f"g{i}-{region}")


def boto3_full_result(service: str, region: str, operation: str, **params: Any) -> Any:
    client: Any = boto3.Session(region_name=region).client(service)  # type: ignore[call-overload]
    paginator = client.get_paginator(operation)
    return paginator.paginate(**params).build_full_result()


def test_pages_span_several_requests_and_merge_like_botocore(
    aws: None, session: boto3.Session
) -> None:
    make_log_groups({"us-east-1": 5, "eu-west-1": 3, "ap-southeast-2": 0})
    sent = count_calls(session)
    logs = DynamicService("logs", regions=REGIONS, session=session)
    results = logs.paginate("describe_log_groups", page_size=2).raise_for_errors()
    assert sent.count("us-east-1") == 3 and sent.count("eu-west-1") == 2
    for result in results:
        expected = boto3_full_result(
            "logs", result.region, "describe_log_groups", limit=2
        )
        assert result.unwrap()["logGroups"] == expected["logGroups"]
    assert len(results.by_region()["us-east-1"].unwrap()["logGroups"]) == 5


def test_items_are_tagged_with_their_target_and_client(
    aws: None, session: boto3.Session
) -> None:
    make_log_groups({"us-east-1": 3, "eu-west-1": 2})
    logs = DynamicService("logs", regions=REGIONS, session=session)
    items = logs.items("describe_log_groups", page_size=1)
    got = list(items)
    assert len(got) == 5
    for item in got:
        assert item.value["logGroupName"].endswith(f"-{item.region}")
        assert item.client is not None and item.client.meta.region_name == item.region
    assert items.results is not None and [r.region for r in items.results] == REGIONS
    with pytest.raises(RuntimeError, match="iterated once"):
        list(items)


def test_max_items_and_resume_tokens_per_target(
    aws: None, session: boto3.Session
) -> None:
    make_log_groups({"us-east-1": 5, "eu-west-1": 2})
    logs = DynamicService("logs", regions=REGIONS[:2], session=session)
    first = logs.paginate("DescribeLogGroups", max_items=3, page_size=2)
    assert [len(r.unwrap()["logGroups"]) for r in first] == [3, 2]
    tokens = first.resume_tokens()
    assert list(tokens) == [Target("us-east-1")]
    rest = logs.paginate("DescribeLogGroups", page_size=2, starting_tokens=tokens)
    assert [r.region for r in rest] == ["us-east-1"]
    names = [
        g["logGroupName"] for r in (first[0], rest[0]) for g in r.unwrap()["logGroups"]
    ]
    expected = boto3_full_result("logs", "us-east-1", "describe_log_groups")[
        "logGroups"
    ]
    assert names == [g["logGroupName"] for g in expected]
    with pytest.raises(ValueError, match="not in this object"):
        logs.paginate(
            "DescribeLogGroups", starting_tokens={Target("ap-southeast-2"): "x"}
        )


def fail_second_page(session: boto3.Session, region: str) -> None:
    """The second request to ``region`` fails as if the network dropped."""
    calls = {"n": 0}

    def maybe_fail(context: dict[str, Any], **_: Any) -> None:
        if context["client_region"] == region:
            calls["n"] += 1
            if calls["n"] == 2:
                raise EndpointConnectionError(
                    endpoint_url=f"https://logs.{region}.amazonaws.com"
                )

    session.events.register("before-call", maybe_fail)


def test_failing_mid_pagination_keeps_items_and_records_the_error(
    aws: None, session: boto3.Session
) -> None:
    make_log_groups({"us-east-1": 4, "eu-west-1": 4})
    fail_second_page(session, "eu-west-1")
    logs = DynamicService("logs", regions=REGIONS[:2], session=session)
    results = logs.paginate("describe_log_groups", page_size=2)
    good, bad = results
    assert good.ok and len(good.unwrap()["logGroups"]) == 4
    assert isinstance(bad.error, EndpointConnectionError)
    assert bad.value is not None and len(bad.value["logGroups"]) == 2  # the first page
    assert results.failed_targets() == [Target("eu-west-1")]
    # moto's own token for the page that failed: resuming fetches exactly the rest.
    tokens = results.resume_tokens()
    assert list(tokens) == [Target("eu-west-1")]
    rest = logs.paginate("describe_log_groups", page_size=2, starting_tokens=tokens)
    resumed = bad.value["logGroups"] + rest[0].unwrap()["logGroups"]
    every = boto3_full_result("logs", "eu-west-1", "describe_log_groups")["logGroups"]
    assert [g["logGroupName"] for g in resumed] == [g["logGroupName"] for g in every]


def test_items_raise_after_yielding_everything_that_arrived(
    aws: None, session: boto3.Session
) -> None:
    make_log_groups({"us-east-1": 4, "eu-west-1": 4})
    fail_second_page(session, "eu-west-1")
    items = DynamicService("logs", regions=REGIONS[:2], session=session).items(
        "describe_log_groups", page_size=2
    )
    seen = []
    with pytest.raises(ExceptionGroup) as group:
        for item in items:
            seen.append(item.region)
    assert seen.count("us-east-1") == 4 and seen.count("eu-west-1") == 2
    assert "eu-west-1" in str(group.value.exceptions[0])


def test_s3_multi_key_pagination_matches_botocore(
    aws: None, session: boto3.Session
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="photos")
    for key in ["a/1", "a/2", "b/1", "top1", "top2", "top3"]:
        s3.put_object(Bucket="photos", Key=key, Body=b"x")
    mr = DynamicService("s3", regions=["us-east-1"], session=session)
    merged = mr.paginate("list_objects_v2", Bucket="photos", Delimiter="/", page_size=2)
    expected = boto3_full_result(
        "s3", "us-east-1", "list_objects_v2", Bucket="photos", Delimiter="/", MaxKeys=2
    )
    value = merged[0].unwrap()
    assert [c["Key"] for c in value["Contents"]] == ["top1", "top2", "top3"]
    assert (
        value["CommonPrefixes"]
        == expected["CommonPrefixes"]
        == [
            {"Prefix": "a/"},
            {"Prefix": "b/"},
        ]
    )
    keys = [
        i.value["Key"]
        for i in mr.items("list_objects_v2", Bucket="photos", Prefix="a/")
    ]
    assert keys == ["a/1", "a/2"]


def test_ec2_reservations_as_items(aws: None, session: boto3.Session) -> None:
    for region, count in [("us-east-1", 2), ("eu-west-1", 1)]:
        ec2 = boto3.client("ec2", region_name=region)
        image = ec2.describe_images()["Images"][0]["ImageId"]
        ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count)
    ec2s = DynamicService("ec2", regions=REGIONS, session=session)
    reservations = list(ec2s.items("describe_instances"))
    assert sorted(r.region for r in reservations) == ["eu-west-1", "us-east-1"]
    instances = {r.region: len(r.value["Instances"]) for r in reservations}
    assert instances == {"us-east-1": 2, "eu-west-1": 1}


def test_waiters_succeed_in_some_regions_and_time_out_in_another(
    aws: None, session: boto3.Session
) -> None:
    ids = {}
    for region in REGIONS[:2]:
        ec2 = boto3.client("ec2", region_name=region)
        image = ec2.describe_images()["Images"][0]["ImageId"]
        ids[region] = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)[
            "Instances"
        ][0]["InstanceId"]
    ec2s = DynamicService("ec2", regions=REGIONS[:2], session=session)
    running = ec2s.with_targets([Target("us-east-1")]).wait(
        "instance_running", InstanceIds=[ids["us-east-1"]], delay=0.05, max_attempts=3
    )
    assert running[0].ok and running[0].value is None
    boto3.client("ec2", region_name="eu-west-1").stop_instances(
        InstanceIds=[ids["eu-west-1"]]
    )
    stopped = ec2s.wait("InstanceStopped", Filters=[], delay=0.05, max_attempts=2)
    assert isinstance(stopped.by_region()["us-east-1"].error, WaiterError)
    assert "Max attempts exceeded" in str(stopped.by_region()["us-east-1"].error)
    assert stopped.by_region()["eu-west-1"].ok
    with pytest.raises(ValueError, match="no waiter 'InstanceRuning'.*InstanceRunning"):
        ec2s.wait("instance_runing")


def test_narrow_to_failed_targets_and_retry(aws: None, session: boto3.Session) -> None:
    make_queues({"eu-west-1": 1})
    broken = {"on": True}

    def flaky(context: dict[str, Any], **_: Any) -> None:
        if broken["on"] and context["client_region"] == "eu-west-1":
            raise EndpointConnectionError(
                endpoint_url="https://sqs.eu-west-1.amazonaws.com"
            )

    session.events.register("before-call", flaky)
    sqs = DynamicService("sqs", regions=REGIONS, session=session)
    first = sqs.list_queues()
    assert first.failed_targets() == [Target("eu-west-1")]
    broken["on"] = False
    retry = sqs.with_targets(first.failed_targets())
    assert (
        type(retry) is DynamicService and retry.clients_created == sqs.clients_created
    )
    again = retry.list_queues().raise_for_errors()
    assert [r.region for r in again] == ["eu-west-1"] and again[0].unwrap()["QueueUrls"]
    follow_up = again[0].client
    assert follow_up is not None and follow_up.meta.region_name == "eu-west-1"


def test_pagination_refuses_bad_input_before_any_request(
    session: boto3.Session,
) -> None:
    sent = count_calls(session)
    sqs = DynamicService("sqs", regions=REGIONS, session=session)
    with pytest.raises(ValueError, match="'GetQueueUrl' cannot be paginated"):
        sqs.paginate("get_queue_url", QueueName="x")
    with pytest.raises(ValueError, match="max_items must be a positive number"):
        sqs.paginate("list_queues", max_items=0)
    with pytest.raises(AttributeError, match="list_queus"):
        sqs.items("list_queus")
    assert sent == []


def test_page_size_fills_a_required_limit_parameter(
    aws: None, session: boto3.Session
) -> None:
    # Cognito's ListUserPools requires MaxResults: page_size is what botocore sends there.
    boto3.client("cognito-idp", region_name="eu-west-1").create_user_pool(PoolName="p1")
    idp = DynamicService(
        "cognito-idp", regions=["eu-west-1", "us-west-2"], session=session
    )
    results = idp.paginate("list_user_pools", page_size=10).raise_for_errors()
    assert [len(r.unwrap()["UserPools"]) for r in results] == [1, 0]
    pools = list(idp.items("list_user_pools", page_size=10))  # checked the same way
    assert [(p.region, p.value["Name"]) for p in pools] == [("eu-west-1", "p1")]
    with pytest.raises(ParamValidationError, match="MaxResults"):
        idp.paginate("list_user_pools")
