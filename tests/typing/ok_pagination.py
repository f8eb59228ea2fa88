"""User-style pagination, items and waiters: exact types of what they return."""

from typing_extensions import assert_type

from multiregion import Item, Items, TargetResults
from multiregion.ec2 import MultiRegionEC2
from multiregion.ec2.type_defs import ReservationTypeDef
from multiregion.s3 import MultiRegionS3
from multiregion.s3.type_defs import ListObjectsV2OutputTypeDef, ObjectTypeDef
from multiregion.sqs import MultiRegionSQS
from multiregion.sqs.type_defs import ListQueuesResultTypeDef


def running_instance_ids(ec2: MultiRegionEC2) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    items = ec2.iter_describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}], page_size=100
    )
    for item in items:
        assert_type(item, Item[ReservationTypeDef])
        assert_type(item.value, ReservationTypeDef)
        for instance in item.value.get("Instances", []):
            found.setdefault(item.region, []).append(instance.get("InstanceId", ""))
    return found


def all_queue_urls(sqs: MultiRegionSQS) -> list[str]:
    first = sqs.paginate_list_queues(QueueNamePrefix="orders-", max_items=100)
    assert_type(first, TargetResults[ListQueuesResultTypeDef])
    urls = [url for page in first.values() for url in page.get("QueueUrls", [])]
    tokens = first.resume_tokens()
    if tokens:
        rest = sqs.paginate_list_queues(
            QueueNamePrefix="orders-", starting_tokens=tokens
        )
        urls += [url for page in rest.values() for url in page.get("QueueUrls", [])]
    queue_urls = sqs.iter_list_queues(page_size=10)
    assert_type(queue_urls, Items[str])
    return urls + [item.value for item in queue_urls]


def object_keys(s3: MultiRegionS3) -> list[str]:
    merged = s3.paginate_list_objects_v2(Bucket="b", Prefix="logs/")
    assert_type(merged, TargetResults[ListObjectsV2OutputTypeDef])
    keys = []
    for item in s3.iter_list_objects_v2(Bucket="b", max_items=1000):
        assert_type(item.value, ObjectTypeDef)
        keys.append(item.value.get("Key", ""))
    return keys


def start_and_wait(ec2: MultiRegionEC2, instance_ids: list[str]) -> bool:
    ec2.start_instances(InstanceIds=instance_ids)
    waited = ec2.wait_instance_running(
        InstanceIds=instance_ids, delay=5, max_attempts=60
    )
    assert_type(waited, TargetResults[None])
    return not waited.errors()


ec2 = MultiRegionEC2(regions=["us-east-1", "eu-west-1"])
print(running_instance_ids(ec2), start_and_wait(ec2, ["i-1"]))
print(all_queue_urls(MultiRegionSQS()), object_keys(MultiRegionS3()))
