"""Paced bulk scans: `count` customers at `rate_per_s`, callbacks asynchronous, totals to wait on."""

from __future__ import annotations

import time

import xmltodict


def _wait_done(corp, total: int, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        stats = corp.cget("/scans")
        if stats["done"] >= total or time.monotonic() > deadline:
            return stats
        time.sleep(0.05)


def test_paced_scans_reach_count(corp, receiver) -> None:
    users = [u["userid"] for u in corp.api.get("user/simplelist", department_id=1)["userlist"]]
    way = corp.api.post(
        "externalcontact/add_contact_way", {"type": 2, "scene": 2, "user": users[:2], "state": "bulk"}
    )["config_id"]
    assert corp.cget("/scans") == {
        "scheduled": 0,
        "done": 0,
        "failed": 0,
        "running": 0,
        "max_lag_s": 0,
        "last_error": "",
    }
    started = time.monotonic()
    res = corp.c(
        f"/contact_ways/{way}/scans", {"count": 60, "rate_per_s": 200, "names": ["甲", "乙"]}, expect=202
    )
    assert res["scheduled"] == 60 and time.monotonic() - started < 0.2  # answers at once
    stats = _wait_done(corp, 60)
    elapsed = time.monotonic() - started
    assert stats["done"] == 60 and stats["failed"] == 0 and stats["scheduled"] == 60
    assert elapsed >= 59 / 200 * 0.9  # paced, not all at once
    posts = receiver.wait_posts(corp.id, 60, timeout=10)
    # a callback answered after the 1 s deadline on a loaded machine is retried: count each code once
    by_code = {
        f["WelcomeCode"]: f for f in (xmltodict.parse(receiver.decrypt(p, corp.id))["xml"] for p in posts)
    }
    fields = list(by_code.values())
    assert len(fields) == 60
    assert {f["State"] for f in fields} == {"bulk"}
    assert sorted(f["UserID"] for f in fields) == sorted(users[:2] * 30)  # round-robin: 30 each
    log = corp.cget("/welcomes")["welcomes"]
    assert len(log) == 60 and {w["welcome_code"] for w in log} == {f["WelcomeCode"] for f in fields}
    deadline = time.monotonic() + 5
    while any(w["callback_first_sent_at"] is None for w in log) and time.monotonic() < deadline:
        time.sleep(0.05)
        log = corp.cget("/welcomes")["welcomes"]
    assert all(w["callback_first_sent_at"] >= w["issued_at"] for w in log)
    names = {
        corp.api.get("externalcontact/get", external_userid=f["ExternalUserID"])["external_contact"]["name"]
        for f in fields[:4]
    }
    assert names <= {"甲", "乙"}
    code = fields[0]["WelcomeCode"]
    send = {"welcome_code": code, "text": {"content": "hi"}}
    assert corp.api.post("externalcontact/send_welcome_msg", send)["errcode"] == 0
    running = corp.cget("/scans")["running"]
    assert running == 0


def test_scans_validation_and_failures(corp) -> None:
    users = [u["userid"] for u in corp.api.get("user/simplelist", department_id=1)["userlist"]]
    way = corp.api.post("externalcontact/add_contact_way", {"type": 1, "scene": 2, "user": users[:1]})[
        "config_id"
    ]
    assert corp.c(f"/contact_ways/{way}/scans", {"count": 0, "rate_per_s": 1}, expect=400)[
        "error"
    ].startswith("field 'count'")
    assert corp.c(f"/contact_ways/{way}/scans", {"count": 1, "rate_per_s": 5000}, expect=400)
    assert (
        corp.c(f"/contact_ways/{way}/scans", {"count": 1}, expect=400)["error"]
        == "missing field 'rate_per_s'"
    )
    assert corp.c("/contact_ways/nope/scans", {"count": 1, "rate_per_s": 1}, expect=404)
    # the way is deleted while scans are due: the rest count as failed, so done still reaches scheduled
    corp.c(f"/contact_ways/{way}/scans", {"count": 50, "rate_per_s": 100, "callback": False}, expect=202)
    time.sleep(0.1)
    corp.api.post("externalcontact/del_contact_way", {"config_id": way})
    stats = _wait_done(corp, 50)
    assert stats["done"] == 50 and 0 < stats["failed"] < 50 and stats["running"] == 0
    assert stats["last_error"].startswith("unknown contact way")
