"""The runtime against moto: regions, fan-out, results, errors and bad input."""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError

from multiregion import DynamicService, Target, TargetError, TargetResults

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

from tests.helpers import FAKE_KEY_ID, FAKE_SECRET, count_calls

THREE = ["us-east-1", "eu-west-1", "ap-southeast-2"]


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


def test_ec2_security_groups_through_dynamic_service(
    aws: None, session: boto3.Session
) -> None:
    for region in THREE[:2]:
        boto3.client("ec2", region_name=region).create_security_group(
            GroupName=f"sg-{region}", Description="demo"
        )
    results = DynamicService(
        "ec2", regions=THREE, session=session
    ).describe_security_groups()
    names = {
        r.region: {g["GroupName"] for g in r.unwrap()["SecurityGroups"]}
        for r in results
    }
    assert (
        f"sg-{THREE[0]}" in names[THREE[0]] and f"sg-{THREE[0]}" not in names[THREE[1]]
    )
    assert f"sg-{THREE[1]}" in names[THREE[1]]
    assert not any(n.startswith("sg-") for n in names[THREE[2]])


def test_simpledb_session_across_regions(aws: None, session: boto3.Session) -> None:
    # moto serves SimpleDB only at regional hostnames; botocore sends us-east-1 to
    # sdb.amazonaws.com, which moto does not route, so that region is left out here.
    regions = ["eu-west-1", "us-west-2", "ap-southeast-1"]
    sdb = DynamicService("sdb", regions=regions, session=session)
    sdb.create_domain(DomainName="cities").raise_for_errors()
    assert all(r.unwrap()["DomainNames"] == ["cities"] for r in sdb.list_domains())
    sdb.put_attributes(
        DomainName="cities",
        ItemName="home",
        Attributes=[{"Name": "name", "Value": "x", "Replace": True}],
    ).raise_for_errors()
    got = sdb.get_attributes(DomainName="cities", ItemName="home").raise_for_errors()
    assert [r.unwrap()["Attributes"] for r in got] == [
        [{"Name": "name", "Value": "x"}]
    ] * 3
    sdb.delete_domain(DomainName="cities").raise_for_errors()
    assert all("DomainNames" not in r.unwrap() for r in sdb.list_domains())


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


def test_bad_params_raise_one_error_and_send_nothing(
    aws: None, session: boto3.Session
) -> None:
    sent = count_calls(session)
    sqs = DynamicService("sqs", regions=THREE, session=session)
    with pytest.raises(ParamValidationError) as error:
        sqs.create_queue(QueueNam="x", Attributes={"DelaySeconds": 5})
    text = str(error.value)
    assert "QueueNam" in text and "QueueName" in text and "DelaySeconds" in text
    with pytest.raises(ParamValidationError, match='Unknown parameter in input: "X"'):
        DynamicService(
            "sts", regions=["us-east-1"], session=session
        ).get_caller_identity(X=1)
    assert sent == []


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


def test_results_come_in_target_order_not_completion_order(
    aws: None, session: boto3.Session
) -> None:
    finished: list[str] = []
    # 0.3 s between finishes: wider than moto's cold first request on a busy machine
    delays = {region: 0.9 - 0.3 * i for i, region in enumerate(THREE)}

    def slow(context: dict[str, Any], **_: Any) -> None:
        time.sleep(delays[context["client_region"]])

    def done(context: dict[str, Any], **_: Any) -> None:
        finished.append(context["client_region"])

    session.events.register("before-call", slow)
    session.events.register("after-call", done)
    results = DynamicService("sqs", regions=THREE, session=session).list_queues()
    assert finished == list(reversed(THREE))
    assert [r.region for r in results] == THREE
    assert all(r.elapsed >= delays[r.region] for r in results)


def test_timeout_turns_unfinished_targets_into_errors(
    aws: None, session: boto3.Session
) -> None:
    release = threading.Event()

    def stuck(context: dict[str, Any], **_: Any) -> None:
        if context["client_region"] == "eu-west-1":
            release.wait(10)

    session.events.register("before-call", stuck)
    sqs = DynamicService("sqs", regions=THREE, session=session, timeout=0.5)
    results = sqs.list_queues()
    still_running = not release.is_set()
    release.set()
    assert still_running  # the call returned while eu-west-1 was still stuck
    assert isinstance(results.by_region()["eu-west-1"].error, TimeoutError)
    assert [r.region for r in results.values() and results.succeeded()] == [
        "us-east-1",
        "ap-southeast-2",
    ]


def test_clients_are_created_once_and_reused(aws: None, session: boto3.Session) -> None:
    sqs = DynamicService("sqs", regions=THREE, session=session)
    sqs.list_queues()
    assert sqs.clients_created == 3
    sqs.list_queues()
    sqs.with_options(timeout=5).list_queues()
    assert sqs.clients_created == 3
    assert sqs.client_for(Target("eu-west-1")).meta.region_name == "eu-west-1"


def test_custom_endpoints_on_a_moto_server(
    moto_server: str, session: boto3.Session
) -> None:
    targets = [
        Target("eu-west-1", endpoint_url=moto_server),
        Target("us-west-2", moto_server),
    ]
    boto3.client("sqs", region_name="eu-west-1", endpoint_url=moto_server).create_queue(
        QueueName="served"
    )
    results = DynamicService("sqs", targets=targets, session=session).list_queues()
    assert results.by_region()["eu-west-1"].unwrap()["QueueUrls"][0].endswith("/served")
    assert "QueueUrls" not in results.by_region()["us-west-2"].unwrap()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"regions": ["eu-wset-1"]},
            ValueError,
            "unknown region 'eu-wset-1'.*'eu-west-1'",
        ),
        ({"regions": []}, ValueError, "regions is empty"),
        ({"regions": ["cn-north-1"]}, ValueError, "partition 'aws-cn'"),
        ({"regions": ["xx-*"]}, ValueError, "pattern 'xx-\\*' matches none"),
        ({"regions": 5}, TypeError, "regions must be"),
        (
            {"regions": ["eu-west-1"], "targets": [Target("eu-west-1")]},
            ValueError,
            "not both",
        ),
        ({"targets": []}, ValueError, "targets is empty"),
        ({"targets": [Target("eu-wset-1")]}, ValueError, "unknown region 'eu-wset-1'"),
        ({"targets": ["eu-west-1"]}, TypeError, "Target objects"),
        (
            {"timeout": 0},
            ValueError,
            "timeout must be a finite number of seconds above 0.*0",
        ),
        ({"max_workers": 0}, ValueError, "max_workers must be a positive integer.*0"),
        ({"ignore_error_codes": "Throttling"}, TypeError, "ignore_error_codes"),
        (
            {"config": {"retries": 3}},
            TypeError,
            "config must be a botocore.config.Config",
        ),
    ],
)
def test_bad_input_is_refused_before_any_request(
    session: boto3.Session, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    sent = count_calls(session)
    with pytest.raises(error, match=message):
        DynamicService("sqs", session=session, **kwargs)
    assert sent == []


def test_unknown_service_and_operation_suggest_close_names(
    session: boto3.Session,
) -> None:
    with pytest.raises(ValueError, match="unknown service 'sqq'.*'sqs'"):
        DynamicService("sqq", session=session)
    sqs = DynamicService("sqs", regions=["eu-west-1"], session=session)
    with pytest.raises(AttributeError, match="no operation 'list_queus'.*list_queues"):
        sqs.list_queus  # noqa: B018 - the attribute access is what raises
    assert "list_queues" in dir(sqs)


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


def test_close_releases_clients_and_later_calls_make_new_ones(
    aws: None, session: boto3.Session
) -> None:
    with DynamicService("sqs", regions=THREE, session=session) as sqs:
        sqs.list_queues()
        first = sqs.client_for(Target("eu-west-1"))
        sqs.close()
        assert sqs.clients_created == 3
        sqs.list_queues().raise_for_errors()
        assert sqs.clients_created == 6
        assert sqs.client_for(Target("eu-west-1")) is not first


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


def test_an_older_botocore_than_the_generated_code_gives_a_clear_error(
    session: boto3.Session,
) -> None:
    import botocore

    from multiregion import BotocoreTooOldError
    from multiregion.sqs import MultiRegionSQS

    sqs = MultiRegionSQS(regions=["eu-west-1"], session=session)
    generated_from = sqs._generated_from
    assert generated_from is not None
    # As if the generated code knew an operation this botocore lacks:
    with pytest.raises(BotocoreTooOldError) as error:
        sqs._call("ListQueuesFromTheFuture", {})
    message = str(error.value)
    assert f"installed botocore {botocore.__version__}" in message
    assert f"generated from botocore {generated_from}" in message
    assert "'ListQueuesFromTheFuture'" in message

    class MultiRegionFuture(MultiRegionSQS):
        _service_name = "future-service"
        _generated_from = "9.0.0"

    with pytest.raises(BotocoreTooOldError, match="no service 'future-service'.*9.0.0"):
        MultiRegionFuture(regions=["eu-west-1"], session=session)


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
