"""message/send pacing: 30/min and 1000/h per member dropped silently, the duplicate check, the summary.

The HTTP tests move the world clock, so each runs on a sandbox of its own (`isolated`).
"""

from __future__ import annotations

from typing import Any

from wecom_sandbox.pacing import MessagePacing

DAY = 86_400


def _send(corp, touser: str, content: str, **extra: Any) -> dict[str, Any]:
    body = {
        "touser": touser,
        "msgtype": "text",
        "agentid": corp.info["agent_id"],
        "text": {"content": content},
        **extra,
    }
    res = corp.api.post("message/send", body)
    assert res["errcode"] == 0 and res["msgid"], res
    return res


def _corp(isolated):
    corp = isolated.make_corp(token_expires_in=365 * DAY, seed={"employees": 3, "customers_per_employee": 0})
    users = [u["userid"] for u in corp.cget()["employees"]]
    return corp, users


def test_sliding_minute_window_counts_only_deliveries() -> None:
    pacing = MessagePacing()
    for i in range(30):
        assert pacing.admit(1, ["a"], f"k{i}", float(i), None) == (["a"], [])
    assert pacing.admit(1, ["a"], "late", 59.9, None) == ([], [{"userid": "a", "reason": "minute_limit"}])
    # the drop at 59.9 took no slot: at 60.0 the first delivery (t=0) has left the window
    assert pacing.admit(1, ["a"], "x", 60.0, None) == (["a"], [])
    assert pacing.admit(1, ["a"], "y", 60.5, None)[0] == []
    assert pacing.admit(2, ["a"], "other app", 60.5, None) == (["a"], [])


def test_hour_window_and_duplicates() -> None:
    pacing = MessagePacing()
    t = 0.0
    for i in range(1000):
        if i and i % 30 == 0:
            t += 60.0
        assert pacing.admit(1, ["a"], f"k{i}", t, None)[0] == ["a"]
    assert t < 3600
    assert pacing.admit(1, ["a"], "more", t + 60, None)[1] == [{"userid": "a", "reason": "hour_limit"}]
    assert pacing.admit(1, ["a"], "more", 3600.0, None)[0] == ["a"]  # deliveries at t=0 expired
    assert pacing.admit(1, ["a"], "k999", 3600.0 + 60, 1800)[1] == [{"userid": "a", "reason": "duplicate"}]
    assert pacing.admit(1, ["a"], "k999", 3600.0 + 60, None)[0] == ["a"]  # no check asked


def test_minute_limit_drops_silently_and_recovers(isolated) -> None:
    corp, (a, b, _c) = _corp(isolated)
    for i in range(30):
        _send(corp, a, f"m{i}")
    over = [_send(corp, f"{a}|{b}", f"over{i}") for i in range(3)]
    log = {m["msgid"]: m for m in corp.cget("/messages")["messages"]}
    for res in over:
        entry = log[res["msgid"]]
        assert entry["touser"] == [b]
        assert entry["dropped"] == [{"userid": a, "reason": "minute_limit"}]
    summary = corp.cget("/messages/summary")
    assert summary["dropped_total"] == 3 and summary["dropped_by_reason"] == {"minute_limit": 3}
    assert summary["by_recipient"][a] == {
        "delivered": 30,
        "dropped": 3,
        "dropped_by_reason": {"minute_limit": 3},
        "max_per_minute": 30,
        "max_per_hour": 30,
    }
    assert summary["by_recipient"][b]["dropped"] == 0 and summary["delivered_total"] == 33
    isolated.ctl.post("/clock/advance", {"seconds": 60})
    again = _send(corp, a, "after a minute")
    assert [m for m in corp.cget("/messages")["messages"] if m["msgid"] == again["msgid"]][0]["touser"] == [a]


def test_hour_limit(isolated) -> None:
    corp, (a, _b, _c) = _corp(isolated)
    for i in range(1000):
        if i and i % 30 == 0:
            isolated.ctl.post("/clock/advance", {"seconds": 61})
        _send(corp, a, f"n{i}")
    isolated.ctl.post("/clock/advance", {"seconds": 61})
    dropped = _send(corp, a, "one too many")
    summary = corp.cget("/messages/summary")
    assert summary["dropped_by_reason"] == {"hour_limit": 1}
    assert summary["by_recipient"][a]["max_per_hour"] == 1000
    assert summary["by_recipient"][a]["max_per_minute"] == 30
    isolated.ctl.post("/clock/advance", {"seconds": 3600})
    ok = _send(corp, a, "next hour")
    log = {m["msgid"]: m for m in corp.cget("/messages")["messages"]}
    assert log[dropped["msgid"]]["touser"] == [] and log[ok["msgid"]]["touser"] == [a]


def test_duplicate_check(isolated) -> None:
    corp, (a, b, _c) = _corp(isolated)
    first = _send(corp, a, "同一条", enable_duplicate_check=1)
    same = _send(corp, f"{a}|{b}", "同一条", enable_duplicate_check=1)
    unchecked = _send(corp, a, "同一条")
    short = _send(corp, a, "同一条", enable_duplicate_check=1, duplicate_check_interval=10)
    isolated.ctl.post("/clock/advance", {"seconds": 1800})
    later = _send(corp, a, "同一条", enable_duplicate_check=1)
    log = {m["msgid"]: m for m in corp.cget("/messages")["messages"]}
    assert log[first["msgid"]]["touser"] == [a]
    assert log[same["msgid"]]["touser"] == [b]
    assert log[same["msgid"]]["dropped"] == [{"userid": a, "reason": "duplicate"}]
    assert log[unchecked["msgid"]]["touser"] == [a]
    assert log[short["msgid"]]["touser"] == []  # the unchecked copy was delivered 0 s before
    assert log[later["msgid"]]["touser"] == [a]
    bad = corp.api.post(
        "message/send",
        {
            "touser": a,
            "msgtype": "text",
            "agentid": corp.info["agent_id"],
            "text": {"content": "x"},
            "enable_duplicate_check": 1,
            "duplicate_check_interval": 4 * 3600 + 1,
        },
    )
    assert bad["errcode"] == 40058
