"""devstack/moto_server.py changes how moto rolls back a failed transaction (touched items only, not a
copy of the whole table): a failed transaction must still leave nothing behind."""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from scrm.resources import table

pytestmark = pytest.mark.stack


def test_a_cancelled_transaction_leaves_every_item_as_it_was(stack):
    ddb = boto3.client("dynamodb")
    name = table("sync_jobs").name
    pk = "wwpatch" + uuid.uuid4().hex[:8]
    ddb.put_item(TableName=name, Item={"pk": {"S": pk}, "sk": {"S": "old"}, "n": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": pk}, "sk": {"S": "guard"}})
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": pk}, "sk": {"S": "new"}}}},
            {"Update": {"TableName": name, "Key": {"pk": {"S": pk}, "sk": {"S": "old"}},
                        "UpdateExpression": "SET n = :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"Put": {"TableName": name, "Item": {"pk": {"S": pk}, "sk": {"S": "guard"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    items = ddb.query(TableName=name, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": pk}}, ConsistentRead=True)["Items"]
    assert sorted(i["sk"]["S"] for i in items) == ["guard", "old"]
    assert next(i for i in items if i["sk"]["S"] == "old")["n"] == {"N": "1"}
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": {"S": pk}, "sk": {"S": "new"}}}}])
    assert ddb.get_item(TableName=name, Key={"pk": {"S": pk}, "sk": {"S": "new"}})["Item"]
