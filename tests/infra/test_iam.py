"""Each function's IAM policy in the template against what the function really calls.

Every AWS call made through botocore (boto3 clients, pynamodb, Powertools) is recorded while each
function's handler runs in process against the local stack; each call must be allowed by a statement of
that function's role in the packaged template, and each function must make calls (the test cannot pass
by recording nothing), and every function of the template must be replayed."""

from __future__ import annotations

import base64
import fnmatch
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import botocore.client
import pytest
from scrm import bootstrap
from scrm.kernel.event_key import event_id, event_key
from scrm.mass_sends.spec import SINGLE, new_send
from scrm.sops import model as S
from scrm.transfers.job import TransferJob
from scrm.welcome.message import Welcome

from devstack import aws_faults
from devstack.wecom_player import FakeWeCom, event_xml
from infra.template import LOGICAL, ROLES
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


# The functions _check has seen: a function added to the template without a replay here fails the test.
REPLAYED: set[str] = set()


def _statements(template: dict[str, Any], fn: str) -> list[dict[str, Any]]:
    return template["Resources"][ROLES[fn]]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def _check(template: dict[str, Any], fn: str, calls: list[tuple[str, str, list[str]]]) -> None:
    REPLAYED.add(fn)
    statements = _statements(template, fn)
    assert calls, f"{fn} made no AWS call: the test exercised nothing"
    # Logs: only the function's own group (the one its LoggingConfig names), never a wildcard.
    own = template["Resources"][LOGICAL[fn]]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    log_targets = [st["Resource"] for st in statements
                   if any(a.startswith("logs:") for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]]))]
    assert log_targets == [{"Fn::GetAtt": [own, "Arn"]}], f"{fn} may write logs beyond its own group: {log_targets}"
    denied = [(f"{svc}:{op}", r) for svc, op, res in calls for r in res
              if not _allowed(statements, IAM_ACTION.get(f"{svc}:{op}", f"{svc}:{op}"), r)]
    assert not denied, f"{fn} calls what its policy does not allow: {sorted(set(denied))}"


def _message(fields: dict[str, Any]) -> str:
    key = event_key(fields)
    return json.dumps({"v": 1, "corp_id": fields["ToUserName"], "key": key, "event_id": event_id(key),
                       "received_at_ms": 0, "fields": fields})


def _post_event(client: Any, wecom: FakeWeCom, cid: str, fields: dict[str, Any]) -> Any:
    params, body = wecom.envelope(event_xml(fields))
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.http.post(f"/wecom/callback/{cid}?{query}", body=body, headers={"Content-Type": "text/xml"})


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
                assert _post_event(client, wecom, cid, event_fields).status_code == 200
            # SQS refusing sends: the event is parked (the route's one DynamoDB write)
            messaging = f"http://127.0.0.1:{stack.messaging_port}"
            aws_faults.refuse(messaging, aws_faults.SQS_SENDS, 30)
            try:
                parked = {**fields, "ExternalUserID": "wm" + uuid.uuid4().hex}
                assert _post_event(client, wecom, cid, parked).status_code == 200
            finally:
                aws_faults.clear(messaging)
        _check(template, "api_handler", calls)
        assert any(r == [":scrm-welcome"] for _, _, r in calls)
        assert ("dynamodb", "PutItem", ["table/scrm-parked-events"]) in calls

        # The ack path at its floor: a warm route makes one AWS call per event (SendMessage), two for an
        # arrival with a welcome code (the welcome queue first); no de-dup record, no lookup.
        for event_fields, floor in ((fields, [":scrm-events"]), (arrival, [":scrm-welcome", ":scrm-events"])):
            event_fields = {**event_fields, "ExternalUserID": "wm" + uuid.uuid4().hex}
            with recording() as calls:
                assert _post_event(client, wecom, cid, event_fields).status_code == 200
            assert [(svc, op) for svc, op, _ in calls] == [("sqs", "SendMessage")] * len(floor), calls
            assert [r for _, _, (r,) in calls] == floor

        # redrive_parked_events: the parked event goes to its queue and leaves the table.
        with recording() as calls:
            result = client.lambda_.invoke("redrive_parked_events", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])).payload
        assert result["redriven"] >= 1 and result["failed"] == 0, result
        _check(template, "redrive_parked_events", calls)
        assert {(svc, op) for svc, op, _ in calls} >= {("dynamodb", "Scan"), ("dynamodb", "DeleteItem"),
                                                        ("sqs", "SendMessage")}

        # A channel code (its contact way made directly in WeCom; the admin replay below makes one through
        # the API), so that an arrival through it touches the live-code tables.
        from scrm.live_codes.channel_code import ChannelCode, contact_way_body, parse_spec

        spec = parse_spec({"name": "iam", "staff": [uid], "daily_cap": 5, "remark_template": "iam-{name}",
                           "welcome": {"text": "hi {name}"}})
        config_id, qr = bootstrap.admin_gateways().for_corp(cid).add_contact_way(2, contact_way_body(spec, [uid]))
        bootstrap.live_code_repo().create(cid, f"c#{spec.state}", ChannelCode(spec, config_id, qr, ()).as_dict())
        # Churn alerts: every single alert goes to the digest, which is due all day (alert_digest below).
        bootstrap.alert_repo().save_settings(cid, {"digest_above": 0, "digest_time": "00:00"})
        # A customer SOP whose day-0 step is at a minute ten minutes before this test began: no tick has
        # planned that minute or the few after it for this corp (registered since). The add events below
        # write its due items; the mass-send worker's replay plans a send of that minute, plan_sops one of
        # the next.
        step_minute = S.minute_key(datetime.fromtimestamp(now - 600, UTC))
        sop_id = bootstrap.sop_admin().create(cid, {"name": "iam", "targets": {}, "steps": [
            {"id": "d0", "after_added_days": 0, "at": step_minute[-5:], "text": "iam sop"}]})["sop_id"]

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
        assert ("dynamodb", "BatchWriteItem", ["table/scrm-sops"]) in calls  # the SOP enrolment observer

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
        from scrm.sync.plan import Step
        from scrm.sync.repository import DynamoSyncJobs

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
        bootstrap.transfer_repo().create_job(cid, TransferJob.from_dict(job), job["request_key"])
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
        send, _ = sends.create(cid, new_send("iam", Welcome("iam"), external_userids=[fan]))
        sends.repo.mark_open(cid, send.send_id)
        bootstrap.corp_registry().forget(cid)

        def mass_message(message: dict[str, object]) -> None:
            event = client.events.generate_sqs_event(message_bodies=[json.dumps(message)],
                                                     queue_name="scrm-mass-sends")
            assert client.lambda_.invoke("mass_send_worker", event).payload == {"batchItemFailures": []}

        def mass_step(step: dict[str, object]) -> None:
            mass_message({"corp_id": cid, "send_id": send.send_id, **step})

        with recording() as calls:
            # The plan's own "part" messages also reach the stack's workers, which may create the task
            # first: repeat the steps until this process has called WeCom (through the shared budget).
            mass_step({"step": "plan"})
            for _ in range(10):
                for part in sends.repo.parts(cid, send.send_id):
                    mass_step({"step": "part", "sender": part.sender, "number": part.number})
                mass_step({"step": "results"})
                if any(r == ["table/scrm-rate-limits"] for _, _, r in calls):
                    break
                time.sleep(0.3)
        _check(template, "mass_send_worker", calls)
        assert any(r == ["table/scrm-rate-limits"] for _, _, r in calls)
        assert [p.state for p in sends.repo.parts(cid, send.send_id)] == ["created"]
        # A SOP step's planned send, made as the tick makes it but with no plan message for the stack's
        # workers: its plan reads the SOP and the minute's due items, its part creates the task. The part's
        # own reminder races the stack's workers; a member with no part of this send is reminded by this
        # process alone (the alerts' pacing items, the app message). Then a page of the SOP's enrolment
        # (the search indexes, due items).
        sop_repo = bootstrap.sop_repo()
        anchor = int(S.minute_start(step_minute).timestamp())  # an add at the step's minute: due at once
        sop_repo.put_due(cid, [(step_minute, sop_id, "d0", fan, uid, anchor)])
        d0 = sop_repo.get_sop(cid, sop_id).spec.step("d0")
        assert d0 is not None
        source = {"kind": "sop", "sop_id": sop_id, "step_id": "d0", "minute": step_minute, "name": "iam"}
        planned, _ = sends.create_planned(cid, f"sop#{sop_id}#d0#{step_minute}", "iam · d0", d0.content,
                                          SINGLE, source)
        sends.repo.mark_open(cid, planned.send_id)
        with recording() as calls:
            sop_step = {"corp_id": cid, "send_id": planned.send_id}
            mass_message({**sop_step, "step": "plan"})
            for part in sends.repo.parts(cid, planned.send_id):
                mass_message({**sop_step, "step": "part", "sender": part.sender, "number": part.number})
            mass_message({**sop_step, "step": "notify", "sender": taker})
            mass_message({"corp_id": cid, "sop_id": sop_id, "step": "sop_enrol", "query": 0, "cursor": ""})
        _check(template, "mass_send_worker", calls)
        assert [p.sender for p in sends.repo.parts(cid, planned.send_id)] == [uid]
        assert any(op == "UpdateItem" and r == ["table/scrm-alerts"] for _, op, r in calls)
        assert any(m.get("touser") == [taker] and "SOP 任务" in str(m.get("content")) for m in sandbox.messages(cid))
        assert ("dynamodb", "BatchWriteItem", ["table/scrm-sops"]) in calls  # the enrolment page's due items
        with recording() as calls:
            client.lambda_.invoke("collect_mass_send_results", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        _check(template, "collect_mass_send_results", calls)
        assert any(r == ["table/scrm-mass-sends"] for _, _, r in calls), calls

        # advance_moments: a task's call, its job asked, then a pass of results whose like goes onto the
        # customer's timeline (the stack's own minute job may take a step first: the calls are what count).
        sandbox.set_moment_job_time(cid, 0)
        moment, _ = bootstrap.moments().create(cid, {"name": "iam", "text": "IAM 朋友圈", "senders": [uid]}, "iam")
        tick = lambda: client.lambda_.invoke("advance_moments", client.events.generate_cw_event(  # noqa: E731
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        with recording() as calls:
            tick()
            tick()
            made = bootstrap.moments().get(cid, moment.moment_task_id)
            assert made.state == "created", made
            sandbox.publish_moment(cid, made.moment_id, uid)
            sandbox.like_moment(cid, made.moment_id, uid, external_userid=ext)
            _results_due(cid, moment.moment_task_id)
            tick()
        _check(template, "advance_moments", calls)
        assert any(r == ["table/scrm-timeline"] for _, _, r in calls), calls

        # advance_fission: a campaign past its end is ended and its inviter's way deleted in WeCom; the
        # inviter's friend, due, is checked against the store's relation (customers, follows read).
        from scrm.fission.model import ACTIVE, Campaign, Inviter, Spot, inviter_key, state_of

        fission = bootstrap.fission()
        fc = Campaign("iamfiss1", "iam", "bg", 750, 1334, Spot(0, 0, 20), Spot(0, 40, 40), Spot(100, 100, 300), 1,
                      0, "{code}", (uid,), now - 600, now - 1, status=ACTIVE, created_at=now - 600)  # fmt: skip
        assert fission.repo.add_campaign(cid, fc)
        key = inviter_key(ext)
        cfg, qr = bootstrap.admin_gateways().for_corp(cid).add_contact_way(1, {"user": [uid], "state": state_of(fc.campaign_id, key)})
        fi = Inviter(fc.campaign_id, key, ext, state=state_of(fc.campaign_id, key), config_id=cfg, qr_code=qr,
                     friends={"wm" + uuid.uuid4().hex: {"at": now - 60, "userid": uid, "state": "pending"}}, pending=1)  # fmt: skip
        assert fission.repo.add_inviter(cid, fi)
        fission.repo.add_due(cid, fc.campaign_id, now - 60, key)
        with recording() as calls:
            ticked = client.lambda_.invoke("advance_fission", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])).payload
        _check(template, "advance_fission", calls)
        assert ticked["corps"][cid]["iamfiss1"]["ended"] is True, ticked["corps"][cid]
        assert any(r == ["table/scrm-follows"] for _, _, r in calls), calls
        assert fission.repo.inviter(cid, fc.campaign_id, key).way_deleted
        # provision_store_codes: an imported store's contact way made as a channel code (issue 21).
        bootstrap.stores().import_json(cid, [{"store_id": "iam1", "name": "IAM 店", "city": "上海", "latitude": 31.23,
                                              "longitude": 121.47, "assistants": [uid]}])
        with recording() as calls:
            client.lambda_.invoke("provision_store_codes", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        _check(template, "provision_store_codes", calls)
        assert bootstrap.stores().get(cid, "iam1")["code_status"] == "active"

        # plan_sops: a due item in a minute no tick has planned, the corp's cursor moved back before it. The
        # cursor only moves forward (and the stack's own tick moves it every minute), so its item is deleted
        # first; should the stack's tick plan that minute while this one is set up, the next one is tried.
        from scrm.adapters.dynamo.models import SopItem

        for later in range(1, 4):
            minute = S.minute_key(S.minute_start(step_minute) + timedelta(minutes=later))
            # (the item's anchor puts it due at step_minute, so the send's plan finds nobody to send to)
            sop_repo.put_due(cid, [(minute, sop_id, "d0", fan, uid, anchor)])
            SopItem(cid, "cursor").delete()
            sop_repo.set_cursor(cid, S.minute_key(S.minute_start(minute) - timedelta(minutes=1)))
            with recording() as calls:
                ticked = client.lambda_.invoke("plan_sops", client.events.generate_cw_event(
                    source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])).payload
            _check(template, "plan_sops", calls)
            if ticked[cid].get("sends"):
                break
        assert ticked[cid]["sends"] == 1, ticked[cid]
        assert minute in {run["minute"] for run in sop_repo.runs(cid, sop_id)}
        assert any(r == [":scrm-mass-sends"] for _, _, r in calls)  # the send's plan message

        # nightly_reconcile.
        with recording() as calls:
            client.lambda_.invoke("nightly_reconcile", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        _check(template, "nightly_reconcile", calls)

        # reconcile_stats: WeCom's statistics (bulk budget) stored next to ours, the moved months sealed.
        with recording() as calls:
            reconciled = client.lambda_.invoke("reconcile_stats", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])).payload
        _check(template, "reconcile_stats", calls)
        assert any(r == ["table/scrm-contact-stats"] for _, _, r in calls)
        assert any(r == ["table/scrm-rate-limits"] for _, _, r in calls)
        assert reconciled["corps"][cid]["sealed"]["cust"]["sealed"], reconciled["corps"][cid]

        # seal_stats: the day roll-ups' stamps and the running sums read, the months that moved sealed (the
        # corp's seals removed first: the reconcile just sealed every month).
        from scrm.contact_stats.repository import S as StatItem
        from scrm.contact_stats.repository import seal_pk

        for item in StatItem.query(seal_pk(cid, "cust")):
            item.delete()
        with recording() as calls:
            sealed = client.lambda_.invoke("seal_stats", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])).payload
        _check(template, "seal_stats", calls)
        assert sealed["corps"][cid]["cust"]["sealed"], sealed["corps"][cid]
        assert ("dynamodb", "BatchWriteItem", ["table/scrm-contact-stats"]) in calls, calls

    # admin_api: the admin Chalice object the function hands its events to.
    from scrm.corps.api_key import Role

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
            ("PUT", f"/admin/groups/{chat}/tags", {"tags": ["iam"]}),
            ("GET", f"/admin/groups/{chat}", None),
            ("GET", "/admin/groups", None),
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
            ("GET", f"/admin/mass-sends/{send.send_id}?items=1", None),
            ("POST", f"/admin/mass-sends/{send.send_id}/remind", None),
            ("POST", f"/admin/mass-sends/{send.send_id}/cancel", None),
            ("POST", "/admin/sops", {"name": "iam2", "targets": {},
                                     "steps": [{"after_added_days": 1, "at": "10:00", "text": "iam2"}]}),
            ("GET", "/admin/sops", None),
            ("GET", f"/admin/sops/{sop_id}/progress", None),
            ("PUT", "/admin/stages", {"stages": [{"id": "new", "name": "新客"}, {"id": "deal", "name": "成交"}]}),
            ("PUT", f"/admin/customers/{ext}/stage", {"stage": "deal", "userid": uid}),
            ("POST", f"/admin/customers/{ext}/notes", {"text": "iam", "userid": uid}),
            ("GET", f"/admin/customers/{ext}/notes", None),
            ("GET", "/admin/notes?q=iam", None),
            ("GET", f"/admin/notes?userid={uid}", None),
            ("GET", "/admin/stats/stages", None),
            ("POST", "/admin/keys", {"role": "viewer", "name": "iam"}),
            ("GET", "/admin/keys", None),
        ):
            r = getattr(admin.http, method.lower())(path, headers=auth, body=json.dumps(body) if body else b"")
            assert r.status_code < 300, (path, r.body)
            if path == f"/admin/groups/{chat}":
                shown = json.loads(r.body)["members"]
            if (method, path) == ("POST", "/admin/keys"):
                issued = json.loads(r.body)["key_id"]
        r = admin.http.delete(f"/admin/keys/{issued}", headers=auth)
        assert r.status_code == 200, r.body
        # Scripts and materials: a material's bytes in chunks (BatchWriteItem), replaced and deleted with it.
        png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 400_000).decode()
        made = json.loads(admin.http.post("/admin/materials", headers=auth, body=json.dumps(
            {"kind": "image", "title": "iam", "filename": "p.png", "content": png})).body)
        for method, path, body in (
            ("PATCH", f"/admin/materials/{made['material_id']}", {"content": png}),
            ("GET", "/admin/materials?q=iam", None),
            ("POST", "/admin/scripts", {"title": "iam", "text": "{name}"}),
            ("GET", "/admin/scripts", None),
            ("GET", "/admin/content/usage?by=member", None),
            ("DELETE", f"/admin/materials/{made['material_id']}", None),
        ):
            r = getattr(admin.http, method.lower())(path, headers=auth, body=json.dumps(body) if body else b"")
            assert r.status_code < 300, (path, r.body)
    _check(template, "admin_api", calls)
    assert any(op == "BatchWriteItem" and res == ["table/scrm-content"] for _, op, res in calls)
    # GET /admin/groups/{chat_id} reads the group's members (the role's one read of group_members).
    assert any(op == "Query" and res == ["table/scrm-group-members"] for _, op, res in calls)
    assert {m["member_id"] for m in shown} == {uid, ext}
    # The group members are only read, and the keys only read, issued and marked revoked — never deleted
    # or scanned: the role allows nothing else on them (and the replay above, with every admin route that
    # touches them, passed with that role).
    assert any(op == "GetItem" and res == ["table/scrm-api-keys"] for _, op, res in calls)
    assert any(op == "PutItem" and res == ["table/scrm-api-keys"] for _, op, res in calls)
    assert any(op == "UpdateItem" and res == ["table/scrm-api-keys"] for _, op, res in calls)
    read = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"}
    for table, wanted in (("scrm-api-keys", read | {"dynamodb:PutItem", "dynamodb:UpdateItem"}),
                          ("scrm-group-members", read)):
        granted = {a for st in _statements(template, "admin_api") for a in st["Action"]
                   if any(fnmatch.fnmatchcase(f"table/{table}", _pattern(t))
                          for t in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]))}
        assert granted == wanted, (table, granted)
    # Each request's key limit (one UpdateItem) and the admin's WeCom calls in the shared budget.
    assert any(op == "UpdateItem" and res == ["table/scrm-rate-limits"] for _, op, res in calls)
    assert set(ROLES) == REPLAYED, f"functions not replayed: {sorted(set(ROLES) - REPLAYED)}"


def test_the_callback_function_may_do_nothing_more(templates):
    """Read the corps' secrets, send to its two queues, park an event SQS refused (PutItem only, one
    table); nothing else: no read of any table, no de-dup record."""
    _, template = templates["prod"]
    statements = template["Resources"][ROLES["api_handler"]]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    actions = {a for st in statements for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert actions == {
        "logs:CreateLogStream", "logs:PutLogEvents",
        "dynamodb:PutItem",
        "sqs:SendMessage", "sqs:GetQueueUrl", "secretsmanager:GetSecretValue",
    }
    resources = json.dumps(statements)
    assert "scrm-parked-events" in resources and "scrm-events" in resources and "scrm-welcome" in resources
    for other in ("scrm-idempotency", "scrm-customers", "scrm-follows", "scrm-timeline", "scrm-tokens", "ListSecrets"):
        assert other not in resources


def _results_due(corp_id: str, moment_task_id: str) -> None:
    """The task's next results pass due now, whatever pass the stack's own minute job already made."""
    bootstrap.moments().refresh(corp_id, moment_task_id)
