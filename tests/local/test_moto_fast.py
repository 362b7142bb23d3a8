"""The local stack's fast DynamoDB serialiser answers exactly what moto's own would."""

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.responses import DynamoHandler

from liveblog_local.moto_fast import ITEM_OPERATIONS, serialize_items_fast

# Every attribute type, with text that JSON escapes and bytes that are not UTF-8
ITEM = {
    "PK": {"S": "BLOG#1"},
    "SK": {"S": "ENTRY#1"},
    "number": {"N": "1.50"},
    "binary": {"B": b"\x00\xff\xfe"},
    "binaries": {"BS": [b"a", b"\x80"]},
    "strings": {"SS": ["x", "y"]},
    "numbers": {"NS": ["1", "-2.5"]},
    "nothing": {"NULL": True},
    "flag": {"BOOL": False},
    "nested": {"M": {"list": {"L": [{"S": 'é\u2028<"\\'}, {"M": {}}, {"N": "3"}]}}},
}
KEY = {"PK": ITEM["PK"], "SK": ITEM["SK"]}


@pytest.fixture
def compared() -> Any:
    """Every response the fast path gives, beside moto's own serialisation of the same result."""
    serialize_items_fast()
    fast = DynamoHandler.serialized
    pairs: list[tuple[str, Any, Any]] = []

    def both(self: Any, action_result: Any) -> Any:
        answer = fast(self, action_result)
        pairs.append((self._get_action(), answer, fast.__wrapped__(self, action_result)))  # type: ignore[attr-defined]
        return answer

    with pytest.MonkeyPatch.context() as patch, mock_aws():
        patch.setattr(DynamoHandler, "serialized", both)
        yield pairs


def test_every_item_operation_answers_as_moto_would(compared: list[tuple[str, Any, Any]]) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="content",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    capacity = {"ReturnConsumedCapacity": "INDEXES"}
    for n in range(25):
        client.put_item(TableName="content", Item={**ITEM, "SK": {"S": f"ENTRY#{n}"}}, **capacity)
    client.put_item(TableName="content", Item=ITEM, ReturnValues="ALL_OLD")
    client.get_item(TableName="content", Key=KEY, **capacity)
    client.get_item(TableName="content", Key={**KEY, "SK": {"S": "missing"}})
    client.query(
        TableName="content",
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": ITEM["PK"]},
        Limit=10,
        **capacity,
    )
    client.query(
        TableName="content",
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": ITEM["PK"]},
        Select="COUNT",
    )
    client.scan(TableName="content", ProjectionExpression="SK, nested", Limit=3)
    client.update_item(
        TableName="content",
        Key=KEY,
        UpdateExpression="SET #n = #n + :one",
        ExpressionAttributeNames={"#n": "number"},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="ALL_NEW",
        **capacity,
    )
    client.batch_get_item(RequestItems={"content": {"Keys": [KEY, {**KEY, "SK": {"S": "ENTRY#2"}}]}})
    client.batch_write_item(
        RequestItems={"content": [{"DeleteRequest": {"Key": {**KEY, "SK": {"S": "ENTRY#3"}}}}]}
    )
    client.transact_get_items(TransactItems=[{"Get": {"TableName": "content", "Key": KEY}}])
    client.transact_write_items(
        TransactItems=[{"Put": {"TableName": "content", "Item": {**ITEM, "SK": {"S": "ENTRY#99"}}}}]
    )
    client.delete_item(TableName="content", Key=KEY, ReturnValues="ALL_OLD", **capacity)
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(
            TableName="content",
            Item={**ITEM, "SK": {"S": "ENTRY#4"}},
            ConditionExpression="attribute_not_exists(PK)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    client.describe_table(TableName="content")

    # Every item operation went the fast way, and each answer is moto's, to the byte once parsed
    assert {operation for operation, _, _ in compared} >= ITEM_OPERATIONS
    for operation, (status, headers, body), (moto_status, moto_headers, moto_body) in compared:
        assert status == moto_status, operation
        assert headers["Content-Type"] == moto_headers["Content-Type"], operation
        assert json.loads(body or "{}") == json.loads(moto_body or "{}"), operation
