"""The README's "Results as data" example works as written, against moto: two
accounts reached through an assumed role, instances running and stopped."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import pytest

from tests.helpers import ROOT

README = ROOT / "README.md"
RUNNING = {
    ("111111111111", "us-east-1"): 2,
    ("111111111111", "eu-west-1"): 1,
    ("222222222222", "eu-west-1"): 3,
}


def data_example() -> str:
    section = README.read_text().split("## Results as data", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, "the Results as data section has no python example"
    return str(blocks[0])


def _run_instances(account: str, region: str, running: int) -> None:
    role = f"arn:aws:iam::{account}:role/InventoryReader"
    keys = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="seed")
    credentials = keys["Credentials"]
    ec2 = boto3.client(
        "ec2",
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=running, MaxCount=running)
    stopped = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
    ec2.stop_instances(InstanceIds=[stopped["Instances"][0]["InstanceId"]])


def test_readme_data_example_runs(
    aws: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for (account, region), running in RUNNING.items():
        _run_instances(account, region, running)
    monkeypatch.chdir(tmp_path)  # the example writes inventory.duckdb where it runs
    namespace: dict[str, object] = {}
    exec(compile(data_example(), "README.md", "exec"), namespace)
    assert namespace["running"] == sorted(
        (account, region, n) for (account, region), n in RUNNING.items()
    )
    assert (tmp_path / "inventory.duckdb").exists()
    assert str(namespace["running"]) in capsys.readouterr().out
