"""DynamicService has the typed classes' paginate_/iter_/wait_ attributes, and
call_totals() is a named tuple that still unpacks (moto in process)."""

from __future__ import annotations

import boto3
import pytest

from multiregion import DynamicService

REGIONS = ["us-east-1", "eu-west-1"]


def test_paginate_iter_and_wait_attributes_as_on_the_typed_classes(
    aws: None, session: boto3.Session
) -> None:
    for region in REGIONS:
        boto3.client("sqs", region).create_queue(QueueName=f"q-{region}")
    sqs = DynamicService("sqs", REGIONS, session=session)
    merged = sqs.paginate_list_queues(page_size=1)
    assert merged.values() == sqs.paginate("ListQueues", page_size=1).values()
    assert sorted(item.value.rsplit("/", 1)[1] for item in sqs.iter_list_queues()) == [
        "q-eu-west-1",
        "q-us-east-1",
    ]
    assert {"paginate_list_queues", "iter_list_queues"} <= set(dir(sqs))
    boto3.client("s3", "us-east-1").create_bucket(Bucket="waited-for")
    s3 = DynamicService("s3", ["us-east-1"], session=session)
    assert s3.wait_bucket_exists(Bucket="waited-for", delay=1).succeeded()
    assert "wait_bucket_exists" in dir(s3)


@pytest.mark.parametrize(
    "name, message",
    [
        ("paginate_get_queue_url", "cannot be paginated; call get_queue_url instead"),
        ("iter_lst_queues", "did you mean iter_list_queues"),
        ("wait_queue_exists", "no operation 'wait_queue_exists'"),
    ],
)
def test_attributes_that_do_not_exist_say_what_does(
    aws: None, session: boto3.Session, name: str, message: str
) -> None:
    with pytest.raises(AttributeError, match=message):
        getattr(DynamicService("sqs", REGIONS, session=session), name)


def test_call_totals_is_a_named_tuple_that_unpacks_as_before(
    aws: None, session: boto3.Session
) -> None:
    results = DynamicService("sqs", REGIONS, session=session).list_queues()
    totals = results.call_totals()
    attempts, throttled, waited = totals
    assert (totals.attempts, totals.throttled, totals.rate_limit_wait) == (
        attempts,
        throttled,
        waited,
    )
    assert (
        attempts == 2
        and throttled == 0
        and totals._fields
        == (
            "attempts",
            "throttled",
            "rate_limit_wait",
        )
    )
