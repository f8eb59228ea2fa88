"""examples/everywhere.py against moto: the jobs users come for, typed end to end."""

from __future__ import annotations

import boto3

from examples import everywhere
from multiregion import bucket_region
from multiregion.ec2 import MultiRegionEC2
from multiregion.s3 import MultiRegionS3
from multiregion.sqs import MultiRegionSQS

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def run_instances(region: str, count: int) -> list[str]:
    ec2 = boto3.client("ec2", region_name=region)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    started = ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count)
    return [i["InstanceId"] for i in started["Instances"]]


def test_running_instances_everywhere_then_stopped_in_place(
    aws: None, session: boto3.Session
) -> None:
    east, west = run_instances("us-east-1", 2), run_instances("eu-west-1", 1)
    ec2 = MultiRegionEC2(regions=REGIONS, session=session)
    found = everywhere.running_instances(ec2)
    assert sorted(found) == sorted(
        [("us-east-1", i) for i in east] + [("eu-west-1", west[0])]
    )
    assert sorted(everywhere.stop_running_instances(ec2)) == sorted(east + west)
    assert everywhere.running_instances(ec2) == []


def test_every_queue_everywhere(aws: None, session: boto3.Session) -> None:
    for region in REGIONS[1:]:
        boto3.client("sqs", region_name=region).create_queue(QueueName=f"jobs-{region}")
    queues = everywhere.every_queue(MultiRegionSQS(regions=REGIONS, session=session))
    assert sorted((q.region, q.value.rsplit("/", 1)[1]) for q in queues) == [
        ("ap-southeast-2", "jobs-ap-southeast-2"),
        ("eu-west-1", "jobs-eu-west-1"),
    ]


def test_objects_under_a_prefix_in_each_buckets_region(
    aws: None, session: boto3.Session
) -> None:
    for name, region in [("logs-east", "us-east-1"), ("logs-syd", "ap-southeast-2")]:
        s3 = boto3.client("s3", region_name=region)
        config = {} if region == "us-east-1" else {"LocationConstraint": region}
        s3.create_bucket(
            Bucket=name, **({"CreateBucketConfiguration": config} if config else {})
        )
        for key in ["app/1", "app/2", "other/3"]:
            s3.put_object(Bucket=name, Key=key, Body=b"x")
    s3s = MultiRegionS3(regions=REGIONS, session=session)
    assert sorted(everywhere.objects_under(s3s, "app/")) == [
        ("ap-southeast-2", "logs-syd", "app/1"),
        ("ap-southeast-2", "logs-syd", "app/2"),
        ("us-east-1", "logs-east", "app/1"),
        ("us-east-1", "logs-east", "app/2"),
    ]
    counts = everywhere.objects_in_named_buckets(s3s, ["logs-syd", "logs-east"])
    assert counts == {"logs-syd": 3, "logs-east": 3}


def test_bucket_region_reads_legacy_location_constraints() -> None:
    assert bucket_region(None) == "us-east-1"
    assert bucket_region("") == "us-east-1"
    assert bucket_region("EU") == "eu-west-1"
    assert bucket_region("ap-southeast-2") == "ap-southeast-2"
