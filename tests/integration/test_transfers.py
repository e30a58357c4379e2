"""Customer and group handovers end to end: admin API → transfer queue → WeCom (sandbox) → transfer_fail
callbacks and result polling → every end state; plus repeats, the 90-day rule, cancel and bad input.

WeCom completes a transfer 24 h after it starts, so these tests move the sandbox's world clock. That clock
is shared by every corp of a sandbox, and callbacks carry its time, so this module runs its own stack
whose callback route accepts timestamps a month off (the session's stack keeps the strict window):
tests/support/transfer_stack.py, shared with the console's transfer test.
"""

from __future__ import annotations

from typing import Any

import pytest
from scrm import bootstrap
from scrm.corps.api_key import Role

from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack
from tests.conftest import new_corp
from tests.integration.test_admin_api import Admin
from tests.support.syncing import sync_and_wait
from tests.support.transfer_stack import transfer_stack_fixtures
from tests.support.waiting import wait_for
from wecom_sandbox.api.group_transfers import INHERIT_S

pytestmark = pytest.mark.stack
DAY = 86_400

tstack, tsandbox = transfer_stack_fixtures("transfer-stack")


def _office(stack: Stack, sandbox: SandboxClient, employees: int = 5, customers: int = 5) -> dict[str, Any]:
    corp = new_corp(stack, sandbox, seed={"employees": employees, "customers_per_employee": customers, "groups": 0,
                                          "tags": 2, "tag_groups": 1})  # fmt: skip
    cid = corp["corp_id"]
    sync_and_wait(cid)
    world = sandbox.corp(cid)
    staff = [e["userid"] for e in world["employees"]]
    key = bootstrap.api_keys().create(cid, Role.ADMIN, "t")["key"]
    return {"cid": cid, "staff": staff, "admin": Admin(stack.admin_url, key), "world": world}


def _customers_of(sandbox: SandboxClient, cid: str, userid: str) -> list[str]:
    return sorted(
        c["external_userid"] for c in sandbox.corp(cid)["customers"]
        if any(f["userid"] == userid for f in c["follow_users"])
    )  # fmt: skip


def _leave(sandbox: SandboxClient, cid: str, userid: str) -> None:
    """The employee leaves: WeCom's delete_user reaches us and our directory marks them gone."""
    sandbox.do(cid, "users/delete", {"userid": userid})
    from scrm.adapters.dynamo.directory import DynamoDirectory

    wait_for(lambda: userid not in DynamoDirectory().known_employees(cid, [userid]), timeout_s=20, what="delete_user")


def _job(admin: Admin, job_id: str, **params: Any) -> dict[str, Any]:
    r = admin("GET", f"/admin/transfers/{job_id}", **params)
    assert r.status_code == 200, r.text
    return r.json()


def _until(admin: Admin, job_id: str, probe: Any, what: str, timeout_s: float = 40) -> dict[str, Any]:
    return wait_for(lambda: (j := _job(admin, job_id)) and probe(j) and j, timeout_s=timeout_s, interval_s=0.3, what=what)


def _refresh(admin: Admin, job_id: str) -> None:
    r = admin("POST", f"/admin/transfers/{job_id}/refresh")
    assert r.status_code == 202, r.text


def test_offboarding_reaches_every_end_state(tstack, tsandbox):
    o = _office(tstack, tsandbox, employees=5, customers=6)
    cid, admin, staff = o["cid"], o["admin"], o["staff"]
    leaver, a, b = staff[0], staff[1], staff[2]
    chats = [tsandbox.do(cid, "groups/create", {"owner": leaver, "members": [staff[3]], "name": f"g{i}"})["chat_id"]
             for i in range(3)]  # fmt: skip
    theirs = _customers_of(tsandbox, cid, leaver)
    assert len(theirs) == 6
    _leave(tsandbox, cid, leaver)

    r = admin("GET", "/admin/transfers/unassigned", handover_userid=leaver)
    assert r.status_code == 200, r.text
    row = r.json()["items"][0]
    assert row["customers"] == 6 and sorted(row["customer_ids"]) == theirs and sorted(row["group_ids"]) == sorted(chats)

    calls_before = len(tsandbox.calls(cid))
    r = admin("POST", "/admin/transfers", {"kind": "resigned", "handover_userid": leaver, "takeover_userids": [a, b]})
    assert r.status_code == 202, r.text
    job_id = r.json()["job"]["job_id"]
    # The same request again (a double click): the same job, nothing new.
    again = admin("POST", "/admin/transfers", {"kind": "resigned", "handover_userid": leaver, "takeover_userids": [a, b]})
    assert again.status_code == 200 and again.json()["job"]["job_id"] == job_id and again.json()["created"] is False

    j = _until(admin, job_id, lambda j: j["customers"]["waiting"] == 6 and j["groups"]["done"] == 3, "all requested")
    assert j["by_taker"] == {a: {"waiting": 3}, b: {"waiting": 3}}  # an even split
    calls = tsandbox.calls(cid)[calls_before:]
    starts = [c for c in calls if c["path"].endswith("resigned/transfer_customer")]
    assert len(starts) == 2 and all(len(c["body"]["external_userid"]) == 3 for c in starts)
    assert sum(1 for c in calls if c["path"].endswith("groupchat/transfer")) == 2  # one per new owner
    # WeCom accepted the groups: 离职继承中 (status 2) for a while, then inherited (status 3, the new owner).
    inheriting = tsandbox.transfers(cid)["group_inherits"]
    assert sorted(g["chat_id"] for g in inheriting) == sorted(chats)
    assert sorted(g["new_owner"] for g in inheriting) == sorted([a, a, b])
    world = tsandbox.corp(cid)
    assert {g["status"] for g in world["groups"] if g["chat_id"] in chats} == {2}
    tsandbox.advance_clock(INHERIT_S)
    world = tsandbox.corp(cid)
    assert sorted(g["owner"] for g in world["groups"] if g["chat_id"] in chats) == sorted([a, a, b])
    assert {g["status"] for g in world["groups"] if g["chat_id"] in chats} == {3}

    items = {i["id"]: i for i in _job(admin, job_id, items="1")["items"] if i["type"] == "customer"}
    a_customers = sorted(i for i, v in items.items() if v["taker"] == a)
    # One customer of A refuses; B is at the customer limit: both arrive as transfer_fail callbacks.
    tsandbox.do(cid, "transfers/refuse", {"external_userid": a_customers[0]})
    tsandbox.do(cid, "transfers/limit", {"takeover_userid": b})
    j = _until(admin, job_id, lambda j: j["customers"]["refused"] == 1 and j["customers"]["taker_limit"] == 3,
               "transfer_fail callbacks applied")  # fmt: skip
    assert j["state"] == "running" and j["customers"]["waiting"] == 2

    # 24 h later WeCom has moved the rest; a check (the scheduled poll, here asked for now) sees it.
    tsandbox._call("POST", "/clock/advance", {"seconds": DAY + 600})
    _refresh(admin, job_id)
    j = _until(admin, job_id, lambda j: j["state"] == "finished", "finished")
    assert j["customers"] | {"total": 6} == {
        "total": 6, "requested": 0, "waiting": 0, "done": 2, "refused": 1, "taker_limit": 3, "failed": 0,
        "cancelled": 0, "reassigned": 0,
    }  # fmt: skip
    assert j["settled_percent"] == 100.0
    assert sorted(_customers_of(tsandbox, cid, a)) == sorted(set(_customers_of(tsandbox, cid, a)))
    assert set(a_customers[1:]) <= set(_customers_of(tsandbox, cid, a))
    # WeCom sends no callback for the departed member's side of a resigned handover: we record it.
    from scrm.adapters.dynamo import reads

    for ext in a_customers[1:]:
        wait_for(lambda ext=ext: (reads.follow(cid, ext, leaver) or {}).get("status") == "transferred",
                 timeout_s=20, what="handover relation recorded")  # fmt: skip
    assert (reads.follow(cid, a_customers[0], leaver) or {}).get("status") == "active"  # refused: still theirs

    # A second job for what is left, with re-assignment: B is still at the limit, so those go to A.
    r = admin("POST", "/admin/transfers", {"kind": "resigned", "handover_userid": leaver, "takeover_userids": [b, a],
                                           "on_refused": "reassign"})  # fmt: skip
    assert r.status_code == 202, r.text
    job2 = r.json()["job"]["job_id"]
    j = _until(admin, job2, lambda j: j["customers"]["requested"] == 0 and j["state"] == "running", "second job requested")
    # B's share answers 40099 at once (taker at limit); re-assigned to A on the next check.
    assert j["customers"]["taker_limit"] == 2 and j["customers"]["waiting"] == 2 and j["next_check_at"]
    _refresh(admin, job2)
    j = _until(admin, job2, lambda j: j["by_taker"].get(a, {}).get("waiting", 0) == 4, "re-assigned to A")
    assert j["customers"]["reassigned"] == 2 and j["customers"]["taker_limit"] == 0


def test_named_customers_failures_and_cancel(tstack, tsandbox):
    o = _office(tstack, tsandbox, employees=4, customers=3)
    cid, admin, staff = o["cid"], o["admin"], o["staff"]
    leaver, taker, other = staff[0], staff[1], staff[2]
    _leave(tsandbox, cid, leaver)
    not_theirs = _customers_of(tsandbox, cid, other)[0]
    mine = _customers_of(tsandbox, cid, leaver)
    r = admin("POST", "/admin/transfers", {"kind": "resigned", "handover_userid": leaver, "takeover_userid": taker,
                                           "customers": [mine[0], not_theirs], "groups": []})  # fmt: skip
    assert r.status_code == 202, r.text
    job_id = r.json()["job"]["job_id"]
    j = _until(admin, job_id, lambda j: j["customers"]["waiting"] == 1 and j["customers"]["failed"] == 1, "requested")
    failed = [i for i in _job(admin, job_id, items="1")["items"] if i["state"] == "failed"]
    assert failed == [{"type": "customer", "id": not_theirs, "taker": taker, "state": "failed",
                       "reason": "not_a_customer_of_handover", "at": failed[0]["at"]}]  # fmt: skip
    # One open job per handover: another request for them is refused, naming the job.
    r = admin("POST", "/admin/transfers", {"kind": "resigned", "handover_userid": leaver, "takeover_userid": other})
    assert r.status_code == 409 and job_id in r.json()["error"] and r.json()["field"] == "handover_userid"
    # Cancel: nothing left that WeCom has not started; the waiting one stays waiting (WeCom cannot undo).
    r = admin("POST", f"/admin/transfers/{job_id}/cancel")
    assert r.status_code == 200 and r.json()["state"] == "cancelling" and r.json()["customers"]["waiting"] == 1

    # WeCom busy: the call is retried later, and a cancel before then stops it.
    leaver2 = staff[3]
    _leave(tsandbox, cid, leaver2)
    tsandbox.faults(cid, {"path": "externalcontact/resigned/transfer_customer", "errcode": -1, "times": 20})
    r = admin("POST", "/admin/transfers", {"kind": "resigned", "handover_userid": leaver2, "takeover_userid": taker,
                                           "groups": []})  # fmt: skip
    job2 = r.json()["job"]["job_id"]
    _until(admin, job2, lambda j: j["state"] == "running" and j["next_check_at"], "first try failed")
    r = admin("POST", f"/admin/transfers/{job2}/cancel")
    assert r.status_code == 200, r.text
    _refresh(admin, job2)
    j = _until(admin, job2, lambda j: j["state"] == "cancelled", "cancelled")
    assert j["customers"]["cancelled"] == 3 and j["customers"]["waiting"] == 0
    tsandbox.clear_faults(cid)


def test_onjob_transfer_and_the_two_in_90_days_rule(tstack, tsandbox):
    o = _office(tstack, tsandbox, employees=3, customers=2)
    cid, admin, staff = o["cid"], o["admin"], o["staff"]
    x, y = staff[0], staff[1]
    ext = _customers_of(tsandbox, cid, x)[0]
    handover, taker = x, y
    for _ in range(2):
        r = admin("POST", "/admin/transfers", {"kind": "onjob", "handover_userid": handover, "takeover_userid": taker,
                                               "customers": [ext], "groups": [],
                                               "transfer_success_msg": "您好，之后由我为您服务"})  # fmt: skip
        assert r.status_code == 202, r.text
        job_id = r.json()["job"]["job_id"]
        _until(admin, job_id, lambda j: j["customers"]["waiting"] == 1, "waiting")
        tsandbox._call("POST", "/clock/advance", {"seconds": DAY + 600})
        _refresh(admin, job_id)
        _until(admin, job_id, lambda j: j["state"] == "finished" and j["customers"]["done"] == 1, "done")
        assert ext in _customers_of(tsandbox, cid, taker)
        handover, taker = taker, handover
    sent = [c for c in tsandbox.calls(cid) if c["path"].endswith("externalcontact/transfer_customer")]
    assert sent[-1]["body"]["transfer_success_msg"] == "您好，之后由我为您服务"
    # A third transfer within 90 days: refused before WeCom is asked, naming the customer and the date.
    before = len(tsandbox.calls(cid))
    r = admin("POST", "/admin/transfers", {"kind": "onjob", "handover_userid": handover, "takeover_userid": taker,
                                           "customers": [ext], "groups": []})  # fmt: skip
    assert r.status_code == 409, r.text
    body = r.json()
    assert ext in body["error"] and "90 days" in body["error"] and body["field"] == "customers"
    assert body["details"][0]["id"] == ext and body["details"][0]["frees_on"] in body["error"]
    assert not [c for c in tsandbox.calls(cid)[before:] if "transfer" in c["path"]]


def test_bad_requests_name_the_field(tstack, tsandbox):
    o = _office(tstack, tsandbox, employees=2, customers=1)
    admin, staff = o["admin"], o["staff"]
    cases = [
        ({"kind": "later", "handover_userid": staff[0], "takeover_userid": staff[1]}, "kind"),
        ({"handover_userid": staff[0]}, "takeover_userids"),
        ({"kind": "resigned", "handover_userid": staff[0], "takeover_userid": staff[1]}, "handover_userid"),
        ({"kind": "onjob", "handover_userid": staff[0], "takeover_userid": "nobody"}, "takeover_userids"),
        ({"kind": "onjob", "handover_userid": staff[0], "takeover_userid": staff[0]}, "takeover_userids"),
        ({"kind": "onjob", "handover_userid": staff[0], "takeover_userid": staff[1], "transfer_success_msg": "x" * 201},
         "transfer_success_msg"),
        ({"kind": "onjob", "handover_userid": staff[0], "takeover_userid": staff[1], "colour": 1}, "colour"),
        ({"kind": "onjob", "handover_userid": staff[0], "takeover_userid": staff[1], "customers": [], "groups": []},
         "customers"),
    ]  # fmt: skip
    for body, field in cases:
        r = admin("POST", "/admin/transfers", body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["field"] == field, (body, r.json())
    r = admin("GET", "/admin/transfers/tnope")
    assert r.status_code == 404 and r.json()["field"] == "job_id"
    r = admin("PUT", "/admin/transfer-policy", {"on_refused": "sometimes"})
    assert r.status_code == 400 and r.json()["field"] == "on_refused"
    r = admin("PUT", "/admin/transfer-policy", {"on_refused": "reassign"})
    assert r.status_code == 200 and admin("GET", "/admin/transfer-policy").json() == {"on_refused": "reassign"}


def test_groups_beyond_the_new_owners_daily_300_wait_for_the_next_day(tstack, tsandbox):
    o = _office(tstack, tsandbox, employees=3, customers=1)
    cid, admin, staff = o["cid"], o["admin"], o["staff"]
    leaver, taker = staff[0], staff[1]
    for i in range(301):
        tsandbox.do(cid, "groups/create", {"owner": leaver, "members": [staff[2]], "name": f"g{i}", "callback": False})
    _leave(tsandbox, cid, leaver)
    before = len(tsandbox.calls(cid))
    r = admin("POST", "/admin/transfers", {"kind": "resigned", "handover_userid": leaver, "takeover_userid": taker,
                                           "customers": []})  # fmt: skip
    assert r.status_code == 202, r.text
    job_id = r.json()["job"]["job_id"]
    j = _until(admin, job_id, lambda j: j["groups"]["requested"] == 0 and j["groups"]["total"] == 301, "groups sent")
    assert j["groups"]["done"] == 300 and j["groups"]["queued"] == 1 and j["state"] == "running"
    assert j["next_check_at"] >= r.json()["job"]["created_at"] + 86_400 - 60  # when the oldest take is 24 h old
    sent = [c for c in tsandbox.calls(cid)[before:] if c["path"].endswith("groupchat/transfer")]
    assert sum(len(c["body"]["chat_id_list"]) for c in sent) == 300 and all(c["errcode"] == 0 for c in sent)
    assert sum(1 for g in tsandbox.transfers(cid)["group_inherits"] if g["new_owner"] == taker) == 300
    tsandbox.advance_clock(INHERIT_S)
    assert sum(1 for g in tsandbox.corp(cid)["groups"] if g["owner"] == taker and g["status"] == 3) == 300
    queued = [i for i in _job(admin, job_id, items="1")["items"] if i["state"] == "queued"]
    assert len(queued) == 1 and queued[0]["reason"] == "new_owner_daily_limit"
