"""Which regions a call goes to: endpoint data, patterns, global services."""

from __future__ import annotations

import logging

import boto3
import pytest

from multiregion import DynamicService, Target
from tests.helpers import THREE, count_calls


def test_queue_is_listed_only_in_its_own_region(
    aws: None, session: boto3.Session
) -> None:
    for region in THREE:
        boto3.client("sqs", region_name=region).create_queue(
            QueueName=f"queue-{region}"
        )
    results = DynamicService("sqs", regions=THREE, session=session).list_queues()
    assert [r.region for r in results] == THREE
    for result in results:
        assert result.ok, result
        urls = result.unwrap()["QueueUrls"]
        assert len(urls) == 1 and urls[0].endswith(f"/queue-{result.region}")
        assert result.region in urls[0]


def test_all_regions_is_the_endpoint_data_of_the_service(
    session: boto3.Session,
) -> None:
    sqs = DynamicService("sqs", session=session)
    assert sqs.regions_source == "endpoints"
    assert sqs.regions == sorted(session.get_available_regions("sqs"))
    assert DynamicService("sqs", "all", session=session).regions == sqs.regions
    sdb = DynamicService("sdb", session=session)
    assert set(sdb.regions) == set(session.get_available_regions("sdb"))
    assert len(sdb.regions) < len(sqs.regions)


def test_service_missing_from_endpoint_data_uses_partition_regions_visibly(
    session: boto3.Session, caplog: pytest.LogCaptureFixture
) -> None:
    assert session.get_available_regions("bedrock-runtime") == []
    with caplog.at_level(logging.DEBUG, logger="multiregion"):
        brt = DynamicService("bedrock-runtime", session=session)
    assert brt.regions_source == "partition"
    assert "us-east-1" in brt.regions and len(brt.regions) >= 30
    assert "all" in caplog.text and "bedrock" in caplog.text


def test_patterns_select_regions(session: boto3.Session) -> None:
    eu = DynamicService("sqs", regions="eu-*", session=session).regions
    assert eu and all(r.startswith("eu-") for r in eu)
    assert "eu-west-1" in eu


def test_global_service_is_called_once(aws: None, session: boto3.Session) -> None:
    sent = count_calls(session)
    iam = DynamicService("iam", regions=THREE, session=session)
    assert iam.regions_source == "global" and iam.regions == ["aws-global"]
    boto3.client("iam").create_user(UserName="alice")
    results = iam.list_users()
    assert len(results) == 1 and results[0].region == "aws-global"
    assert [u["UserName"] for u in results[0].unwrap()["Users"]] == ["alice"]
    assert sent == ["aws-global"]
    by_targets = DynamicService(
        "iam", targets=[Target("us-east-1"), Target("eu-west-1")], session=session
    )
    assert by_targets.targets == (Target("aws-global"),)
