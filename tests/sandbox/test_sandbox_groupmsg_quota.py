"""Mass sends on the world clock: the receive quota per period (month_days, week_7, day_1, China time),
results answering 41063 while a send is dispatching, three reminders per 24 h, and the client wrappers.

These tests move the clock, so each runs on a sandbox of its own (the `isolated` fixture).
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone
from typing import Any

from devstack.sandbox_client import SandboxClient

DAY = 86_400
CHINA = timezone(timedelta(hours=8))


def _corp(isolated, **settings: Any) -> tuple[Any, list[str]]:
    corp = isolated.make_corp(token_expires_in=365 * DAY, seed=False, groupmsg_dispatch_s=0, **settings)
    corp.c("/users/create", {"userid": "a", "name": "a", "callback": False})
    exts = [corp.c("/customers/add", {"userid": "a", "callback": False})["external_userid"] for _ in range(2)]
    return corp, exts


def _send(corp, exts: list[str], when: int | None = None) -> dict[str, int]:
    """One mass send from member a, confirmed at once (at `when` if given): external_userid -> status."""
    res = corp.api.post(
        "externalcontact/add_msg_template",
        {"external_userid": exts, "sender": "a", "text": {"content": "hi"}},
    )
    assert res["errcode"] == 0, res
    body: dict[str, Any] = {"userid": "a"}
    if when is not None:
        body["create_time"] = when
    task = corp.c(f"/groupmsgs/{res['msgid']}/confirm", body)["task"]
    return {r["target"]: r["status"] for r in task["recipients"]}


def _china(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, CHINA)


def test_day_1_quota_resets_at_china_midnight(isolated) -> None:
    corp, (x, y) = _corp(isolated, groupmsg_quota="day_1")
    now = isolated.ctl.get("/clock")["now"]
    local = _china(now)
    to_midnight = (
        local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    ).timestamp() - now
    if to_midnight < 120:  # keep both sends inside one China day
        isolated.ctl.post("/clock/advance", {"seconds": to_midnight + 1})
    assert _send(corp, [x]) == {x: 1}
    assert _send(corp, [x, y]) == {x: 3, y: 1}
    quota = corp.cget("/groupmsgs")["quota"]
    assert (quota["mode"], quota["limit"], quota["received"]) == ("day_1", 1, {x: 1, y: 1})
    now = isolated.ctl.get("/clock")["now"]
    midnight = (
        _china(now).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    ).timestamp()
    isolated.ctl.post("/clock/advance", {"seconds": midnight - now + 1})
    assert _send(corp, [x, y]) == {x: 1, y: 1}


def test_week_7_quota(isolated) -> None:
    corp, (x, _y) = _corp(isolated, groupmsg_quota="week_7")
    now = isolated.ctl.get("/clock")["now"]
    local = _china(now)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    when = int(monday.timestamp()) + 3600  # all sends at 01:00 on this week's Monday
    assert [_send(corp, [x], when)[x] for _ in range(8)] == [1] * 7 + [3]
    next_monday = int((monday + timedelta(days=7)).timestamp())
    assert _send(corp, [x], next_monday)[x] == 1


def test_month_days_quota_is_the_days_of_the_month(isolated) -> None:
    corp, (x, y) = _corp(isolated)
    assert corp.cget("?summary=1")["groupmsg_quota"] == "month_days"
    when = int(isolated.ctl.get("/clock")["now"])
    local = _china(when)
    days = calendar.monthrange(local.year, local.month)[1]
    assert [_send(corp, [x], when)[x] for _ in range(days)] == [1] * days
    assert _send(corp, [x, y], when) == {x: 3, y: 1}
    assert corp.cget("/groupmsgs")["quota"]["limit"] == days


def test_results_answer_41063_while_dispatching(isolated) -> None:
    corp, (x, _y) = _corp(isolated)
    corp.ctl.call("PATCH", f"/corps/{corp.id}", {"groupmsg_dispatch_s": 5})
    msgid = corp.api.post(
        "externalcontact/add_msg_template", {"external_userid": [x], "sender": "a", "text": {"content": "hi"}}
    )["msgid"]
    task = corp.api.post("externalcontact/get_groupmsg_task", {"msgid": msgid})
    result = corp.api.post("externalcontact/get_groupmsg_send_result", {"msgid": msgid, "userid": "a"})
    assert (task["errcode"], result["errcode"]) == (41063, 41063)
    isolated.ctl.post("/clock/advance", {"seconds": 5})
    assert corp.api.post("externalcontact/get_groupmsg_task", {"msgid": msgid})["errcode"] == 0


def test_three_reminders_per_24h(isolated) -> None:
    corp, exts = _corp(isolated)
    msgid = corp.api.post(
        "externalcontact/add_msg_template",
        {"external_userid": exts, "sender": "a", "text": {"content": "hi"}},
    )["msgid"]
    remind = {"msgid": msgid}
    for _ in range(3):
        assert corp.api.post("externalcontact/remind_groupmsg_send", remind)["errcode"] == 0
        isolated.ctl.post("/clock/advance", {"seconds": 3600})
    assert corp.api.post("externalcontact/remind_groupmsg_send", remind)["errcode"] == 41094
    isolated.ctl.post("/clock/advance", {"seconds": DAY - 3 * 3600})  # the first reminder is 24 h old
    assert corp.api.post("externalcontact/remind_groupmsg_send", remind)["errcode"] == 0
    assert corp.api.post("externalcontact/remind_groupmsg_send", remind)["errcode"] == 41094
    reminders = corp.cget(f"/groupmsgs/{msgid}")["reminders"]
    assert len(reminders) == 4 and all(r["userids"] == ["a"] for r in reminders)
    assert corp.api.post("externalcontact/remind_groupmsg_send", {"msgid": "msgNope"})["errcode"] == 41047


def test_client_wrappers(isolated) -> None:
    client = SandboxClient(isolated.server.url)
    corp, (x, y) = _corp(isolated)
    assert client.set_groupmsg_quota(corp.id, "day_1")["groupmsg_quota"] == "day_1"
    assert client.set_groupmsg_dispatch(corp.id, 0)["groupmsg_dispatch_s"] == 0
    client.groupmsg_interact(corp.id, "a", x)
    msgid = corp.api.post(
        "externalcontact/add_msg_template",
        {"external_userid": [x, y], "sender": "a", "allow_select": True, "text": {"content": "hi"}},
    )["msgid"]
    task = client.confirm_groupmsg(corp.id, msgid, "a", select=[y])["task"]
    assert {r["target"]: r["status"] for r in task["recipients"]} == {x: 0, y: 1}
    [msg] = client.groupmsgs(corp.id, chat_type="single")["groupmsgs"]
    assert msg["msgid"] == msgid and client.groupmsg(corp.id, msgid)["tasks"][0]["status"] == 2
    assert client.groupmsgs(corp.id, chat_type="group")["groupmsgs"] == []
