"""The jobs users come for, typed end to end: list everything everywhere, act in place.

Each function takes a typed MultiRegion object, so it runs against AWS, moto or any
compatible endpoint alike (tests/test_examples.py runs them against moto).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from multiregion import Item, locate_buckets
from multiregion.ec2 import MultiRegionEC2
from multiregion.s3 import MultiRegionS3
from multiregion.sqs import MultiRegionSQS

if TYPE_CHECKING:
    from multiregion.ec2.type_defs import FilterTypeDef

RUNNING: list[FilterTypeDef] = [{"Name": "instance-state-name", "Values": ["running"]}]


def running_instances(ec2: MultiRegionEC2) -> list[tuple[str, str]]:
    """(region, instance id) of every running instance in every region."""
    return [
        (reservation.region, instance["InstanceId"])
        for reservation in ec2.iter_describe_instances(Filters=RUNNING)
        for instance in reservation.value.get("Instances", [])
    ]


def every_queue(sqs: MultiRegionSQS) -> list[Item[str]]:
    """Every queue URL in every region, each tagged with its region."""
    return list(sqs.iter_list_queues())


def objects_under(s3: MultiRegionS3, prefix: str) -> list[tuple[str, str, str]]:
    """(region, bucket, key) of every object under ``prefix``, asked in its bucket's region."""
    found = []
    for (
        listing
    ) in s3.list_buckets().raise_for_errors():  # each bucket once, in its region
        here = s3.with_targets([listing.target])
        for bucket in listing.unwrap().get("Buckets", []):
            for obj in here.iter_list_objects_v2(Bucket=bucket["Name"], Prefix=prefix):
                found.append((obj.region, bucket["Name"], obj.value["Key"]))
    return found


def objects_in_named_buckets(s3: MultiRegionS3, buckets: list[str]) -> dict[str, int]:
    """Object count per named bucket, each asked in its own region."""
    counts = {}
    for name, region in locate_buckets(s3.session, buckets).items():
        here = s3.with_targets([replace(s3.targets[0], region=region)])
        counts[name] = len(list(here.iter_list_objects_v2(Bucket=name)))
    return counts


def stop_running_instances(ec2: MultiRegionEC2) -> list[str]:
    """Act on each item where it lives: the same object, narrowed to its target."""
    stopped = []
    for reservation in ec2.iter_describe_instances(Filters=RUNNING):
        ids = [i["InstanceId"] for i in reservation.value.get("Instances", [])]
        if ids:
            here = ec2.with_targets([reservation.target])  # still a MultiRegionEC2
            here.stop_instances(InstanceIds=ids).raise_for_errors()
            stopped += ids
    return stopped
