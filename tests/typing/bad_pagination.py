"""Planted pagination and waiter mistakes mypy must report (see README.md)."""

from typing_extensions import assert_type

from multiregion import TargetResults
from multiregion.ec2 import MultiRegionEC2
from multiregion.ec2.type_defs import InstanceTypeDef
from multiregion.sqs import MultiRegionSQS
from multiregion.sqs.type_defs import ListQueueTagsResultTypeDef

ec2 = MultiRegionEC2(regions=["us-east-1"])
for item in ec2.iter_describe_instances():
    # The exact type of an item's value (reveal_type would print the whole TypedDict).
    # E: Expression is of type "ReservationTypeDef", not "InstanceTypeDef"  [assert-type]
    assert_type(item.value, InstanceTypeDef)
    # E: TypedDict "ReservationTypeDef" has no key "Reservationz"  [typeddict-item]
    print(item.value["Reservationz"])
# E: Unexpected keyword argument "page_sise" for "iter_describe_instances" of "MultiRegionEC2"; did you mean "page_size"?  [call-arg]
ec2.iter_describe_instances(page_sise=5)
# E: Argument "delay" to "wait_instance_running" of "MultiRegionEC2" has incompatible type "str"; expected "float | None"  [arg-type]
ec2.wait_instance_running(InstanceIds=["i-1"], delay="5")
# E: Unexpected keyword argument "InstanceId" for "wait_instance_running" of "MultiRegionEC2"; did you mean "InstanceIds"?  [call-arg]
ec2.wait_instance_running(InstanceId="i-1")

sqs = MultiRegionSQS(regions=["us-east-1"])
# E: Expression is of type "TargetResults[ListQueuesResultTypeDef]", not "TargetResults[ListQueueTagsResultTypeDef]"  [assert-type]
assert_type(sqs.paginate_list_queues(), TargetResults[ListQueueTagsResultTypeDef])
# E: Dict entry 0 has incompatible type "str": "str"; expected "Target": "str"  [dict-item]
sqs.paginate_list_queues(starting_tokens={"us-east-1": "token"})
# E: Unexpected keyword argument "starting_tokens" for "iter_list_queues" of "MultiRegionSQS"  [call-arg]
sqs.iter_list_queues(starting_tokens={})
# E: Argument "MaxResults" to "paginate_list_queues" of "MultiRegionSQS" has incompatible type "str"; expected "int"  [arg-type]
sqs.paginate_list_queues(MaxResults="10")
