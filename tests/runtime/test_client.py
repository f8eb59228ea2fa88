"""MultiRegionClient and DynamicService against moto: calls, clients, endpoints, bad input."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ParamValidationError

from multiregion import DynamicService, Target
from multiregion.sqs import MultiRegionSQS
from tests.helpers import THREE, count_calls


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


def test_endpoint_url_sends_every_region_there_as_boto3_does(
    moto_server: str, session: boto3.Session
) -> None:
    boto3.client("sqs", region_name="eu-west-1", endpoint_url=moto_server).create_queue(
        QueueName="here"
    )
    sqs = MultiRegionSQS(
        regions=["eu-west-1", "us-west-2"], endpoint_url=moto_server, session=session
    )
    assert {t.endpoint_url for t in sqs.targets} == {moto_server}
    by_region = sqs.list_queues().by_region()
    assert by_region["eu-west-1"].unwrap()["QueueUrls"][0].endswith("/here")
    assert "QueueUrls" not in by_region["us-west-2"].unwrap()
    planned = DynamicService(
        "sqs", targets=[Target("eu-west-1")], endpoint_url=moto_server, session=session
    )
    assert planned.targets == (Target("eu-west-1", endpoint_url=moto_server),)
    with pytest.raises(ValueError, match="endpoint_url.*'ftp://x'"):
        MultiRegionSQS(regions=["eu-west-1"], endpoint_url="ftp://x")
