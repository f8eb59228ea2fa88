"""What the documentation's examples find in moto: queues, log groups, instances...

An example names its setup with ``<!-- setup: NAME -->`` (see ``docs_examples``).
Each setup creates its resources at ``endpoint`` (a moto server) with boto3 alone,
never through multiregion, so an example cannot pass because of the code it shows.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from typing import Any

import boto3

#: The fake keys every setup signs with (moto accepts any).
_KEYS = {
    "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key": "docs-example-secret-not-real",
}
#: The accounts the multi-account examples name.
ACCOUNTS = ("111111111111", "222222222222")


def reset(endpoint: str) -> None:
    """Forget every resource the moto server holds."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


def _client(
    service: str, region: str, endpoint: str, keys: dict[str, str] | None = None
) -> Any:
    chosen = keys or _KEYS
    session = boto3.Session(
        aws_access_key_id=chosen["aws_access_key_id"],
        aws_secret_access_key=chosen["aws_secret_access_key"],
        aws_session_token=chosen.get("aws_session_token"),
    )
    client: Any = session.client(service, region_name=region, endpoint_url=endpoint)  # type: ignore[call-overload]
    return client


def _assumed(account: str, role: str, endpoint: str) -> dict[str, str]:
    """Keys of ``role`` in ``account``: moto files what they create under it."""
    sts = _client("sts", "us-east-1", endpoint)
    arn = f"arn:aws:iam::{account}:role/{role}"
    keys = sts.assume_role(RoleArn=arn, RoleSessionName="docs")["Credentials"]
    return {
        "aws_access_key_id": keys["AccessKeyId"],
        "aws_secret_access_key": keys["SecretAccessKey"],
        "aws_session_token": keys["SessionToken"],
    }


def orders_queues(endpoint: str) -> None:
    """A queue named orders-<region> in us-east-1 and ap-southeast-2 (not eu-west-1)."""
    for region in ("us-east-1", "ap-southeast-2"):
        _client("sqs", region, endpoint).create_queue(QueueName=f"orders-{region}")


def log_groups(endpoint: str) -> None:
    """150 log groups in eu-west-1 and 40 in us-east-1: more than one page each."""
    for region, count in (("eu-west-1", 150), ("us-east-1", 40)):
        logs = _client("logs", region, endpoint)
        for n in range(count):
            logs.create_log_group(logGroupName=f"/app/{region}/service-{n:03}")


def instances(endpoint: str) -> None:
    """Instances in two accounts (reached through the role InventoryReader):
    running 2 + 1 stopped in 111111111111/us-east-1, 1 + 1 in 111111111111/eu-west-1,
    3 + 1 in 222222222222/eu-west-1."""
    running = {
        ("111111111111", "us-east-1"): 2,
        ("111111111111", "eu-west-1"): 1,
        ("222222222222", "eu-west-1"): 3,
    }
    for (account, region), count in running.items():
        keys = _assumed(account, "InventoryReader", endpoint)
        _run_instances(_client("ec2", region, endpoint, keys), count)


def own_instances(endpoint: str) -> None:
    """One running t3.micro instance in eu-west-1 and one in eu-central-1, in the
    caller's own account."""
    for region in ("eu-west-1", "eu-central-1"):
        ec2 = _client("ec2", region, endpoint)
        image = ec2.describe_images()["Images"][0]["ImageId"]
        ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro"
        )


def _run_instances(ec2: Any, running: int) -> None:
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=running, MaxCount=running)
    stopped = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
    ec2.stop_instances(InstanceIds=[stopped["Instances"][0]["InstanceId"]])


SETUPS: dict[str, Callable[[str], None]] = {
    "orders_queues": orders_queues,
    "log_groups": log_groups,
    "instances": instances,
    "own_instances": own_instances,
}


def run(name: str, endpoint: str) -> None:
    if name not in SETUPS:
        raise KeyError(f"no setup {name!r}; known: {', '.join(SETUPS)}")
    SETUPS[name](endpoint)
