"""The README's example works as written (against moto, with fake credentials)."""

from __future__ import annotations

import re

import boto3
import pytest

from tests.helpers import ROOT

README = ROOT / "README.md"


def readme_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README has no python example"
    return str(blocks[0])


def test_readme_example_runs(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    for region in ["us-east-1", "ap-southeast-2"]:
        boto3.client("sqs", region_name=region).create_queue(
            QueueName=f"orders-{region}"
        )
    exec(compile(readme_example(), "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0].startswith("us-east-1 ['https://") and "orders-us-east-1" in lines[0]
    )
    assert lines[1] == "eu-west-1 []"
    assert "orders-ap-southeast-2" in lines[2]
