"""User-style code for SQS, S3, SimpleDB, DynamoDB, IAM, Lambda and STS."""

from datetime import datetime

from typing_extensions import assert_type

from multiregion.dynamodb import MultiRegionDynamoDB
from multiregion.dynamodb.type_defs import AttributeValueTypeDef
from multiregion.iam import MultiRegionIAM
from multiregion.lambda_ import MultiRegionLambda
from multiregion.s3 import MultiRegionS3
from multiregion.sdb import MultiRegionSimpleDB
from multiregion.sqs import MultiRegionSQS
from multiregion.sqs.type_defs import SendMessageBatchRequestEntryTypeDef
from multiregion.sts import MultiRegionSTS
from multiregion.type_defs import StreamingBody


def sqs_round_trip(sqs: MultiRegionSQS) -> None:
    for page in sqs.list_queues(QueueNamePrefix="orders-", MaxResults=10).values():
        for url in page.get("QueueUrls", []):
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
            for value in attrs.values():
                print(value.get("Attributes", {}).get("QueueArn"))
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": "1", "MessageBody": "hello", "DelaySeconds": 5}
            ]
            sqs.send_message_batch(QueueUrl=url, Entries=entries)
    status = sqs.list_queues()[0].value
    if status is not None:
        assert_type(status["ResponseMetadata"]["HTTPStatusCode"], int)


def s3_read(s3: MultiRegionS3) -> bytes:
    for result in s3.get_object(Bucket="b", Key="k"):
        body = result.unwrap().get("Body") if result.ok else None
        if body is not None:
            assert_type(body, StreamingBody)
            return body.read()
    s3.put_object(Bucket="b", Key="k", Body=b"data", Expires=datetime(2030, 1, 1))
    return b""


def dynamodb_copy(db: MultiRegionDynamoDB) -> None:
    key: dict[str, AttributeValueTypeDef] = {"pk": {"S": "user#1"}}
    for item in db.get_item(TableName="t", Key=key).values():
        found = item.get("Item")
        if found is not None:
            # An item read from one table written to another.
            db.put_item(TableName="copy", Item=found)


def others(
    sdb: MultiRegionSimpleDB,
    iam: MultiRegionIAM,
    fn: MultiRegionLambda,
    sts: MultiRegionSTS,
) -> None:
    sdb.create_domain(DomainName="d")
    for users in iam.list_users(MaxItems=10).values():
        for user in users["Users"]:
            assert_type(user["CreateDate"], datetime)
    fn.invoke(FunctionName="f", Payload=b"{}", InvocationType="Event")
    for identity in sts.get_caller_identity().values():
        print(identity.get("Account"))
