"""Fission campaigns end to end on the local stack and the WeCom sandbox (issue 21): the admin API makes a
campaign; an existing customer's signed link gets their poster (a PNG with the QR of their own contact way,
made once however many requests race); new customers scan that way in the sandbox and the encrypted
callbacks count them through the event consumer: once per friend (redeliveries, a second inviter and
self-invites do not count), uncounted when the friend deletes the member within K days; the reward goes
once through add_msg_template with a code from the pool; a pool that runs out tells the inviter and the
admins, and the next upload of codes sends the waiting inviter theirs, once; ending the campaign deletes its
ways in the sandbox."""

from __future__ import annotations

import base64
import io
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from PIL import Image

from tests.integration.test_admin_api import Admin, _synced_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack
DAY = 86_400


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (375, 667), "#fde2c8").save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    corp = _synced_corp(stack, sandbox, employees=3, customers_per_employee=3, groups=0)
    cid = corp["corp_id"]
    admin = Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.ADMIN, "fission")["key"])
    world = sandbox.corp(cid)
    members = sorted(e["userid"] for e in world["employees"])
    bg = admin("POST", "/admin/materials", {"kind": "image", "title": "裂变海报", "filename": "bg.png",
                                             "content": base64.b64encode(_png()).decode()}).json()["material_id"]  # fmt: skip
    assert admin("PUT", "/admin/alert-settings", {"admins": [members[0]]}).status_code == 200
    inviters = [c["external_userid"] for c in world["customers"]]
    return {"cid": cid, "admin": admin, "bg": bg, "members": members, "inviters": inviters}


def _campaign(stack, sandbox, shop, **over: Any) -> str:
    world_now = int(sandbox.clock()["now"])
    body = {"name": "春季好友裂变", "background": shop["bg"], "threshold": 2, "keep_days": 0,
            "reward_text": "恭喜！你的券码是 {code}", "members": shop["members"][:2],
            "start_at": int(time.time()) - 60, "end_at": world_now + 30 * DAY, "activate": True, **over}  # fmt: skip
    r = shop["admin"]("POST", "/admin/fission", body)
    assert r.status_code == 201, r.text
    return r.json()["campaign_id"]


def _link(shop, campaign_id: str, ext: str) -> str:
    r = shop["admin"]("GET", f"/admin/fission/{campaign_id}/link", external_userid=ext)
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _poster(stack, token: str) -> requests.Response:
    return requests.get(f"{stack.admin_url}/admin/public/fission/poster", params={"t": token}, timeout=30)


def _progress(stack, token: str) -> dict[str, Any]:
    r = requests.get(f"{stack.admin_url}/admin/public/fission/progress", params={"t": token}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _inviter(shop, campaign_id: str, ext: str) -> dict[str, Any]:
    rows = shop["admin"]("GET", f"/admin/fission/{campaign_id}/progress").json()["items"]
    return next(r for r in rows if r["external_userid"] == ext)


def _rewards(sandbox, cid: str, ext: str) -> list[dict[str, Any]]:
    return [m for m in sandbox.groupmsgs(cid, "single")["groupmsgs"]
            if any(r["target"] == ext for t in m["tasks"] for r in t["recipients"])]  # fmt: skip


def _events_done(stack) -> bool:
    """Nothing left on the event queue (visible, in flight or delayed)."""
    import boto3

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="scrm-events")["QueueUrl"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
    found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return all(int(found[n]) == 0 for n in names)


def _self_invite(sandbox, cid: str, config_id: str, inviter: str) -> None:
    """The inviter scans their own poster: an add with their state (409 when they follow that member already)."""
    try:
        sandbox.scan(cid, config_id, external_userid=inviter)
    except Exception as exc:  # noqa: BLE001
        assert "409" in str(exc) or "already follows" in str(exc), exc


def test_bad_input_is_a_400_naming_the_field(stack, sandbox, shop):
    for over, field in [({"reward_text": "没有券码"}, "reward_text"), ({"members": ["ghost"]}, "members"),
                        ({"background": "nope"}, "background"), ({"threshold": 0}, "threshold"),
                        ({"poster": {"qr": {"x": 700, "y": 1200, "size": 300}}}, "poster.qr")]:  # fmt: skip
        body = {"name": "x", "background": shop["bg"], "threshold": 1, "keep_days": 0, "reward_text": "{code}",
                "members": shop["members"][:1], "end_at": int(time.time()) + DAY, **over}  # fmt: skip
        r = shop["admin"]("POST", "/admin/fission", body)
        assert r.status_code == 400 and r.json()["field"] == field, (over, r.text)
    bad = requests.get(f"{stack.admin_url}/admin/public/fission/poster", params={"t": "x.y"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["field"] == "t"


def test_threshold_reached_sends_the_reward_once_with_a_pool_code(stack, sandbox, shop):
    cid, admin = shop["cid"], shop["admin"]
    campaign_id = _campaign(stack, sandbox, shop)
    assert admin("POST", f"/admin/fission/{campaign_id}/coupons", {"codes": ["SPRING-001", "SPRING-002"]}).json()["added"] == 2
    inviter, other = shop["inviters"][0], shop["inviters"][1]
    token = _link(shop, campaign_id, inviter)
    since = sandbox.call_counts(cid)["last_seq"]
    with ThreadPoolExecutor(6) as pool:  # six requests race for the first poster: one contact way
        answers = list(pool.map(lambda _: _poster(stack, token), range(6)))
    assert all(a.status_code == 200 and a.headers["content-type"] == "image/png" for a in answers), answers[0].text
    assert Image.open(io.BytesIO(answers[0].content)).size == (750, 1334)
    assert len(sandbox.calls(cid, since=since, path="externalcontact/add_contact_way")) == 1
    row = _inviter(shop, campaign_id, inviter)
    from scrm import bootstrap

    way = bootstrap.admin_gateways().for_corp(cid).get_contact_way(row["config_id"])
    assert way["state"].startswith(f"fi:{campaign_id}:") and len(way["state"]) <= 30
    assert sorted(way["user"]) == shop["members"][:2]

    # A second inviter's way; a friend who already came through the first inviter scans it: no credit.
    other_row_token = _link(shop, campaign_id, other)
    assert _poster(stack, other_row_token).status_code == 200
    other_cfg = _inviter(shop, campaign_id, other)["config_id"]
    sandbox.scan(cid, other_cfg, name="路人甲")  # takes the way's first member; the next scan goes to the second

    f1 = sandbox.scan(cid, row["config_id"], name="好友一")
    sandbox.resend(cid, f1["callback_id"])  # redelivered: counted once
    wait_for(lambda: _inviter(shop, campaign_id, inviter)["confirmed"] == 1, what="first friend counted")
    sandbox.scan(cid, other_cfg, external_userid=f1["external_userid"])  # a second inviter for one friend
    _self_invite(sandbox, cid, row["config_id"], inviter)
    sandbox.resend(cid, f1["callback_id"], same_envelope=True)  # and again, late
    time.sleep(1)  # the callbacks reach the queue
    wait_for(lambda: _events_done(stack), timeout_s=60, what="the events applied")
    assert _inviter(shop, campaign_id, inviter)["confirmed"] == 1
    assert _inviter(shop, campaign_id, other)["confirmed"] == 1  # only 路人甲
    assert _rewards(sandbox, cid, inviter) == []

    sandbox.scan(cid, row["config_id"], name="好友二")
    done = wait_for(lambda: (r := _inviter(shop, campaign_id, inviter))["reward_state"] == "sent" and r,
                    what="the reward sent")  # fmt: skip
    assert done["confirmed"] == 2 and done["reward_code"] in ("SPRING-001", "SPRING-002")
    sent = _rewards(sandbox, cid, inviter)
    assert len(sent) == 1 and sent[0]["text"] == f"恭喜！你的券码是 {done['reward_code']}"
    assert sent[0]["sender"] in shop["members"] or sent[0]["creator"] in shop["members"]
    shown = _progress(stack, token)
    assert (shown["confirmed"], shown["reward"]) == (2, "sent")
    # More friends and the minute job change nothing: the reward went once.
    sandbox.scan(cid, row["config_id"], name="好友三")
    wait_for(lambda: _inviter(shop, campaign_id, inviter)["confirmed"] == 3, what="third friend counted")
    stack.run_job("advance_fission")
    assert len(_rewards(sandbox, cid, inviter)) == 1
    pool = admin("GET", f"/admin/fission/{campaign_id}").json()["pool"]
    assert pool == {"free": 1, "used": 1}


def test_a_friend_leaving_within_k_days_is_uncounted(stack, sandbox, shop):
    from scrm import bootstrap

    cid, admin = shop["cid"], shop["admin"]
    campaign_id = _campaign(stack, sandbox, shop, threshold=2, keep_days=3, members=shop["members"][2:3])
    admin("POST", f"/admin/fission/{campaign_id}/coupons", {"codes": ["KEEP-1"]})
    inviter = shop["inviters"][2]
    token = _link(shop, campaign_id, inviter)
    assert _poster(stack, token).status_code == 200
    cfg = _inviter(shop, campaign_id, inviter)["config_id"]
    friends = [sandbox.scan(cid, cfg, name=f"好友{n}")["external_userid"] for n in range(3)]
    wait_for(lambda: _progress(stack, token)["pending"] == 3, what="three friends pending")
    sandbox.do(cid, "customers/del_by_customer", {"userid": shop["members"][2], "external_userid": friends[0]})
    wait_for(lambda: _progress(stack, token)["lost"] == 1, what="the friend who left uncounted")
    # K days later the job confirms the two who stayed. The job runs here, in-process, on a clock K days ahead:
    # the session's sandbox clock stays (a callback signed days ahead fails the route's 300 s timestamp window,
    # as it would with WeCom, and would break every later test of the session).
    job = bootstrap._fission_service(bootstrap.admin_gateways().for_corp)
    job.clock = lambda: time.time() + 3 * DAY + 60
    with stack.schedules_held():
        job.advance(cid)
        job.advance(cid)
    row = _inviter(shop, campaign_id, inviter)
    assert (row["pending"], row["confirmed"], row["lost"], row["reward_state"]) == (0, 2, 1, "sent")
    assert len(_rewards(sandbox, cid, inviter)) == 1 and row["reward_code"] == "KEEP-1"


def test_pool_running_out_tells_the_inviter_and_the_admins_once(stack, sandbox, shop):
    cid, admin = shop["cid"], shop["admin"]
    campaign_id = _campaign(stack, sandbox, shop, threshold=1, members=shop["members"][:1])
    admin("POST", f"/admin/fission/{campaign_id}/coupons", {"codes": ["LAST-ONE"]})
    a, b = shop["inviters"][3], shop["inviters"][4]
    before = len(sandbox.messages(cid))
    for ext in (a, b):
        assert _poster(stack, _link(shop, campaign_id, ext)).status_code == 200
    sandbox.scan(cid, _inviter(shop, campaign_id, a)["config_id"], name="甲的朋友")
    wait_for(lambda: _inviter(shop, campaign_id, a)["reward_state"] == "sent", what="a's reward")
    cfg_b = _inviter(shop, campaign_id, b)["config_id"]
    sandbox.scan(cid, cfg_b, name="乙的朋友")
    told = wait_for(lambda: (r := _inviter(shop, campaign_id, b))["reward_state"] == "pool_empty" and r, what="b told")
    assert told["reward_code"] == ""
    sent_b = _rewards(sandbox, cid, b)
    assert len(sent_b) == 1 and "LAST-ONE" not in sent_b[0]["text"] and "发完" in sent_b[0]["text"]
    assert _progress(stack, _link(shop, campaign_id, b))["reward"] == "pool_empty"
    notices = wait_for(lambda: [m for m in sandbox.messages(cid)[before:] if "奖励券已发完" in str(m)] or None,
                       what="the admins alerted")  # fmt: skip
    assert len(notices) == 1
    assert admin("GET", f"/admin/fission/{campaign_id}").json()["pool_alerted"] is True
    stack.run_job("advance_fission")
    assert len(_rewards(sandbox, cid, b)) == 1 and len(_rewards(sandbox, cid, a)) == 1

    # New codes: the upload itself sends b theirs, once (the job and a repeat upload send nothing more).
    since = sandbox.call_counts(cid)["last_seq"]
    with stack.schedules_held():
        r = admin("POST", f"/admin/fission/{campaign_id}/coupons", {"codes": ["REFILL-1", "REFILL-2"]})
        assert r.status_code == 200, r.text
        assert (r.json()["added"], r.json()["served"], r.json()["waiting"]) == (2, 1, 0)
        assert r.json()["pool"] == {"free": 1, "used": 2}
        stack.run_job("advance_fission")
        again = admin("POST", f"/admin/fission/{campaign_id}/coupons", {"codes": ["REFILL-1", "REFILL-3"]}).json()
        assert (again["served"], again["waiting"]) == (0, 0)
        stack.run_job("advance_fission")
    sends = sandbox.calls(cid, since=since, path="externalcontact/add_msg_template")
    assert [(c["body"]["external_userid"], c["body"]["text"]["content"]) for c in sends] == \
        [([b], "恭喜！你的券码是 REFILL-1")]  # fmt: skip
    row = _inviter(shop, campaign_id, b)
    assert (row["reward_state"], row["reward_code"]) == ("sent", "REFILL-1")
    assert _progress(stack, _link(shop, campaign_id, b))["reward"] == "sent"
    assert admin("GET", f"/admin/fission/{campaign_id}").json()["pool_alerted"] is False
    assert len(_rewards(sandbox, cid, b)) == 2 and len(_rewards(sandbox, cid, a)) == 1


def test_ending_deletes_the_ways_in_the_sandbox(stack, sandbox, shop):
    cid, admin = shop["cid"], shop["admin"]
    campaign_id = _campaign(stack, sandbox, shop)
    tokens = [_link(shop, campaign_id, ext) for ext in shop["inviters"][5:8]]
    for token in tokens:
        assert _poster(stack, token).status_code == 200
    from scrm import bootstrap
    from scrm.kernel.wecom_error import WeComError

    gw = bootstrap.admin_gateways().for_corp(cid)
    ways = {r["config_id"] for r in admin("GET", f"/admin/fission/{campaign_id}/progress").json()["items"]}
    assert len(ways) == 3 and all(gw.get_contact_way(w)["config_id"] == w for w in ways)
    since = sandbox.call_counts(cid)["last_seq"]
    r = admin("POST", f"/admin/fission/{campaign_id}/end")
    assert r.status_code == 200 and r.json()["status"] == "ended" and r.json()["ways_left"] == 0
    deleted = {c["body"]["config_id"] for c in sandbox.calls(cid, since=since, path="externalcontact/del_contact_way")}
    assert deleted == ways
    for w in ways:
        with pytest.raises(WeComError) as gone:
            gw.get_contact_way(w)
        assert gone.value.errcode == 41044
    assert _poster(stack, tokens[0]).status_code == 409
    assert admin("POST", f"/admin/fission/{campaign_id}/end").json()["ways_left"] == 0  # again: nothing to do
