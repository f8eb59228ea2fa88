"""Planted mistakes mypy must report. Each `# E: <message>` comment is mypy's exact
error for the next code line (comments above, so that black never moves them)."""

from multiregion.dynamodb import MultiRegionDynamoDB
from multiregion.ec2 import MultiRegionEC2
from multiregion.lambda_ import MultiRegionLambda
from multiregion.sqs import MultiRegionSQS

sqs = MultiRegionSQS(regions=["us-east-1"])
# E: Unexpected keyword argument "QueueNamePrefx" for "list_queues" of "MultiRegionSQS"; did you mean "QueueNamePrefix"?  [call-arg]
sqs.list_queues(QueueNamePrefx="a")
# E: Argument "MaxResults" to "list_queues" of "MultiRegionSQS" has incompatible type "str"; expected "int"  [arg-type]
sqs.list_queues(MaxResults="10")
# E: Missing named argument "QueueUrl" for "send_message" of "MultiRegionSQS"  [call-arg]
sqs.send_message(MessageBody="x")
for page in sqs.list_queues().values():
    # E: TypedDict "ListQueuesResultTypeDef" has no key "QueueUrl"  [typeddict-item]
    print(page["QueueUrl"])

db = MultiRegionDynamoDB()
# E: Argument "Select" to "scan" of "MultiRegionDynamoDB" has incompatible type "Literal['EVERYTHING']"; expected "Literal['ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'COUNT']"  [arg-type]
db.scan(TableName="t", Select="EVERYTHING")
# E: Missing named argument "TableName" for "get_item" of "MultiRegionDynamoDB"  [call-arg]
db.get_item(Key={"pk": {"S": "1"}})

ec2 = MultiRegionEC2()
# E: Incompatible types (expression has type "int", TypedDict item "Values" has type "Sequence[str]")  [typeddict-item]
ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": 5}])
for reservations in ec2.describe_instances().values():
    for reservation in reservations.get("Reservations", []):
        for instance in reservation.get("Instances", []):
            # E: TypedDict "InstanceTypeDef" has no key "InstanceName"  [typeddict-item]
            print(instance["InstanceName"])

# Deprecated operations carry typing_extensions.deprecated (IDEs strike them through).
fn = MultiRegionLambda()
# E: function multiregion.lambda_.client.MultiRegionLambda.invoke_async is deprecated: InvokeAsync is deprecated.  [deprecated]
fn.invoke_async(FunctionName="f", InvokeArgs=b"{}")
