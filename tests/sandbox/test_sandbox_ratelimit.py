"""Opt-in per-API rate limits (45009) and the call-count endpoint a benchmark uses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from wecom_sandbox import api, control
from wecom_sandbox.app import Sandbox
from wecom_sandbox.recorder import Recorder


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clocked() -> Iterator[tuple[Sandbox, FakeClock]]:
    """An in-process sandbox on a fake clock, so window boundaries can be crossed without sleeping."""
    clock = FakeClock(1_800_000_000.0)  # a multiple of 3600: minute and hour windows start here
    app = Sandbox(clock=clock, callback_workers=1)
    yield app, clock
    app.close()


def _control(app: Sandbox, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    return control.handle(app, method, path, {}, json.dumps(body or {}).encode())


def _token(app: Sandbox, info: dict[str, Any]) -> str:
    _, r = api.handle(app, "GET", "gettoken", {"corpid": info["corp_id"], "corpsecret": info["secret"]}, b"")
    return r["access_token"]


def _user_get(app: Sandbox, token: str, userid: str) -> int:
    _, r = api.handle(app, "GET", "user/get", {"access_token": token, "userid": userid}, b"")
    return r["errcode"]


def test_minute_and_hour_windows_on_the_server_clock(clocked) -> None:
    app, clock = clocked
    status, info = _control(
        app,
        "POST",
        "/control/corps",
        {"rate_limit_per_min": 3, "rate_limit_per_hour": 5, "seed": {"seed": 2}},
    )
    assert status == 201 and info["rate_limit_per_min"] == 3 and info["rate_limit_per_hour"] == 5
    token = _token(app, info)
    userid = next(iter(app.world.corp(info["corp_id"]).employees))

    assert [_user_get(app, token, userid) for _ in range(5)] == [0, 0, 0, 45009, 45009]
    clock.now += 59.9  # still the same fixed minute
    assert _user_get(app, token, userid) == 45009
    clock.now += 0.1  # next minute: rejected calls did not count, 2 calls left in the hour
    assert [_user_get(app, token, userid) for _ in range(3)] == [0, 0, 45009]
    clock.now += 60  # a fresh minute does not help: the hour's 5 are used up
    assert _user_get(app, token, userid) == 45009
    clock.now = 1_800_003_600.0  # next hour
    assert _user_get(app, token, userid) == 0

    # gettoken is never limited; other APIs have their own counters.
    assert all(_token(app, info) for _ in range(10))
    _, r = api.handle(app, "GET", "user/simplelist", {"access_token": token, "department_id": "1"}, b"")
    assert r["errcode"] == 0


def test_rate_limit_over_http_and_patch(make_corp) -> None:
    c = make_corp(rate_limit_per_min=2)
    assert c.info["rate_limit_per_min"] == 2 and c.info["rate_limit_per_hour"] is None
    userid = c.api.get("user/simplelist", department_id=1)["userlist"][0]["userid"]
    got = [c.api.get("user/get", userid=userid) for _ in range(3)]
    assert [r["errcode"] for r in got] == [0, 0, 45009]
    assert got[2]["errmsg"].startswith("api freq out of limit, user/get is limited to 2 calls per minute")
    assert got[2]["errmsg"].endswith("more info at https://open.work.weixin.qq.com/devtool/query?e=45009")
    assert c.api.get("externalcontact/get_follow_user_list")["errcode"] == 0  # a different API
    calls = c.cget("/calls?path=user/get")["calls"]
    assert [x["errcode"] for x in calls] == [0, 0, 45009]  # rejected calls are in the call log

    lifted = c.ctl.call("PATCH", f"/corps/{c.id}", {"rate_limit_per_min": None})
    assert lifted["rate_limit_per_min"] is None
    assert c.api.get("user/get", userid=userid)["errcode"] == 0
    c.ctl.call("PATCH", f"/corps/{c.id}", {"rate_limit_per_hour": 1})
    summary = c.cget("?summary=1")
    assert summary["rate_limit_per_hour"] == 1 and summary["rate_limit_per_min"] is None
    # The counts of the current windows survive the change: user/get has used 3 of this hour already.
    assert c.api.get("user/get", userid=userid)["errcode"] == 45009


@pytest.mark.parametrize("value", [0, -5, "10", 1.5, True])
def test_rate_limit_validation(ctl, value) -> None:
    err = ctl.post("/corps", {"seed": False, "rate_limit_per_min": value}, expect=400)["error"]
    assert "rate_limit_per_min" in err


def test_unlimited_by_default(corp) -> None:
    info = corp.cget("?summary=1")
    assert info["rate_limit_per_min"] is None and info["rate_limit_per_hour"] is None
    assert all(corp.api.get("externalcontact/get_follow_user_list")["errcode"] == 0 for _ in range(50))


def test_call_counts(make_corp, ctl) -> None:
    c = make_corp()
    userid = c.api.get("user/simplelist", department_id=1)["userlist"][0]["userid"]
    since = c.cget("/calls/count")["last_seq"]
    for _ in range(3):
        c.api.get("user/get", userid=userid)
    c.api.get("user/get", userid="nobody")
    c.api.post("externalcontact/groupchat/list", {"limit": 10})
    counted = c.cget(f"/calls/count?since={since}")
    assert counted["counts"] == {"externalcontact/groupchat/list": 1, "user/get": 4}
    assert counted["errcodes"] == {"user/get": {"60111": 1}}
    assert counted["total"] == 5 and counted["since"] == since and counted["complete"] is True
    assert counted["last_seq"] >= since + 5

    only = c.cget(f"/calls/count?since={since}&path=/cgi-bin/user/get")
    assert only["counts"] == {"user/get": 4} and only["total"] == 4
    # The same through ?count=1 on the calls endpoint, and the records agree with the counts.
    assert c.cget(f"/calls?count=1&since={since}")["counts"] == counted["counts"]
    records = c.cget(f"/calls?since={since}")["calls"]
    assert len(records) == 5
    # All calls since 0, gettoken included; the global endpoint sees this corp's calls too.
    whole = c.cget("/calls/count")
    assert whole["counts"]["gettoken"] >= 1 and whole["counts"]["user/get"] >= 4
    everywhere = ctl.get(f"/calls/count?since={since}")
    assert everywhere["counts"]["user/get"] >= 4
    assert ctl.get("/corps/wwnosuchcorp/calls/count", expect=404)["error"]
    assert "since" in ctl.get(f"/corps/{c.id}/calls/count?since=x", expect=400)["error"]


def test_count_reports_whether_old_calls_were_dropped() -> None:
    rec = Recorder(maxlen=5)
    for i in range(8):
        rec.record(
            ts=0, corp_id="ww1", method="GET", path="a" if i % 2 else "b", query={}, body=None, errcode=0
        )
    # seq 1..8 recorded, 4..8 kept
    assert rec.count(since=0) == {
        "counts": {"a": 3, "b": 2},
        "errcodes": {},
        "total": 5,
        "last_seq": 8,
        "complete": False,
    }
    assert rec.count(since=3)["complete"] and rec.count(since=3)["total"] == 5
    assert rec.count(since=6, corp_id="ww1", path="b") == {
        "counts": {"b": 1},
        "errcodes": {},
        "total": 1,
        "last_seq": 8,
        "complete": True,
    }
    assert Recorder().count()["complete"] is True
