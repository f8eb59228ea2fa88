"""No secret in a repr, an error message or a log line (runtime side; test_secrets.py
walks every output path with planted secrets)."""

from __future__ import annotations

import logging
import sys

import boto3
import pytest

from multiregion import DynamicService, Target, TargetError

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

from tests.helpers import FAKE_KEY_ID, FAKE_SECRET, THREE


def test_no_secret_in_reprs_errors_or_logs(
    aws: None, session: boto3.Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        sqs = DynamicService("sqs", regions=THREE, session=session)
        results = sqs.get_queue_url(QueueName="missing")
        group_text = ""
        try:
            results.raise_for_errors()
        except ExceptionGroup as group:
            group_text = "\n".join(map(str, group.exceptions))
    shown = "\n".join([repr(sqs), repr(results), str(results), group_text, caplog.text])
    shown += "\n".join(repr(t) for t in sqs.targets)
    assert "NonExistentQueue" in shown  # the errors are there...
    assert FAKE_SECRET not in shown  # ...but no secret
    assert FAKE_KEY_ID not in shown


def test_credentials_in_results_are_masked_in_reprs(
    aws: None, session: boto3.Session
) -> None:
    sts = DynamicService("sts", regions=["eu-west-1", "us-west-2"], session=session)
    results = sts.assume_role(
        RoleArn="arn:aws:iam::111111111111:role/Reader", RoleSessionName="masking"
    ).raise_for_errors()
    credentials = results[0].unwrap()["Credentials"]
    assert credentials["SecretAccessKey"] and credentials["SessionToken"]  # data intact
    shown = repr(results) + repr(results[1])
    for secret in ["AccessKeyId", "SecretAccessKey", "SessionToken"]:
        assert str(credentials[secret]) not in shown
        assert f"'{secret}': '****'" in shown
    assert "111111111111" in shown  # the rest of the result is still shown


def test_an_endpoint_password_never_shows_in_names_reprs_or_errors() -> None:
    target = Target(
        "eu-west-1", endpoint_url="http://me:hunter2-secret@127.0.0.1:9", label=None
    )
    error = TargetError(target, ConnectionError("refused"))
    shown = "\n".join([repr(target), str(target), target.name, str(error)])
    assert "hunter2-secret" not in shown
    assert (
        "http://me:****@127.0.0.1:9" in repr(target)
        and "@http://me:****@" in target.name
    )
    assert (
        repr(Target("eu-west-1", profile="dev"))
        == "Target(region='eu-west-1', profile='dev')"
    )
    assert (
        Target("eu-west-1", account_id="111111111111").short_name
        == "111111111111/eu-west-1"
    )


def test_a_targets_own_keys_are_hidden_in_its_error_and_the_errors_it_chains(
    aws: None,
) -> None:
    """Where a key appears bare (no pattern tells it is one), the error a result holds,
    and the cause printed in its traceback, still hide the target's own keys."""
    import traceback

    from multiregion import StaticCredentials

    keys = StaticCredentials(FAKE_KEY_ID, FAKE_SECRET)
    sqs = DynamicService("sqs", targets=[Target(THREE[0], credentials=keys)])

    def fail(**_: object) -> None:
        try:
            raise OSError(f"inner {FAKE_SECRET}")
        except OSError as inner:
            raise RuntimeError(f"outer {FAKE_KEY_ID}") from inner

    sqs.client_for(sqs.targets[0]).meta.events.register("before-send.sqs", fail)
    error = sqs.list_queues()[0].error
    assert isinstance(error, RuntimeError) and "outer" in str(error)
    printed = "".join(traceback.format_exception(error))
    assert "inner" in printed
    assert FAKE_KEY_ID not in printed and FAKE_SECRET not in printed
