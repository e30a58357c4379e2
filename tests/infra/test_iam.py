"""Each function's IAM policy in the template against what the function really calls.

Every AWS call made through botocore (boto3 clients, pynamodb, Powertools) is recorded while each
function's handler runs in process against the local stack; each call must be allowed by a statement of
that function's role in the packaged template, and each function must make calls (the test cannot pass
by recording nothing)."""

from __future__ import annotations

import fnmatch
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import botocore.client
import pytest
from scrm import bootstrap
from scrm.domain.event_key import event_id, event_key

from devstack.wecom_player import FakeWeCom, event_xml
from infra.template import ROLES
from tests.conftest import new_corp

pytestmark = pytest.mark.stack


@contextmanager
def recording() -> Iterator[list[tuple[str, str, list[str]]]]:
    calls: list[tuple[str, str, list[str]]] = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        service = self.meta.service_model.signing_name or self.meta.service_model.service_name
        if operation_name == "TransactWriteItems":  # IAM authorises each item by its own action
            for entry in api_params["TransactItems"]:
                (kind, item), = entry.items()
                action = {"ConditionCheck": "ConditionCheckItem"}.get(kind, f"{kind}Item")
                calls.append((service, action, [f"table/{item['TableName']}"]))
        else:
            calls.append((service, operation_name, _resources(service, api_params)))
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = spy  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def _resources(service: str, params: dict[str, Any]) -> list[str]:
    if service == "dynamodb":
        if "TableName" in params:
            return [f"table/{params['TableName']}" + (f"/index/{params['IndexName']}" if params.get("IndexName") else "")]
        return [f"table/{name}" for name in params.get("RequestItems", {})]
    if service == "sqs":
        if "QueueUrl" in params:
            return [":" + urlparse(params["QueueUrl"]).path.rsplit("/", 1)[-1]]
        return [":" + params.get("QueueName", "?")]
    if service == "secretsmanager":
        return [f"secret:{params['SecretId']}"] if "SecretId" in params else ["*"]
    return ["?"]


def _pattern(target: Any) -> str:
    """The part of a policy resource that names the thing: table/…, secret:…, or :queue-name."""
    arn = target if isinstance(target, str) else target.get("Fn::Sub", "")
    if arn == "*":
        return "*"
    for marker in ("table/", "secret:"):
        if marker in arn:
            return arn[arn.index(marker):]
    return ":" + arn.rsplit(":", 1)[-1]


def _allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    for st in statements:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        targets = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        if action in actions and any(fnmatch.fnmatchcase(resource, _pattern(t)) for t in targets):
            return True
    return False


# IAM authorises SQS batch calls by the single-message action (there is no sqs:SendMessageBatch action).
IAM_ACTION = {"sqs:SendMessageBatch": "sqs:SendMessage", "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
              "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility"}


def _check(template: dict[str, Any], fn: str, calls: list[tuple[str, str, list[str]]]) -> None:
    statements = template["Resources"][ROLES[fn]]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert calls, f"{fn} made no AWS call: the test exercised nothing"
    denied = [(f"{svc}:{op}", r) for svc, op, res in calls for r in res
              if not _allowed(statements, IAM_ACTION.get(f"{svc}:{op}", f"{svc}:{op}"), r)]
    assert not denied, f"{fn} calls what its policy does not allow: {sorted(set(denied))}"


def _message(fields: dict[str, Any]) -> str:
    key = event_key(fields)
    return json.dumps({"v": 1, "corp_id": fields["ToUserName"], "key": key, "event_id": event_id(key),
                       "received_at_ms": 0, "fields": fields})


def test_each_function_calls_only_what_its_policy_allows(stack, sandbox, templates):
    from chalice.test import Client

    from devstack.app_server import load_app

    _, template = templates["prod"]
    corp = new_corp(stack, sandbox)
    cid = corp["corp_id"]
    world = sandbox.corp(cid)
    uid = world["employees"][0]["userid"]
    ext = sandbox.do(cid, "customers/add", {"userid": uid, "callback": False})["external_userid"]
    chat = sandbox.do(cid, "groups/create", {"owner": uid, "members": [ext], "callback": False})["chat_id"]
    tag = world["tag_groups"][0]["tag"][0]["id"]
    app = load_app()
    wecom = FakeWeCom("http://in-process", corp)
    now = int(time.time())
    with Client(app) as client:
        # api_handler: URL verification and one event.
        bootstrap.corp_registry().forget(cid)
        with recording() as calls:
            enc = wecom.crypto.encrypt("echo")
            from scrm.adapters.wecom.callback_crypto import signature

            ts = str(now)
            r = client.http.get(f"/wecom/callback/{cid}?msg_signature={signature(corp['token'], ts, 'n', enc)}"
                                f"&timestamp={ts}&nonce=n&echostr={enc.replace('+', '%2B').replace('/', '%2F').replace('=', '%3D')}")
            assert r.status_code == 200
            fields = {"ToUserName": cid, "FromUserName": "sys", "CreateTime": now, "MsgType": "event",
                      "Event": "change_external_contact", "ChangeType": "del_follow_user", "UserID": uid,
                      "ExternalUserID": "wm" + uuid.uuid4().hex}
            # and an arrival with a welcome code, which also goes to the welcome queue
            arrival = {**fields, "ChangeType": "add_external_contact", "WelcomeCode": "WC" + uuid.uuid4().hex}
            for event_fields in (fields, arrival):
                params, body = wecom.envelope(event_xml(event_fields))
                query = "&".join(f"{k}={v}" for k, v in params.items())
                r = client.http.post(f"/wecom/callback/{cid}?{query}", body=body,
                                     headers={"Content-Type": "text/xml"})
                assert r.status_code == 200, r.body
        _check(template, "api_handler", calls)
        assert any(r == [":scrm-welcome"] for _, _, r in calls)

        # A channel code (its contact way made directly in WeCom; the admin replay below makes one through
        # the API), so that an arrival through it touches the live-code tables.
        from scrm.domain.channel_code import ChannelCode, contact_way_body, parse_spec

        spec = parse_spec({"name": "iam", "staff": [uid], "daily_cap": 5, "remark_template": "iam-{name}",
                           "welcome": {"text": "hi {name}"}})
        config_id, qr = bootstrap.admin_gateways().for_corp(cid).add_contact_way(2, contact_way_body(spec, [uid]))
        bootstrap.live_code_repo().create(cid, f"c#{spec.state}", ChannelCode(spec, config_id, qr, ()).as_dict())
        # Churn alerts: every single alert goes to the digest, which is due all day (alert_digest below).
        bootstrap.alert_repo().save_settings(cid, {"digest_above": 0, "digest_time": "00:00"})

        # apply_events: one event of each family, with WeCom reads.
        base = {"ToUserName": cid, "FromUserName": "sys", "CreateTime": str(now), "MsgType": "event"}
        bodies = [
            _message({**base, "Event": "change_external_contact", "ChangeType": "add_external_contact",
                      "UserID": uid, "ExternalUserID": ext, "State": spec.state}),
            _message({**base, "Event": "change_external_contact", "ChangeType": "del_follow_user",
                      "UserID": uid, "ExternalUserID": ext, "CreateTime": str(now + 1)}),
            _message({**base, "Event": "change_external_contact", "ChangeType": "add_external_contact",
                      "UserID": uid, "ExternalUserID": ext}),
            _message({**base, "Event": "change_external_chat", "ChangeType": "create", "ChatId": chat}),
            _message({**base, "Event": "change_external_tag", "ChangeType": "update", "Id": tag, "TagType": "tag"}),
            _message({**base, "Event": "change_contact", "ChangeType": "update_user", "UserID": uid}),
            _message({**base, "Event": "change_external_contact", "ChangeType": "transfer_fail", "UserID": uid,
                      "ExternalUserID": ext, "FailReason": "customer_refused"}),
        ]
        event = client.events.generate_sqs_event(message_bodies=bodies, queue_name="scrm-events")
        for i, record in enumerate(event["Records"]):
            record["messageId"] = f"m{i}-{uuid.uuid4().hex}"
        bootstrap.corp_registry().forget(cid)  # a cold container: the keys come from Secrets Manager
        with recording() as calls:
            result = client.lambda_.invoke("apply_events", event).payload
            assert result == {"batchItemFailures": []}, result
        _check(template, "apply_events", calls)
        assert {op for _, op, _ in calls} >= {"GetSecretValue", "PutItem", "UpdateItem"}
        assert any(r == ["table/scrm-acquisitions"] for _, _, r in calls)
        assert any(r == ["table/scrm-contact-stats"] for _, _, r in calls)  # the statistics observer
        assert any(r == ["table/scrm-alerts"] for _, _, r in calls)  # the churn-alert observer
        assert any(r == ["table/scrm-transfers"] for _, _, r in calls)  # the transfer observer

        # send_welcomes: a welcome code the sandbox never issued (41050: counted as missed, a transaction).
        welcome_body = _message({**base, "Event": "change_external_contact", "ChangeType": "add_external_contact",
                                 "UserID": uid, "ExternalUserID": ext, "State": spec.state,
                                 "WelcomeCode": "WC" + uuid.uuid4().hex})
        event = client.events.generate_sqs_event(message_bodies=[welcome_body], queue_name="scrm-welcome")
        bootstrap.reset()  # a cold container
        with recording() as calls:
            assert client.lambda_.invoke("send_welcomes", event).payload == {"batchItemFailures": []}
        _check(template, "send_welcomes", calls)
        assert any(r == ["table/scrm-channel-stats"] for _, _, r in calls)

        # switch_code_staff: the code above has a cap, so the job reads it and today's counts.
        with recording() as calls:
            client.lambda_.invoke("switch_code_staff", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        _check(template, "switch_code_staff", calls)
        assert any(r == ["table/scrm-live-codes"] for _, _, r in calls)

        # alert_digest: the del_follow_user above was deferred; the digest sends it (outside :00 and :30).
        with recording() as calls:
            client.lambda_.invoke("alert_digest", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        _check(template, "alert_digest", calls)
        assert any(r == ["table/scrm-alerts"] for _, _, r in calls)

        # refresh_tokens.
        bootstrap.corp_registry().forget(cid)
        with recording() as calls:
            client.lambda_.invoke("refresh_tokens", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        _check(template, "refresh_tokens", calls)
        assert ("secretsmanager", "ListSecrets", ["*"]) in calls

        # sync_worker: one step of each kind of a job created without its first message (the stack's own
        # workers must not race this replay).
        from scrm.adapters.dynamo.sync_jobs import DynamoSyncJobs
        from scrm.domain.sync_plan import Step

        job, _ = DynamoSyncJobs().start(cid, "full", now * 1000, 60_000)
        steps = [Step("plan", "plan"), Step("customers", "c0.0", userids=(uid,)),
                 Step("groups", "g0.0", userids=(uid,)), Step("group_details", "g0.0.d0", chat_ids=(chat,))]
        bootstrap.corp_registry().forget(cid)
        with recording() as calls:
            for step in steps:
                event = client.events.generate_sqs_event(
                    message_bodies=[json.dumps(step.as_message(cid, job["job_id"]))], queue_name="scrm-sync")
                assert client.lambda_.invoke("sync_worker", event).payload == {"batchItemFailures": []}
        _check(template, "sync_worker", calls)
        assert any(r == ["table/scrm-rate-limits"] for _, _, r in calls)

        # transfer_worker: plan and advance a job created without its first message (an on-the-job handover
        # of the customer above to a colleague); advance_transfers: the due job gets its step.
        taker = world["employees"][1]["userid"]
        job = {"job_id": "t" + uuid.uuid4().hex[:12], "kind": "onjob", "handover_userid": uid, "takers": [taker],
               "customers": "listed", "groups": "none", "on_refused": "leave", "state": "planning",
               "created_at": now, "request_key": uuid.uuid4().hex}
        bootstrap.transfer_repo().put_selection(cid, job["job_id"], "c", [ext])
        bootstrap.transfer_repo().create_job(cid, job, job["request_key"])
        bootstrap.corp_registry().forget(cid)
        with recording() as calls:
            # The plan's own "advance" messages also reach the stack's workers; a forced advance here polls
            # WeCom once the chunk is waiting (or calls for it first): repeat until this process has called.
            for step in ({"step": "plan"}, *({"step": "advance", "force": True} for _ in range(10))):
                event = client.events.generate_sqs_event(
                    message_bodies=[json.dumps({"corp_id": cid, "job_id": job["job_id"], **step})],
                    queue_name="scrm-transfers")
                assert client.lambda_.invoke("transfer_worker", event).payload == {"batchItemFailures": []}
                if any(r == ["table/scrm-rate-limits"] for _, _, r in calls):
                    break
                time.sleep(0.3)
        _check(template, "transfer_worker", calls)
        assert any(r == ["table/scrm-rate-limits"] for _, _, r in calls)
        with recording() as calls:
            client.lambda_.invoke("advance_transfers", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        _check(template, "advance_transfers", calls)
        assert any(r == ["table/scrm-transfers/index/by_due"] for _, _, r in calls), calls

        # mass_send_worker: plan a send to the customer above, create its WeCom task, read its results;
        # collect_mass_send_results: the open send gets its results step.
        # (A new customer, through the stack's callback: the events above left `ext` deleted.)
        from scrm.adapters.dynamo import reads

        from tests.support.waiting import wait_for

        fan = sandbox.do(cid, "customers/add", {"userid": uid})["external_userid"]
        wait_for(lambda: (reads.follow(cid, fan, uid) or {}).get("status") == "active", timeout_s=30,
                 what="the new customer's add event")
        sends = bootstrap.mass_sends()
        send, _ = sends.create(cid, {"name": "iam", "text": "iam", "recipients": {"external_userids": [fan]}})
        sends.repo.mark_open(cid, send["send_id"])
        bootstrap.corp_registry().forget(cid)

        def mass_step(step: dict[str, object]) -> None:
            event = client.events.generate_sqs_event(
                message_bodies=[json.dumps({"corp_id": cid, "send_id": send["send_id"], **step})],
                queue_name="scrm-mass-sends")
            assert client.lambda_.invoke("mass_send_worker", event).payload == {"batchItemFailures": []}

        with recording() as calls:
            # The plan's own "part" messages also reach the stack's workers, which may create the task
            # first: repeat the steps until this process has called WeCom (through the shared budget).
            mass_step({"step": "plan"})
            for _ in range(10):
                for part, _ in sends.repo.parts(cid, send["send_id"]):
                    mass_step({"step": "part", "sender": part["sender"], "number": part["number"]})
                mass_step({"step": "results"})
                if any(r == ["table/scrm-rate-limits"] for _, _, r in calls):
                    break
                time.sleep(0.3)
        _check(template, "mass_send_worker", calls)
        assert any(r == ["table/scrm-rate-limits"] for _, _, r in calls)
        assert [p["state"] for p, _ in sends.repo.parts(cid, send["send_id"])] == ["created"]
        with recording() as calls:
            client.lambda_.invoke("collect_mass_send_results", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        _check(template, "collect_mass_send_results", calls)
        assert any(r == ["table/scrm-mass-sends"] for _, _, r in calls), calls

        # nightly_reconcile.
        with recording() as calls:
            client.lambda_.invoke("nightly_reconcile", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        _check(template, "nightly_reconcile", calls)

        # reconcile_stats: WeCom's statistics (bulk budget) stored next to ours.
        with recording() as calls:
            client.lambda_.invoke("reconcile_stats", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        _check(template, "reconcile_stats", calls)
        assert any(r == ["table/scrm-contact-stats"] for _, _, r in calls)
        assert any(r == ["table/scrm-rate-limits"] for _, _, r in calls)

    # admin_api: the admin Chalice object the function hands its events to.
    from scrm.domain.api_key import Role

    from devstack.app_server import load_admin

    key = bootstrap.api_keys().create(cid, Role.ADMIN, "iam-test")["key"]
    bootstrap.reset()  # a cold container
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    with Client(load_admin()) as admin, recording() as calls:
        for method, path, body in (
            ("GET", "/admin/whoami", None),
            ("GET", f"/admin/customers?tags_all={tag}", None),
            ("GET", f"/admin/customers?employee={uid}", None),
            ("GET", f"/admin/customers/{ext}", None),
            ("PUT", f"/admin/customers/{ext}/remark", {"userid": uid, "remark": "iam"}),
            ("POST", f"/admin/customers/{ext}/tags", {"userid": uid, "add": [tag]}),
            ("GET", "/admin/tags", None),
            ("GET", "/admin/employees", None),
            ("POST", "/admin/sync", None),
            ("POST", "/admin/channel-codes", {"name": "iam", "staff": [uid], "tags": [tag]}),
            ("GET", "/admin/channel-codes", None),
            ("GET", f"/admin/channel-codes/{spec.state}/stats", None),
            ("GET", "/admin/stats/customers?by=employee&format=csv", None),
            ("GET", f"/admin/stats/groups?userid={uid}", None),
            ("PUT", "/admin/welcome-default", {"welcome": {"text": "hi"}}),
            ("POST", "/admin/group-codes", {"name": "iam", "chat_ids": [chat]}),
            ("GET", "/admin/transfers", None),
            ("GET", f"/admin/transfers/{job['job_id']}?items=1", None),
            ("GET", "/admin/transfers/unassigned", None),
            ("PUT", "/admin/transfer-policy", {"on_refused": "reassign"}),
            ("POST", "/admin/transfers", {"kind": "onjob", "handover_userid": taker, "takeover_userid": uid,
                                          "customers": [ext], "groups": []}),
            ("GET", "/admin/mass-send-quota", None),
            ("PUT", "/admin/mass-send-quota", {"msg_quota": "week_7"}),
            ("POST", "/admin/mass-sends", {"name": "iam2", "text": "iam2", "recipients": {"external_userids": [fan]}}),
            ("GET", "/admin/mass-sends", None),
            ("GET", f"/admin/mass-sends/{send['send_id']}?items=1", None),
            ("POST", f"/admin/mass-sends/{send['send_id']}/remind", None),
            ("POST", f"/admin/mass-sends/{send['send_id']}/cancel", None),
        ):
            r = getattr(admin.http, method.lower())(path, headers=auth, body=json.dumps(body) if body else b"")
            assert r.status_code < 300, (path, r.body)
    _check(template, "admin_api", calls)


def test_the_callback_function_may_do_nothing_more(templates):
    """The issue's rule: read the corps' secrets, write the de-dup table, send to its queue; nothing else."""
    _, template = templates["prod"]
    statements = template["Resources"][ROLES["api_handler"]]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    actions = {a for st in statements for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert actions == {
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
        "sqs:SendMessage", "sqs:GetQueueUrl", "secretsmanager:GetSecretValue",
    }
    resources = json.dumps(statements)
    assert "scrm-idempotency" in resources and "scrm-events" in resources
    for other in ("scrm-customers", "scrm-follows", "scrm-timeline", "scrm-tokens", "ListSecrets"):
        assert other not in resources
