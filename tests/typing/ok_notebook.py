"""What jedi's completion relies on, as mypy and pyright see it: indexing, slicing
and iterating a TargetResults, and an Item's value, keep the value's type."""

from typing_extensions import assert_type

from multiregion import TargetResult
from multiregion.ec2 import MultiRegionEC2
from multiregion.ec2.type_defs import ReservationTypeDef
from multiregion.sqs import MultiRegionSQS
from multiregion.sqs.type_defs import ListQueuesResultTypeDef


def results(sqs: MultiRegionSQS) -> None:
    res = sqs.list_queues()
    assert_type(res[0], TargetResult[ListQueuesResultTypeDef])
    assert_type(res[-1].value, ListQueuesResultTypeDef | None)
    assert_type(res[1:], list[TargetResult[ListQueuesResultTypeDef]])
    for r in res:
        assert_type(r.value, ListQueuesResultTypeDef | None)
    assert_type(res.by_region()["eu-west-1"].unwrap(), ListQueuesResultTypeDef)


def items(ec2: MultiRegionEC2) -> None:
    for item in ec2.iter_describe_instances():
        assert_type(item.value, ReservationTypeDef)
        print(item.region, item.value.get("Instances", []))
