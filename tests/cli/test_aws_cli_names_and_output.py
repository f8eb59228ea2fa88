"""The AWS CLI's service names (s3api), its text layout, and the JSON shape as the
help documents it; against moto servers the tests start, or nothing at all."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from multiregion_runtime.cli import main
from multiregion_runtime.cli._output import text_lines
from tests.cli.test_cli import cli
from tests.helpers import moto_in_process

EU, US = "eu-west-1", "us-east-1"
NOWHERE = "http://127.0.0.1:9"  # nothing listens: a usage error must come first


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A moto server with one bucket and two instances in eu-west-1."""
    with moto_in_process() as url:
        seeding = boto3.Session(aws_access_key_id="AKIASEED", aws_secret_access_key="s")
        s3 = seeding.client("s3", US, endpoint_url=url)
        s3.create_bucket(Bucket="the-bucket")
        ec2 = seeding.client("ec2", EU, endpoint_url=url)
        image = ec2.describe_images()["Images"][0]["ImageId"]
        ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2)
        yield url


# -- service names --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["s3api", "s3"])
def test_s3api_is_the_aws_clis_name_for_the_s3_api(server: str, name: str) -> None:
    done = cli(
        name, "list-buckets", "--regions", US, "--query", "Buckets[].Name", url=server
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"region": US, "result": ["the-bucket"]}]


@pytest.mark.parametrize(
    "name, hint",
    [("s3apii", "did you mean 's3api'"), ("deploi", "did you mean 'deploy'")],
)
def test_an_unknown_service_names_close_matches_aliases_included(
    name: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([name, "list-buckets", "--endpoint-url", NOWHERE]) == 2
    assert hint in capsys.readouterr().err


@pytest.mark.parametrize(
    "alias, service", [("deploy", "codedeploy"), ("configservice", "config")]
)
def test_the_other_aws_cli_aliases_name_their_services(
    alias: str, service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([alias, "help"]) == 0
    by_alias = capsys.readouterr().out
    assert main([service, "help"]) == 0
    assert by_alias == capsys.readouterr().out and by_alias


# -- text -----------------------------------------------------------------------------


def test_text_lines_follow_the_aws_clis_layout() -> None:
    # The lines awscli/text.py prints for this value (checked against it).
    value = {
        "Reservations": [
            {
                "ReservationId": "r-1",
                "OwnerId": "123",
                "Instances": [
                    {
                        "InstanceId": "i-1",
                        "State": {"Name": "running", "Code": 16},
                        "Tags": [{"Key": "Name", "Value": "web"}],
                    },
                    {"InstanceId": "i-2", "State": {"Name": "stopped", "Code": 80}},
                ],
            }
        ],
        "NextToken": None,
    }
    assert text_lines(value) == [
        "None",
        "RESERVATIONS\t123\tr-1",
        "INSTANCES\ti-1",
        "STATE\t16\trunning",
        "TAGS\tName\tweb",
        "INSTANCES\ti-2",
        "STATE\t80\tstopped",
    ]
    assert text_lines({"QueueUrls": ["u1", "u2"]}) == ["QUEUEURLS\tu1", "QUEUEURLS\tu2"]
    assert text_lines(["a", "b", ["c"]]) == ["a\tb", "c"]
    assert text_lines([]) == [] and text_lines(False) == ["False"]


def test_text_output_starts_every_line_with_the_target(server: str) -> None:
    done = cli(
        "ec2", "describe-instances", "--regions", EU, US, "--output", "text", url=server
    )
    assert done.returncode == 0, done.stderr
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    ec2 = boto3.client("ec2", EU, endpoint_url=server)
    (reservation,) = ec2.describe_instances()["Reservations"]
    assert [
        EU,
        "RESERVATIONS",
        reservation["OwnerId"],
        reservation["ReservationId"],
    ] in lines
    instances = [line for line in lines if line[1] == "INSTANCES"]
    assert {line[0] for line in instances} == {EU}  # us-east-1 has none
    ids = {i["InstanceId"] for i in reservation["Instances"]}
    assert {field for line in instances for field in line} >= ids
    assert all(line[0] in (EU, US) for line in lines)


def test_flatten_is_refused_with_text_which_prints_a_line_per_element() -> None:
    done = cli(
        "ec2", "describe-instances", "--regions", EU, "--output", "text",
        "--flatten", "Instances", url=NOWHERE,
    )  # fmt: skip
    assert (
        done.returncode == 2 and "text already prints a line per element" in done.stderr
    )


# -- the JSON shape -------------------------------------------------------------------


def test_the_help_shows_the_json_shape_and_how_jq_reads_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert '[{"region": ..., "result": {...}}]' in help_text
    assert "jq '.[].result.Reservations'" in help_text
