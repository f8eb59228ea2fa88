"""What a fan-out returns: every target's result or error, in target order."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from multiregion import (
    DynamicService,
    Target,
    TargetError,
    TargetResult,
    TargetResults,
)
from multiregion_runtime.targets.target import StaticCredentials
from tests.helpers import FAKE_KEY_ID, FAKE_SECRET, THREE

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup


def test_failing_region_keeps_the_others(aws: None, session: boto3.Session) -> None:
    boto3.client("sqs", region_name="eu-west-1").create_queue(QueueName="only-here")
    results = DynamicService("sqs", regions=THREE, session=session).get_queue_url(
        QueueName="only-here"
    )
    ok = results.by_region()["eu-west-1"]
    assert ok.ok and ok.unwrap()["QueueUrl"].endswith("/only-here")
    failed = results.errors()
    assert [r.region for r in failed] == ["us-east-1", "ap-southeast-2"]
    assert all(isinstance(r.error, ClientError) for r in failed)
    assert {r.error_code for r in failed} == {"AWS.SimpleQueueService.NonExistentQueue"}
    assert len(results.values()) == 1
    with pytest.raises(TargetError, match="us-east-1"):
        failed[0].unwrap()
    with pytest.raises(ExceptionGroup) as group:
        results.raise_for_errors()
    members = group.value.exceptions
    assert all(isinstance(m, TargetError) for m in members)
    regions = [m.target.region for m in members if isinstance(m, TargetError)]
    assert regions == ["us-east-1", "ap-southeast-2"]
    assert str(members[0]).startswith("us-east-1: QueueDoesNotExist: An error occurred")


def test_ignored_error_codes_are_kept_as_skipped(
    aws: None, session: boto3.Session
) -> None:
    boto3.client("sqs", region_name="eu-west-1").create_queue(QueueName="only-here")
    sqs = DynamicService(
        "sqs",
        regions=THREE,
        session=session,
        ignore_error_codes=["AWS.SimpleQueueService.NonExistentQueue"],
    )
    results = sqs.get_queue_url(QueueName="only-here")
    assert results.errors() == []
    assert [r.region for r in results.skipped()] == ["us-east-1", "ap-southeast-2"]
    assert all(r.error is not None for r in results.skipped())
    assert results.raise_for_errors() is results
    assert results.summary() == "3 targets: 1 ok, 0 errors, 2 skipped"
    strict = sqs.with_options(ignore_error_codes=[]).get_queue_url(
        QueueName="only-here"
    )
    assert len(strict.errors()) == 2


def test_results_come_in_target_order_not_completion_order(
    aws: None, session: boto3.Session
) -> None:
    finished: list[str] = []
    armed = threading.Event()
    # 0.3 s between finishes, on warm clients (cold ones took longer than that on a
    # busy machine: creating three at once is not in target order)
    delays = {region: 0.9 - 0.3 * i for i, region in enumerate(THREE)}

    def slow(context: dict[str, Any], **_: Any) -> None:
        if armed.is_set():
            time.sleep(delays[context["client_region"]])

    def done(context: dict[str, Any], **_: Any) -> None:
        if armed.is_set():
            finished.append(context["client_region"])

    session.events.register("before-call", slow)  # clients copy them when made
    session.events.register("after-call", done)
    sqs = DynamicService("sqs", regions=THREE, session=session)
    assert len(sqs.list_queues().succeeded()) == len(THREE)  # warm
    armed.set()
    results = sqs.list_queues()
    assert finished == list(reversed(THREE))
    assert [r.region for r in results] == THREE
    assert all(r.elapsed >= delays[r.region] for r in results)


def test_timeout_turns_unfinished_targets_into_errors(
    aws: None, session: boto3.Session
) -> None:
    stick, release = threading.Event(), threading.Event()

    def stuck(context: dict[str, Any], **_: Any) -> None:
        if stick.is_set() and context["client_region"] == "eu-west-1":
            release.wait(10)

    session.events.register("before-call", stuck)  # clients copy it when made
    # Warm first (models and clients, shared through the session): a cold first call
    # can take over a second on a busy machine; only eu-west-1 may miss the deadline.
    warm = DynamicService("sqs", regions=THREE, session=session).list_queues()
    assert len(warm.succeeded()) == len(THREE)
    sqs = DynamicService("sqs", regions=THREE, session=session, timeout=1.0)
    stick.set()
    results = sqs.list_queues()
    still_running = not release.is_set()
    release.set()
    assert still_running  # the call returned while eu-west-1 was still stuck
    assert isinstance(results.by_region()["eu-west-1"].error, TimeoutError)
    assert [r.region for r in results.succeeded()] == [
        "us-east-1",
        "ap-southeast-2",
    ]


def test_results_list_api(aws: None, session: boto3.Session) -> None:
    results: TargetResults[Any] = DynamicService(
        "sqs", regions=THREE, session=session
    ).list_queues()
    assert isinstance(results, list) and len(results) == 3
    assert list(results.by_target()) == [Target(r) for r in THREE]
    assert results.map(lambda v: v["ResponseMetadata"]["HTTPStatusCode"]) == [200] * 3
    assert all(r.elapsed > 0 for r in results)
    with pytest.raises(AttributeError):
        results[0].value = None  # type: ignore[misc]


def test_on_result_reports_each_target_as_it_finishes(
    aws: None, session: boto3.Session
) -> None:
    seen: list[tuple[str, bool]] = []
    sqs = DynamicService("sqs", regions=THREE, session=session)
    boto3.client("sqs", region_name="eu-west-1").create_queue(QueueName="only-here")
    watched = sqs.with_options(on_result=lambda r: seen.append((r.region, r.ok)))
    results = watched.get_queue_url(QueueName="only-here")
    assert sorted(seen) == sorted((r.region, r.ok) for r in results)
    assert ("eu-west-1", True) in seen and ("us-east-1", False) in seen
    with pytest.raises(TypeError, match="on_result must be callable"):
        sqs.with_options(on_result=5)  # type: ignore[arg-type]


def test_a_results_repr_and_errors_hide_its_targets_own_keys() -> None:
    """As its notebook table does: the target's keys and endpoint password, even bare."""
    password = "hunter2-url-password"
    endpoint = f"http://admin:{password}@localhost:4566"
    target = Target(
        "us-east-1",
        endpoint_url=endpoint,
        credentials=StaticCredentials(FAKE_KEY_ID, FAKE_SECRET),
    )
    message = f"bare {FAKE_KEY_ID} {FAKE_SECRET} {password}"
    error = ClientError({"Error": {"Code": "Nope", "Message": message}}, "ListQueues")
    results: TargetResults[Any] = TargetResults([TargetResult(target, error=error)])
    with pytest.raises(TargetError) as unwrapped:
        results[0].unwrap()
    with pytest.raises(ExceptionGroup) as group:
        results.raise_for_errors()
    (in_group,) = group.value.exceptions
    shown = [repr(results), repr(results[0]), str(unwrapped.value), str(in_group)]
    for text in shown:
        assert "bare" in text and "Nope" in text
        for secret in (FAKE_KEY_ID, FAKE_SECRET, password):
            assert secret not in text
