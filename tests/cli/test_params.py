"""Command-line parsing in process: shorthand, JSON, types, and help that loads one model."""

from __future__ import annotations

from typing import Any

import botocore.loaders
import botocore.session
import pytest

from multiregion_runtime.cli import main
from multiregion_runtime.cli._args import UsageError, split_command_line
from multiregion_runtime.cli._params import build_params, parse_shorthand


def params(service: str, operation: str, *argv: str) -> dict[str, Any]:
    model = botocore.session.get_session().get_service_model(service)
    # As typed: the service and operation first (parameters then take every word).
    line = split_command_line([service, botocore.xform_name(operation, "-"), *argv])
    return build_params(
        model.operation_model(operation),
        line.params,
        line.value("--cli-input-json"),
        [],
    )


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("Name=x,Values=a,b", {"Name": "x", "Values": ["a", "b"]}),
        ("Values=a,b,Name=x", {"Values": ["a", "b"], "Name": "x"}),
        ("Key=[a,b],Other={Inner=v,List=[1,2]}", {"Key": ["a", "b"], "Other": {"Inner": "v", "List": ["1", "2"]}}),
        ("Name='a,b',Values=\"x=y\"", {"Name": "a,b", "Values": "x=y"}),
        ("A=[{K=1},{K=2}]", {"A": [{"K": "1"}, {"K": "2"}]}),
    ],
)  # fmt: skip
def test_shorthand(text: str, parsed: Any) -> None:
    assert parse_shorthand(text, "--x") == parsed


@pytest.mark.parametrize("text", ["Name", "Name=x,", "A={B=1", "A='x"])
def test_bad_shorthand_names_the_option_and_position(text: str) -> None:
    with pytest.raises(UsageError, match=r"--x: .* at character \d+"):
        parse_shorthand(text, "--x")


def test_values_take_the_types_of_their_shapes() -> None:
    got = params(
        "ec2", "DescribeSecurityGroups",
        "--filters", "Name=group-name,Values=a,b", "Name=vpc-id,Values=v",
        "--max-results", "10", "--dry-run", "--group-ids", "sg-1", "sg-2",
    )  # fmt: skip
    assert got == {
        "Filters": [
            {"Name": "group-name", "Values": ["a", "b"]},
            {"Name": "vpc-id", "Values": ["v"]},
        ],
        "MaxResults": 10,
        "DryRun": True,
        "GroupIds": ["sg-1", "sg-2"],
    }
    # As in the AWS CLI, a list's words are its items: a comma is not a separator.
    assert params("ec2", "DescribeSecurityGroups", "--group-ids", "sg-1,sg-2") == {
        "GroupIds": ["sg-1,sg-2"]
    }
    assert params("ec2", "DescribeSecurityGroups", "--no-dry-run") == {"DryRun": False}
    assert params("ec2", "DescribeSecurityGroups", "--dry-run", "false") == {
        "DryRun": False
    }


def test_cli_input_json_is_merged_under_explicit_options() -> None:
    got = params(
        "sqs", "CreateQueue",
        "--cli-input-json", '{"QueueName": "from-json", "Attributes": {"DelaySeconds": "1"}}',
        "--queue-name", "from-option",
    )  # fmt: skip
    assert got == {"QueueName": "from-option", "Attributes": {"DelaySeconds": "1"}}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--max-results", "1", "2"], "--max-results takes one value (integer), got 2"),
        (["--filters", "Nme=x"], "unknown key 'Nme'; did you mean 'Name'?"),
        (["--filters", "[1"], "--filters: invalid JSON"),
        (["--dry-run", "maybe"], "expected true or false, got 'maybe'"),
        (["--cli-input-json", '{"Filter": []}'], "unknown key 'Filter'; did you mean 'Filters'?"),
        (["--group-ids", "file:///nonexistent/ids"], "cannot read file:///nonexistent/ids"),
    ],
)  # fmt: skip
def test_bad_values_name_the_option(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        params("ec2", "DescribeSecurityGroups", *argv)
    assert message in str(caught.value)


def test_regions_stop_at_the_service_name() -> None:
    line = split_command_line(["--regions", "eu-west-1", "us-*", "sqs", "list-queues"])
    assert line.words == ["sqs", "list-queues"]
    assert line.values("--regions") == ["eu-west-1", "us-*"]


def test_help_loads_only_the_model_asked_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded: list[str] = []
    original = botocore.loaders.Loader.load_service_model

    def record(self: Any, service_name: str, *args: Any, **kw: Any) -> Any:
        loaded.append(service_name)
        return original(self, service_name, *args, **kw)

    monkeypatch.setattr(botocore.loaders.Loader, "load_service_model", record)
    assert main(["help"]) == 0
    assert loaded == [] and "sqs" in capsys.readouterr().out
    assert main(["sqs", "list-queues", "help"]) == 0
    assert set(loaded) == {"sqs"}
