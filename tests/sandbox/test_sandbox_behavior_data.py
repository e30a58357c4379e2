"""get_user_behavior_data (92132): per China day, aggregated over members, from the relation history.

Events are back-dated with create_time (the world clock stays put), except in the handover test,
which needs 24 h to pass and so runs on a sandbox of its own.
"""

from __future__ import annotations

from typing import Any

from wecom_sandbox.days import DAY_S, day_start

API = "externalcontact/get_user_behavior_data"


def _today(corp) -> int:
    return day_start(corp.ctl.get("/clock")["now"])


def _behavior(corp, userids: list[str], start: int, end: int, **extra: Any) -> dict[str, Any]:
    return corp.api.post(API, {"userid": userids, "start_time": start, "end_time": end, **extra})


def _team(make_corp):
    corp = make_corp(seed=False)
    for userid, dept in (("alice", [1]), ("bob", [2]), ("carol", [2])):
        corp.c("/users/create", {"userid": userid, "name": userid, "department": dept, "callback": False})
    return corp


def _add(corp, userid: str, when: int, **extra: Any) -> str:
    body = {"userid": userid, "create_time": when, "callback": False, **extra}
    return corp.c("/customers/add", body)["external_userid"]


def test_days_aggregate_gains_and_negative_feedback(make_corp) -> None:
    corp = _team(make_corp)
    today = _today(corp)
    d1, d2 = today - 2 * DAY_S, today - DAY_S
    mine = [_add(corp, "alice", d1 + 3600 * h, oper_userid="alice") for h in (1, 2)]
    _add(corp, "alice", d1 + 23 * 3600 + 3599)  # the customer asked: not an application
    shared = _add(corp, "bob", d2 + 60)
    lost = _add(corp, "bob", d2 + 120, oper_userid="bob")
    corp.c(
        "/customers/del_by_customer", {"userid": "alice", "external_userid": mine[0], "create_time": d2 + 5}
    )
    corp.c("/customers/del_by_employee", {"userid": "bob", "external_userid": lost, "create_time": d2 + 9})
    _add(corp, "alice", today + 10, external_userid=shared)

    res = _behavior(corp, ["alice"], d1 + 12345, today + 999)  # times round down to the day
    assert res["errcode"] == 0, res
    rows = res["behavior_data"]
    assert [r["stat_time"] for r in rows] == [d1, d2, today]
    assert [(r["new_contact_cnt"], r["new_apply_cnt"], r["negative_feedback_cnt"]) for r in rows] == [
        (3, 2, 0),
        (0, 0, 1),
        (1, 0, 0),
    ]
    assert set(rows[0]) == {
        "stat_time",
        "chat_cnt",
        "message_cnt",
        "reply_percentage",
        "avg_reply_time",
        "negative_feedback_cnt",
        "new_apply_cnt",
        "new_contact_cnt",
    }
    both = _behavior(corp, ["alice", "bob"], d2, d2)["behavior_data"]
    assert [(r["new_contact_cnt"], r["new_apply_cnt"], r["negative_feedback_cnt"]) for r in both] == [
        (2, 1, 1)
    ]
    by_party = corp.api.post(API, {"partyid": [2], "start_time": d2, "end_time": d2})["behavior_data"]
    # department 2 is bob and carol (carol did nothing): bob's two gains, nobody deleted them
    assert [(r["new_contact_cnt"], r["new_apply_cnt"], r["negative_feedback_cnt"]) for r in by_party] == [
        (2, 1, 0)
    ]

    day = corp.cget(f"/stats/day?day={d2}")
    assert day["contacts"]["bob"] == {
        "new_contact": 2,
        "new_apply": 1,
        "negative_feedback": 0,
        "deleted_by_employee": 1,
        "transferred_out": 0,
    }
    assert day["contacts"]["alice"]["negative_feedback"] == 1


def test_declared_chat_activity_is_weighted(make_corp) -> None:
    corp = _team(make_corp)
    d = _today(corp) - DAY_S
    corp.c(
        "/stats/activity",
        {
            "userid": "alice",
            "time": d + 50,
            "chat_cnt": 3,
            "message_cnt": 10,
            "reply_percentage": 100,
            "avg_reply_time": 4,
        },
    )
    corp.c(
        "/stats/activity",
        {
            "userid": "bob",
            "time": d,
            "chat_cnt": 1,
            "message_cnt": 2,
            "reply_percentage": 0,
            "avg_reply_time": 0,
        },
    )
    [row] = _behavior(corp, ["alice", "bob"], d, d)["behavior_data"]
    assert (row["chat_cnt"], row["message_cnt"], row["reply_percentage"], row["avg_reply_time"]) == (
        4,
        12,
        75,
        3,
    )
    assert corp.c("/stats/activity", {"userid": "nobody"}, expect=404)["error"]


def test_range_and_parameter_errors(make_corp) -> None:
    corp = _team(make_corp)
    today = _today(corp)
    assert _behavior(corp, ["alice"], today - 29 * DAY_S, today)["errcode"] == 0
    assert _behavior(corp, ["alice"], today - 30 * DAY_S, today)["errcode"] == 600018
    assert _behavior(corp, ["alice"], today - 181 * DAY_S, today - 170 * DAY_S)["errcode"] == 600018
    assert _behavior(corp, ["alice"], today * 1000, today * 1000)["errcode"] == 600018  # milliseconds
    assert _behavior(corp, ["alice"], today, today - DAY_S)["errcode"] == 600018
    assert _behavior(corp, ["ghost"], today, today)["errcode"] == 60111
    assert _behavior(corp, [], today, today)["errcode"] == 40058
    assert _behavior(corp, ["alice"] * 101, today, today)["errcode"] == 40058
    assert corp.api.post(API, {"userid": ["alice"], "start_time": today})["errcode"] == 40058


def test_handover_moves_the_gain_to_the_taker(isolated) -> None:
    corp = isolated.make_corp(token_expires_in=365 * 86_400, seed=False)
    for userid in ("giver", "taker"):
        corp.c("/users/create", {"userid": userid, "name": userid, "callback": False})
    ext = corp.c("/customers/add", {"userid": "giver", "callback": False})["external_userid"]
    started = corp.api.post(
        "externalcontact/transfer_customer",
        {"handover_userid": "giver", "takeover_userid": "taker", "external_userid": [ext]},
    )
    assert started["customer"][0]["errcode"] == 0
    isolated.ctl.post("/clock/advance", {"seconds": DAY_S})
    done = _today(corp)
    [row] = _behavior(corp, ["taker"], done, done)["behavior_data"]
    [takeover] = corp.cget("/transfers")["transfers"]
    assert takeover["status"] == 1
    took_day = day_start(takeover["takeover_time"])
    day = corp.cget(f"/stats/day?day={took_day}")["contacts"]
    assert day["taker"]["new_contact"] == 1 and day["giver"]["transferred_out"] == 1
    assert row["new_contact_cnt"] == (1 if took_day == done else 0)


def test_seeded_relations_are_in_the_history(make_corp) -> None:
    corp = make_corp(seed={"employees": 3, "customers_per_employee": 40, "groups": 0, "seed": 3})
    info = corp.cget()
    per_day: dict[tuple[str, int], int] = {}
    for customer in info["customers"]:
        for follow in customer["follow_users"]:
            key = (follow["userid"], day_start(follow["createtime"]))
            per_day[key] = per_day.get(key, 0) + 1
    (userid, day), count = max(per_day.items(), key=lambda kv: kv[1])
    assert corp.cget(f"/stats/day?day={day}")["contacts"][userid]["new_contact"] == count
