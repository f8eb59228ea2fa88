"""User-style EC2 code: values read from responses go straight into requests."""

from datetime import datetime

from typing_extensions import assert_type

from multiregion import TargetResults
from multiregion.ec2 import MultiRegionEC2
from multiregion.ec2.literals import InstanceStateNameType
from multiregion.ec2.type_defs import (
    DescribeInstancesResultTypeDef,
    InstanceTypeDef,
    TagTypeDef,
)


def tag_everything(ec2: MultiRegionEC2) -> list[str]:
    results = ec2.describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}], MaxResults=50
    )
    assert_type(results, TargetResults[DescribeInstancesResultTypeDef])
    ids = []
    for page in results.values():
        for reservation in page.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                assert_type(instance, InstanceTypeDef)
                # Response keys are NotRequired as in the model: pyright insists on
                # .get() (or a check); mypy also allows instance["InstanceId"].
                instance_id = instance.get("InstanceId", "")
                tags: list[TagTypeDef] = instance.get("Tags", [])
                # A response's Tags passed to another request, unchanged.
                ec2.create_tags(Resources=[instance_id], Tags=tags)
                launched = instance.get("LaunchTime")
                if launched is not None:
                    assert_type(launched, datetime)
                state: InstanceStateNameType | None = instance.get("State", {}).get(
                    "Name"
                )
                if state == "running":
                    ids.append(instance_id)
    return ids


def copy_ingress_rules(ec2: MultiRegionEC2, source: str, target: str) -> None:
    for groups in ec2.describe_security_groups(GroupIds=[source]).values():
        for group in groups.get("SecurityGroups", []):
            # IpPermissionOutputTypeDef (lists) into IpPermissionTypeDef (Sequences).
            ec2.authorize_security_group_ingress(
                GroupId=target, IpPermissions=group.get("IpPermissions", [])
            )


def first_error_code(ec2: MultiRegionEC2) -> str | None:
    result = ec2.describe_regions(AllRegions=True)[0]
    return None if result.ok else result.error_code


ec2 = MultiRegionEC2(regions=["us-east-1", "eu-west-1"])
print(tag_everything(ec2), first_error_code(ec2))
copy_ingress_rules(ec2, "sg-1", "sg-2")
