"""Shorthand parsed as AWS CLI v2 parses it, and typed by the model as it types it.

GUIDE holds the shorthand examples of the AWS CLI user guide (its shorthand and
parameter-type pages) and the cases of issue 25, each with the parameters the AWS CLI
sends for it (read off awscli's own parser and BackCompatVisitor). Every other input
either gives what the AWS CLI gives or is a usage error: exit 2, nothing sent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest

from multiregion_runtime.cli import main
from multiregion_runtime.cli._args import UsageError, split_command_line
from multiregion_runtime.cli._params import build_params, parse_shorthand
from tests.cli.test_cli import cli
from tests.helpers import moto_in_process

NOWHERE = "http://127.0.0.1:9"  # nothing listens: a usage error must come first


def params(service: str, operation: str, *argv: str) -> dict[str, Any]:
    model = botocore.session.get_session().get_service_model(service)
    line = split_command_line([service, botocore.xform_name(operation, "-"), *argv])
    return build_params(model.operation_model(operation), line.params, None, [])


GUIDE = [
    # The user guide's shorthand page.
    (
        ("dynamodb", "UpdateTable", "--table-name", "MyDDBTable",
         "--provisioned-throughput", "ReadCapacityUnits=15,WriteCapacityUnits=10"),
        {"TableName": "MyDDBTable",
         "ProvisionedThroughput": {"ReadCapacityUnits": 15, "WriteCapacityUnits": 10}},
    ),
    (
        ("ec2", "StopInstances", "--instance-ids", "i-1234567890abcdef0",
         "i-1234567890abcdef1"),
        {"InstanceIds": ["i-1234567890abcdef0", "i-1234567890abcdef1"]},
    ),
    (
        ("ec2", "CreateTags", "--resources", "i-1234567890abcdef0", "--tags",
         "Key=My1stTag,Value=Value1", "Key=My2ndTag,Value=Value2",
         "Key=My3rdTag,Value=Value3"),
        {"Resources": ["i-1234567890abcdef0"],
         "Tags": [{"Key": "My1stTag", "Value": "Value1"},
                  {"Key": "My2ndTag", "Value": "Value2"},
                  {"Key": "My3rdTag", "Value": "Value3"}]},
    ),
    (
        ("rolesanywhere", "CreateTrustAnchor", "--name", "TrustAnchor", "--source",
         'sourceData={x509CertificateData@=file://root-ca.crt},'
         'sourceType="CERTIFICATE_BUNDLE"'),
        {"name": "TrustAnchor",
         "source": {"sourceData": {"x509CertificateData": "-----BEGIN CERT-----\n"},
                    "sourceType": "CERTIFICATE_BUNDLE"}},
    ),
    # The parameter-type and filtering pages.
    (
        ("ec2", "DescribeInstances", "--filters", "Name=instance-type,Values=t2.micro,m1.small"),
        {"Filters": [{"Name": "instance-type", "Values": ["t2.micro", "m1.small"]}]},
    ),
    (
        ("ec2", "DescribeInstances", "--filters", "Name=tag:Name,Values=my-instance"),
        {"Filters": [{"Name": "tag:Name", "Values": ["my-instance"]}]},
    ),
    (
        ("sqs", "CreateQueue", "--queue-name", "q", "--attributes",
         "DelaySeconds=10,VisibilityTimeout=60"),
        {"QueueName": "q", "Attributes": {"DelaySeconds": "10", "VisibilityTimeout": "60"}},
    ),
    (
        ("ec2", "RunInstances", "--image-id", "ami-1", "--min-count", "1", "--max-count",
         "1", "--block-device-mappings",
         "DeviceName=/dev/sdb,Ebs={VolumeSize=20,DeleteOnTermination=false,VolumeType=standard}"),
        {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1,
         "BlockDeviceMappings": [{"DeviceName": "/dev/sdb", "Ebs": {
             "VolumeSize": 20, "DeleteOnTermination": False, "VolumeType": "standard"}}]},
    ),
    # Issue 25's cases: whitespace, escapes, lists of structures with spaces, the
    # special forms of the AWS CLI.
    (
        ("ec2", "DescribeInstances", "--filters", "Name = instance-id, Values = i-1,i-2"),
        {"Filters": [{"Name": "instance-id", "Values": ["i-1", "i-2"]}]},
    ),
    (
        ("ec2", "DescribeInstances", "--filters", "Name=instance-id,Values=[ a , b ]"),
        {"Filters": [{"Name": "instance-id", "Values": ["a", "b"]}]},
    ),
    (
        ("ec2", "DescribeInstances", "--filters", "Name=tag:Name,\n  Values=web"),
        {"Filters": [{"Name": "tag:Name", "Values": ["web"]}]},
    ),
    (
        ("cloudformation", "CreateStack", "--stack-name", "s", "--parameters",
         r"ParameterKey=Subnets,ParameterValue=foo\,bar"),
        {"StackName": "s",
         "Parameters": [{"ParameterKey": "Subnets", "ParameterValue": "foo,bar"}]},
    ),
    (
        ("ec2", "DescribeInstances", "--filters", r"""Name=tag:Name,Values='it\'s',"a,b" """),
        {"Filters": [{"Name": "tag:Name", "Values": ["it's", "a,b"]}]},
    ),
    (
        ("ec2", "RunInstances", "--image-id", "ami-1", "--min-count", "1", "--max-count",
         "1", "--tag-specifications",
         "ResourceType=instance,Tags=[{Key=a,Value=b}, {Key=c,Value=d}]"),
        {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1,
         "TagSpecifications": [{"ResourceType": "instance", "Tags": [
             {"Key": "a", "Value": "b"}, {"Key": "c", "Value": "d"}]}]},
    ),
    (
        ("elb", "RegisterInstancesWithLoadBalancer", "--load-balancer-name", "lb",
         "--instances", "i-1", "i-2"),
        {"LoadBalancerName": "lb",
         "Instances": [{"InstanceId": "i-1"}, {"InstanceId": "i-2"}]},
    ),
    (
        ("ec2", "ModifyInstanceAttribute", "--instance-id", "i-1",
         "--instance-initiated-shutdown-behavior", "stop"),
        {"InstanceId": "i-1", "InstanceInitiatedShutdownBehavior": {"Value": "stop"}},
    ),
    (
        ("lambda", "CreateFunction", "--function-name", "f", "--role", "r", "--code",
         "ZipFile@=fileb://code.zip"),
        {"FunctionName": "f", "Role": "r", "Code": {"ZipFile": b"PK\x03\x04"}},
    ),
]  # fmt: skip


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The files the guide's @= examples read, in the current folder."""
    (tmp_path / "root-ca.crt").write_text("-----BEGIN CERT-----\n")
    (tmp_path / "code.zip").write_bytes(b"PK\x03\x04")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("argv, expected", GUIDE)
def test_the_guides_examples_give_what_the_aws_cli_sends(
    argv: tuple[str, ...], expected: dict[str, Any], files: Path
) -> None:
    assert params(*argv) == expected


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("a=b,c", {"a": ["b", "c"]}),
        ("a=b,c,d=e", {"a": ["b", "c"], "d": "e"}),
        ("a=,b=c", {"a": "", "b": "c"}),
        ("a=", {"a": ""}),
        ("a=b c=d", {"a": "b c=d"}),  # a space does not separate pairs
        ("a=[]", {"a": []}),
        ("a={b=[c, {d=e}]}", {"a": {"b": ["c", {"d": "e"}]}}),
        ("a=x\\y", {"a": "x\\y"}),  # only \, is an escape outside quotes
        ("a='x\\\\y'", {"a": "x\\y"}),
        ("a='x\\'", {"a": "x\\"}),  # no bare closing quote: the last \' closes
        ("a=]", {"a": "]"}),
        ("a=é,ü", {"a": ["é", "ü"]}),
        ("a.b-c_d#e/f:g=1", {"a.b-c_d#e/f:g": "1"}),
        ("a @= x", {"a": "x"}),  # @= reads only file:// and fileb://
    ],
)
def test_grammar_corners_as_the_aws_cli_reads_them(text: str, parsed: Any) -> None:
    assert parse_shorthand(text, "--x") == parsed


@pytest.mark.parametrize(
    "text, why, at",
    [
        ("Name=a,Name=b", "key 'Name' given twice", 8),
        ("a={b=1,b=2}", "key 'b' given twice", 8),  # the AWS CLI keeps the last here
        ("Name==a", "expected ','", 6),
        ('"Name"=a', "a key cannot be quoted", 1),
        ("Na'me=a", "expected '='", 3),
        ("Name=a,", "expected a value after ','", 8),
        ("a=[b", "expected ','", 5),
        ("a={b=c", "expected ','", 7),
        ("a='b", "missing closing '", 3),
        (" a=b", "expected '='", 2),  # the AWS CLI does not trim the start either
        ("a=[b] ", "expected ','", 7),
        ("a@=file:///nonexistent/f", "cannot read file:///nonexistent/f", 4),
    ],
)
def test_bad_shorthand_is_one_line_with_the_position(
    text: str, why: str, at: int
) -> None:
    with pytest.raises(UsageError) as caught:
        parse_shorthand(text, "--x")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"--x: {why}")
    assert f" at character {at} of " in message


@pytest.mark.parametrize(
    "argv, why",
    [
        (("--filters", "Name=a,Name=b"), "key 'Name' given twice"),
        (("--filters", "Name==instance-id"), "expected ','"),
        (("--filters", "Name=x,Values=@"), None),  # parses: '@' is a value
        (("--filters", "Nme=x"), "unknown key 'Nme'"),
        (("--filters", "Name@=file:///nonexistent/f"), "cannot read"),
        (("--max-results", "fileb:///dev/null"), "fileb:// gives bytes"),
        (("--instance-ids", "file:///dev/null"), "must hold a JSON list"),
    ],
)
def test_usage_errors_exit_2_and_send_nothing(
    argv: tuple[str, ...], why: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ec2", "describe-instances", "--regions", "us-east-1",
                 "--endpoint-url", NOWHERE, *argv])  # fmt: skip
    err = capsys.readouterr().err
    if why is None:  # reached the network: nothing listens there, so it failed
        assert code == 1, err
        return
    assert code == 2, err
    assert err.startswith(f"multiregion: error: {argv[0]}")
    assert why in err.splitlines()[0]
    assert "targets" not in err  # no summary: nothing ran


def test_a_filter_written_with_spaces_finds_the_instance() -> None:
    with moto_in_process() as url:
        ec2 = boto3.client("ec2", "us-east-1", endpoint_url=url)
        image = ec2.describe_images()["Images"][0]["ImageId"]
        made = ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2)["Instances"]
        wanted = made[0]["InstanceId"]
        done = cli(
            "ec2", "describe-instances", "--regions", "us-east-1",
            "--filters", f"Name = instance-id, Values = {wanted}",
            "--query", "Reservations[].Instances[].InstanceId", url=url,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"region": "us-east-1", "result": [wanted]}]
