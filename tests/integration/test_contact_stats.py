"""Customer and group statistics end to end: the sandbox sends real encrypted callbacks (adds, losses by
either side, a transfer, group member changes, a resent duplicate), the stack's consumers count them, the
admin API answers exact figures as JSON and CSV; a loss delivered before its add (the observer called
directly, against the stack's DynamoDB); the nightly reconcile against the sandbox's WeCom statistics."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from scrm import bootstrap
from scrm.corps.api_key import Role
from scrm.kernel.china_time import CHINA
from scrm.kernel.events import parse_event

from tests.integration.test_admin_api import Admin, _synced_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

TODAY = datetime.now(UTC).astimezone(CHINA).date()


def day(offset: int) -> str:
    return (TODAY - timedelta(days=offset)).isoformat()


def at(offset: int, hour: int = 12) -> int:
    """Unix seconds of ``hour`` o'clock, China time, ``offset`` days ago."""
    d = date.fromisoformat(day(offset))
    return int(datetime(d.year, d.month, d.day, hour, tzinfo=CHINA).timestamp())


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> dict[str, Any]:
    # No seeded customers: every relation of this corp is one the test made (the seed's are years old anyway).
    corp = _synced_corp(stack, sandbox, employees=3, customers_per_employee=0, groups=1, members_per_group=2)
    cid = corp["corp_id"]
    world = sandbox.corp(cid)
    return {
        "cid": cid,
        "admin": Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.VIEWER, "stats")["key"]),
        "staff": sorted(e["userid"] for e in world["employees"]),
        "group": world["groups"][0],
    }


def _add(sandbox, cid: str, userid: str, offset: int, **body: Any) -> dict[str, Any]:
    return sandbox.do(cid, "customers/add", {"userid": userid, "create_time": at(offset), "wait": True, **body})


def _get(admin: Admin, path: str, **params: Any) -> dict[str, Any]:
    r = admin("GET", path, **params)
    assert r.status_code == 200, r.text
    return r.json()


def test_callbacks_are_counted_exactly_and_served_as_json_and_csv(sandbox, shop):
    admin, cid, (u0, u1, _u2) = shop["admin"], shop["cid"], shop["staff"]
    x = _add(sandbox, cid, u0, 40)  # lost by the customer 2 days later: within 7 and 30 days
    sandbox.resend(cid, x["callback_id"])  # WeCom's retry of the same event: counted once
    sandbox.do(cid, "customers/del_by_customer", {"userid": u0, "external_userid": x["external_userid"],
                                                  "create_time": at(38), "wait": True})
    z = _add(sandbox, cid, u1, 10)  # deleted by the employee 8 days later: within 30 days, not 7
    sandbox.do(cid, "customers/del_by_employee", {"userid": u1, "external_userid": z["external_userid"],
                                                  "create_time": at(2), "wait": True})
    w = _add(sandbox, cid, u1, 5)  # handed over (在职继承): not a loss
    sandbox.do(cid, "customers/del_by_employee", {"userid": u1, "external_userid": w["external_userid"],
                                                  "source": "DELETE_BY_TRANSFER", "create_time": at(4), "wait": True})
    # Out of order: the loss reaches the observer before its add (as a late retry would).
    stats = bootstrap.contact_stats()
    base = {"ToUserName": cid, "FromUserName": "sys", "MsgType": "event", "Event": "change_external_contact",
            "UserID": u0, "ExternalUserID": "wmOutOfOrder0001"}
    assert stats.observe(parse_event({**base, "ChangeType": "del_follow_user", "CreateTime": str(at(3))}), "o1") == [
        "stats:loss:lost_by_customer+1"]
    stats.observe(parse_event({**base, "ChangeType": "add_external_contact", "CreateTime": str(at(4))}), "o2")
    assert stats.observe(parse_event({**base, "ChangeType": "add_external_contact", "CreateTime": str(at(4))}),
                         "o3") == ["stats:duplicate"]

    expected_totals = {"adds": 4, "lost_by_customer": 2, "lost_by_employee": 1, "lost": 3, "net": 1,
                       "lost_in_7": 2, "lost_in_30": 3}
    window = {"from": day(45), "to": day(0)}
    # Every event counted (a consumer that lost a race on the relation retries after SQS's visibility
    # timeout, so the last one may come seconds later), then nothing more: no duplicate slips in.
    corp = wait_for(
        lambda: (r := _get(admin, "/admin/stats/customers", by="corp", **window))
        and {k: r["totals"][k] for k in expected_totals} == expected_totals and r,
        timeout_s=30, what="the callbacks counted")
    time.sleep(1)  # a duplicate still in flight would show now
    corp = _get(admin, "/admin/stats/customers", by="corp", **window)
    assert {k: corp["totals"][k] for k in expected_totals} == expected_totals
    assert corp["items"][0]["from"] == day(45) and corp["drift"] == []

    by_emp = _get(admin, "/admin/stats/customers", by="employee", userid=f"{u0},{u1}", **window)["items"]
    assert [(i["userid"], i["adds"], i["lost_by_customer"], i["lost_by_employee"], i["lost_in_7"], i["lost_in_30"],
             i["retention_7"], i["retention_30"]) for i in by_emp] == [
        (u0, 2, 2, 0, 2, 2, 0.0, 0.0),  # 7 days: the cohort of day -40 only (day -4 is too young)
        (u1, 2, 0, 1, 0, 1, 1.0, None),  # 30 days: no cohort old enough
    ]
    by_day = {i["day"]: i for i in _get(admin, "/admin/stats/customers", **window)["items"]}
    assert len(by_day) == 46
    assert (by_day[day(40)]["adds"], by_day[day(40)]["lost_in_7"], by_day[day(38)]["lost_by_customer"]) == (1, 1, 1)
    assert (by_day[day(4)]["adds"], by_day[day(3)]["lost_by_customer"], by_day[day(4)]["lost_by_employee"]) == (1, 1, 0)

    r = admin("GET", "/admin/stats/customers", by="employee", format="csv", **window)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = {row["userid"]: row for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    assert (rows[u1]["adds"], rows[u1]["net"], rows[u1]["retention_30"]) == ("2", "1", "")


def test_group_joins_and_quits_count_once_on_the_owner(sandbox, shop):
    admin, cid, group = shop["admin"], shop["cid"], shop["group"]
    owner, chat = group["owner"], group["chat_id"]
    ext = _add(sandbox, cid, owner, 0)["external_userid"]
    inside = {m["userid"] for m in group["member_list"]}
    other = next(u for u in shop["staff"] if u not in inside)  # an employee joins too: counted apart
    members = [ext, other]
    joined = sandbox.do(cid, f"groups/{chat}/update", {"update_detail": "add_member", "add_members": members,
                                                       "wait": True})
    sandbox.resend(cid, joined["callback_id"])
    sandbox.do(cid, f"groups/{chat}/update", {"update_detail": "del_member", "del_members": [ext], "wait": True})
    want = {"joins": len(members), "customer_joins": 1, "quits": 1, "customer_quits": 1, "net": len(members) - 1}
    item = wait_for(
        lambda: (i := _get(admin, "/admin/stats/groups", by="owner", userid=owner)["items"][0])["quits"] == 1 and i,
        timeout_s=30, what="group changes counted")
    time.sleep(1)
    item = _get(admin, "/admin/stats/groups", by="owner", userid=owner)["items"][0]
    assert item["userid"] == owner and {k: item[k] for k in want} == want
    assert _get(admin, "/admin/stats/groups", by="corp")["totals"]["joins"] == len(members)


def test_bad_parameters_are_400s_naming_the_field(shop):
    admin = shop["admin"]
    for params, field in (({"from": "2026-02-30"}, "from"), ({"by": "owner"}, "by"), ({"format": "pdf"}, "format"),
                          ({"from": "2020-01-01", "to": "2021-06-01"}, "from")):
        r = admin("GET", "/admin/stats/customers", **params)
        assert r.status_code == 400 and r.json()["field"] == field, (params, r.text)
    assert admin("GET", "/admin/stats/groups", by="employee").json()["field"] == "by"


def test_the_nightly_reconcile_stores_wecom_figures_and_reports_drift(sandbox, shop):
    admin, cid, (_u0, _u1, u2) = shop["admin"], shop["cid"], shop["staff"]
    seen = _add(sandbox, cid, u2, 1)  # counted by us and by WeCom
    _add(sandbox, cid, u2, 1, callback=False)  # a callback WeCom never sent: only WeCom counts it
    sandbox.do(cid, "customers/del_by_customer", {"userid": u2, "external_userid": seen["external_userid"],
                                                  "create_time": at(1, 15), "wait": True})
    window = {"from": day(1), "to": day(1), "by": "employee", "userid": u2}
    wait_for(lambda: _get(admin, "/admin/stats/customers", **window)["items"][0]["lost_by_customer"] == 1,
             timeout_s=30, what="counted")
    result = bootstrap.stats_reconcile().run(cid, [day(2), day(1)])
    assert result["complete"] and result["employees"] == 3
    drift = [d for d in result["drift"]["customers"] if d["userid"] == u2]
    assert drift == [{"day": day(1), "userid": u2, "field": "adds", "ours": 1, "wecom": 2}]
    item = _get(admin, "/admin/stats/customers", **window)["items"][0]
    assert (item["adds"], item["wecom_new_contact"], item["lost_by_customer"], item["wecom_negative_feedback"]) == (
        1, 2, 1, 1)
    report = _get(admin, "/admin/stats/customers", **window)
    assert report["drift"] == drift
