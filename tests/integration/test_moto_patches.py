"""devstack/moto_server.py changes how moto rolls back a failed transaction (touched items only, not a
copy of the whole table): a failed transaction must still leave nothing behind."""

from __future__ import annotations

import time
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


def test_sqs_deletes_by_receipt_handle_keep_moto_semantics(stack):
    """The indexed DeleteMessage: each handle deletes its message only, repeats are ignored, an unknown
    handle is refused, and a handle from an earlier receive of a redelivered message still deletes it."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="patch-" + uuid.uuid4().hex[:8], Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(10)])
    got = []
    while len(got) < 10:
        got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    first, rest = got[0], got[1:]
    sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                     for i, m in enumerate(rest[:5])])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=rest[0]["ReceiptHandle"])  # again: ignored
    with pytest.raises(ClientError) as err:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert err.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"
    # the other messages come back after their visibility timeout; the first one's old handle still works
    again = []
    deadline = time.monotonic() + 10
    while len(again) < 5 and time.monotonic() < deadline:
        again += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert sorted(m["Body"] for m in again) == sorted([first["Body"]] + [m["Body"] for m in rest[5:]])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    for m in again:
        if m["Body"] != first["Body"]:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    time.sleep(1.5)
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []) == []


def test_sqs_receives_only_visible_undelayed_messages(stack):
    """The one-clock-reading Queue.messages: in-flight and delayed messages are not received, and a message
    whose visibility ran out comes back, as moto (and SQS) do."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="vis-" + uuid.uuid4().hex[:8])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="now")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=2)
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=1)["Messages"]
    assert [m["Body"] for m in first] == ["now"]
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages") is None  # in flight, delayed
    time.sleep(2.2)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert sorted(m["Body"] for m in again) == ["later", "now"]


def test_a_projected_query_answers_what_moto_answers_and_pages_by_whole_items(stack):
    """The projected Query (devstack/moto_server.py: the attributes asked for only, not deep copies of whole
    items) gives the names asked for, present ones only, keys only when asked; a filter still sees the
    unprojected names; pages still end at 1 MB of whole items, as DynamoDB counts them."""
    ddb = boto3.client("dynamodb")
    name = table("sync_jobs").name
    pk = "wwproj" + uuid.uuid4().hex[:8]
    big = "x" * 90_000  # 12 items of ~90 KB: a 1 MB page holds 11 whole items
    for i in range(12):
        ddb.put_item(TableName=name, Item={"pk": {"S": pk}, "sk": {"S": f"{i:02d}"}, "a": {"N": str(i)},
                                           "big": {"S": big}, "m": {"M": {"x": {"N": str(i)}}},
                                           **({"b": {"S": "é"}} if i % 2 else {})})  # fmt: skip

    def pages(values=None, **kw):
        out, start = [], None
        while True:
            r = ddb.query(TableName=name, KeyConditionExpression="pk = :p", **kw,
                          ExpressionAttributeValues={":p": {"S": pk}, **(values or {})},
                          **({"ExclusiveStartKey": start} if start else {}))  # fmt: skip
            out.append(r["Items"])
            start = r.get("LastEvaluatedKey")
            if not start:
                return out

    got = pages(ProjectionExpression="sk, a, #b, nothing", ExpressionAttributeNames={"#b": "b"})
    assert [len(p) for p in got] == [11, 1]
    items = [i for p in got for i in p]
    assert items == [{"sk": {"S": f"{i:02d}"}, "a": {"N": str(i)}, **({"b": {"S": "é"}} if i % 2 else {})}
                     for i in range(12)]  # fmt: skip
    assert [i for p in pages(ProjectionExpression="a") for i in p] == [{"a": {"N": str(i)}} for i in range(12)]
    filtered = pages(ProjectionExpression="sk", FilterExpression="a > :five", values={":five": {"N": "5"}})
    assert [i["sk"]["S"] for p in filtered for i in p] == [f"{i:02d}" for i in range(6, 12)]
    nested = [i for p in pages(ProjectionExpression="sk, m.x") for i in p]  # moto's own path
    assert nested[3] == {"sk": {"S": "03"}, "m": {"M": {"x": {"N": "3"}}}}
    got = ddb.get_item(TableName=name, Key={"pk": {"S": pk}, "sk": {"S": "05"}}, ProjectionExpression="a, b")
    assert got["Item"] == {"a": {"N": "5"}, "b": {"S": "é"}}


def test_an_index_query_sees_every_write_since_the_last(stack):
    """Index Queries read a map of the table's items by the index's hash key (devstack/moto_server.py),
    rebuilt after any write: a put, an update that drops or changes the key, a delete, a batch, a
    transaction are all seen by the next Query."""
    ddb = boto3.client("dynamodb")
    name = table("group_members").name
    corp = "wwidx" + uuid.uuid4().hex[:8]

    def member(chat: str, who: str) -> dict:
        return {"pk": {"S": f"{corp}#{chat}"}, "sk": {"S": who}, "member_pk": {"S": f"{corp}#{who}"},
                "chat_id": {"S": chat}}

    def chats(who: str) -> list[str]:
        r = ddb.query(TableName=name, IndexName="by_member", KeyConditionExpression="member_pk = :m",
                      ExpressionAttributeValues={":m": {"S": f"{corp}#{who}"}})  # fmt: skip
        return sorted(i["chat_id"]["S"] for i in r["Items"])

    ddb.put_item(TableName=name, Item=member("g1", "wmA"))
    assert chats("wmA") == ["g1"]
    ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": member(c, "wmA")}} for c in ("g2", "g3")]})
    assert chats("wmA") == ["g1", "g2", "g3"]
    ddb.update_item(TableName=name, Key={"pk": {"S": f"{corp}#g2"}, "sk": {"S": "wmA"}}, UpdateExpression="REMOVE member_pk")
    assert chats("wmA") == ["g1", "g3"]
    ddb.update_item(TableName=name, Key={"pk": {"S": f"{corp}#g3"}, "sk": {"S": "wmA"}},
                    UpdateExpression="SET member_pk = :b", ExpressionAttributeValues={":b": {"S": f"{corp}#wmB"}})
    assert (chats("wmA"), chats("wmB")) == (["g1"], ["g3"])
    ddb.delete_item(TableName=name, Key={"pk": {"S": f"{corp}#g1"}, "sk": {"S": "wmA"}})
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": member("g4", "wmA")}}])
    assert (chats("wmA"), chats("wmB")) == (["g4"], ["g3"])


def test_the_dynamodb_server_keeps_a_connection_open_across_requests(stack):
    """devstack/moto_server.py's keep-alive server: several calls on one TCP connection, each answered with
    its Content-Length and no ``Connection: close`` (werkzeug's server closed every connection)."""
    import http.client
    import json

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.session import get_session

    url = f"http://127.0.0.1:{stack.dynamodb_port}/"
    credentials = get_session().get_credentials()
    conn = http.client.HTTPConnection("127.0.0.1", stack.dynamodb_port, timeout=10)
    names = []
    for _ in range(3):
        request = AWSRequest("POST", url, data=b"{}", headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"})
        SigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(request)
        conn.request("POST", "/", body=b"{}", headers=dict(request.headers.items()))
        answer = conn.getresponse()
        body = answer.read()
        assert answer.status == 200 and answer.getheader("Connection") is None
        assert int(answer.getheader("Content-Length")) == len(body)
        names.append(json.loads(body)["TableNames"])
        assert conn.sock is not None  # still open
    assert names[0] == names[1] == names[2] and table("sync_jobs").name in names[0]
    conn.close()


def test_update_expressions_parsed_once_still_apply_and_refuse_as_moto_does(stack):
    """devstack/moto_server.py ``_patch_update_expressions``: an expression's parse is kept and two validators
    judge it once; the same string with other values and names applies each time, and a bad expression (two
    SET clauses, one path set twice) is refused every time, not only the first."""
    ddb = boto3.client("dynamodb")
    name = table("sync_jobs").name
    pk = "wwpatch" + uuid.uuid4().hex[:8]
    key = {"pk": {"S": pk}, "sk": {"S": "u"}}
    for n in (1, 2, 3):  # a new item, then the same expression on the existing one
        ddb.update_item(TableName=name, Key=key, UpdateExpression="SET #a = :a, #b = :b ADD #c :one",
                        ExpressionAttributeNames={"#a": f"a{n % 2}", "#b": "b", "#c": "c"},
                        ExpressionAttributeValues={":a": {"S": f"v{n}"}, ":b": {"N": str(n)}, ":one": {"N": "1"}})
    item = ddb.get_item(TableName=name, Key=key, ConsistentRead=True)["Item"]
    assert (item["a1"], item["a0"], item["b"], item["c"]) == ({"S": "v3"}, {"S": "v2"}, {"N": "3"}, {"N": "3"})
    for _ in range(2):
        with pytest.raises(ClientError) as err:
            ddb.update_item(TableName=name, Key=key, UpdateExpression="SET #a = :a SET #b = :a",
                            ExpressionAttributeNames={"#a": "a0", "#b": "b"}, ExpressionAttributeValues={":a": {"S": "x"}})
        assert err.value.response["Error"]["Code"] == "ValidationException"
    ok = {"#a": "a0", "#b": "b"}
    same = {"#a": "a0", "#b": "a0"}  # the string that passed with ``ok``, now setting one path twice
    ddb.update_item(TableName=name, Key=key, UpdateExpression="SET #a = :a, #b = :b", ExpressionAttributeNames=ok,
                    ExpressionAttributeValues={":a": {"S": "y"}, ":b": {"N": "9"}})
    for _ in range(2):
        with pytest.raises(ClientError) as err:
            ddb.update_item(TableName=name, Key=key, UpdateExpression="SET #a = :a, #b = :b",
                            ExpressionAttributeNames=same, ExpressionAttributeValues={":a": {"S": "y"}, ":b": {"N": "9"}})
        assert err.value.response["Error"]["Code"] == "ValidationException"


def test_a_repeated_update_expression_of_every_kind_applies_each_time(stack):
    """The validators now work on a node-by-node copy of the cached tree, not a deep copy: functions, nested
    paths, list indexes, arithmetic, ADD and DELETE on sets, run again and again with other values, each
    applying as DynamoDB does (a copy sharing nodes with the cache would carry one run's values into the next)."""
    ddb = boto3.client("dynamodb")
    name = table("sync_jobs").name
    key = {"pk": {"S": "wwtree" + uuid.uuid4().hex[:8]}, "sk": {"S": "t"}}
    ddb.put_item(TableName=name, Item={**key, "l": {"L": [{"S": "x"}, {"S": "y"}]}, "m": {"M": {"n": {"N": "0"}}},
                                       "s": {"SS": ["a", "b", "c"]},
                                       "r": {"L": [{"N": str(n)} for n in range(4)]}})  # fmt: skip
    expression = ("SET #l = list_append(#l, :tail), #m.#n = #m.#n + :step, #f = if_not_exists(#f, :first) "
                  "ADD #c :one DELETE #s :gone REMOVE #r[0]")
    for run, (tail, gone) in enumerate([("p", "a"), ("q", "b"), ("r", "zz")], start=1):
        ddb.update_item(TableName=name, Key=key, UpdateExpression=expression,
                        ExpressionAttributeNames={"#l": "l", "#m": "m", "#n": "n", "#f": "f", "#c": "c", "#s": "s", "#r": "r"},
                        ExpressionAttributeValues={":tail": {"L": [{"S": tail}]}, ":step": {"N": str(run)},
                                                   ":first": {"S": f"first{run}"}, ":one": {"N": "1"},
                                                   ":gone": {"SS": [gone]}})  # fmt: skip
    item = ddb.get_item(TableName=name, Key=key, ConsistentRead=True)["Item"]
    assert item["l"] == {"L": [{"S": s} for s in "xypqr"]} and item["r"] == {"L": [{"N": "3"}]}
    assert item["m"] == {"M": {"n": {"N": "6"}}}
    assert item["f"] == {"S": "first1"} and item["c"] == {"N": "3"} and item["s"] == {"SS": ["c"]}


def test_a_key_condition_query_answers_as_dynamodb_orders_and_pages(stack):
    """``_patch_queries`` hands moto only the partition's items that meet the range condition (moto sorted and
    sized the whole partition for a Limit-100 Query): every comparison, Limit, ExclusiveStartKey and both
    directions answer the items DynamoDB would, in key order, paged where it would."""
    ddb = boto3.client("dynamodb")
    name = table("sync_jobs").name
    pk = "wwrange" + uuid.uuid4().hex[:8]
    keys = [f"{n:03d}#{c}" for n in range(0, 60, 3) for c in "ab"]  # 40 keys, written out of order
    for k in reversed(keys):
        ddb.put_item(TableName=name, Item={"pk": {"S": pk}, "sk": {"S": k}, "v": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": pk + "x"}, "sk": {"S": "030#a"}})  # another partition

    def query(condition: str, values: dict[str, str], limit: int, forward: bool) -> list[list[str]]:
        pages, start = [], None
        while True:
            r = ddb.query(TableName=name, KeyConditionExpression=f"pk = :p AND {condition}", Limit=limit,
                          ScanIndexForward=forward,
                          ExpressionAttributeValues={":p": {"S": pk}, **{k: {"S": v} for k, v in values.items()}},
                          **({"ExclusiveStartKey": start} if start else {}))  # fmt: skip
            pages.append([i["sk"]["S"] for i in r["Items"]])
            start = r.get("LastEvaluatedKey")
            if not start:
                return pages

    cases = {
        ("sk <= :a", "030#~"): lambda k: k <= "030#~",
        ("sk < :a", "030#a"): lambda k: k < "030#a",
        ("sk >= :a", "042#b"): lambda k: k >= "042#b",
        ("sk > :a", "042#b"): lambda k: k > "042#b",
        ("sk = :a", "015#a"): lambda k: k == "015#a",
        ("begins_with(sk, :a)", "02"): lambda k: k.startswith("02"),
        ("sk <= :a", "000"): lambda k: False,  # none: the minute job's usual answer
    }
    for (condition, bound), keep in cases.items():
        want = [k for k in sorted(keys) if keep(k)]
        for forward in (True, False):
            ordered = want if forward else want[::-1]
            for limit in (1, 7, 100):
                pages = query(condition, {":a": bound}, limit, forward)
                assert [k for p in pages for k in p] == ordered, (condition, bound, forward, limit)
                assert all(len(p) <= limit for p in pages) and all(len(p) == limit for p in pages[:-1])
    between = query("sk BETWEEN :a AND :b", {":a": "012#b", ":b": "027#a"}, 4, True)
    assert [k for p in between for k in p] == [k for k in sorted(keys) if "012#b" <= k <= "027#a"]
    assert [len(p) for p in between] == [4, 4, 2]
