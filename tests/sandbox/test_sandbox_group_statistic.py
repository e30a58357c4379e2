"""groupchat/statistic and statistic_group_by_day (92133), replayed from the group history.

Changes are back-dated with create_time over the last three days, so the world clock stays put.
"""

from __future__ import annotations

from typing import Any

from wecom_sandbox.days import DAY_S, day_start

STAT = "externalcontact/groupchat/statistic"
BY_DAY = "externalcontact/groupchat/statistic_group_by_day"
C = [f"wmCustomer{i:04d}" for i in range(6)]


def _today(corp) -> int:
    return day_start(corp.ctl.get("/clock")["now"])


def _update(corp, chat_id: str, when: int, **body: Any) -> None:
    corp.c(f"/groups/{chat_id}/update", {"create_time": when, "callback": False, **body})


def _world(make_corp) -> tuple[Any, int, int, int]:
    """o1 and o2 run groups over three days (d1, d2, d3 = yesterday); see the expected figures below."""
    corp = make_corp(seed=False)
    for userid in ("o1", "o2", "m1"):
        corp.c("/users/create", {"userid": userid, "name": userid, "callback": False})
    d3 = _today(corp) - DAY_S
    d2, d1 = d3 - DAY_S, d3 - 2 * DAY_S

    def create(owner: str, members: list[str], when: int) -> str:
        body = {"owner": owner, "members": members, "create_time": when, "callback": False}
        return corp.c("/groups/create", body)["chat_id"]

    g1 = create("o1", C[:2], d1 + 100)  # o1, c0, c1
    g2 = create("o2", [C[2]], d1 + 200)  # o2, c2
    # recorded out of time order on purpose: the history sorts itself
    g3 = create("o1", ["m1"], d2 + 500)  # o1, m1
    _update(corp, g1, d2 + 100, update_detail="add_member", add_members=C[3:5])
    _update(corp, g1, d2 + 200, update_detail="del_member", del_members=[C[0]])
    _update(corp, g2, d3 + 100, update_detail="add_member", add_members=["o1"])  # joins while o2 owns it
    _update(corp, g2, d3 + 200, update_detail="change_owner", owner="o1")
    corp.c(f"/groups/{g3}/dismiss", {"create_time": d3 + 300, "callback": False})
    return corp, d1, d2, d3


def _data(**figures: int) -> dict[str, int]:
    base = dict.fromkeys(
        (
            "new_chat_cnt",
            "chat_total",
            "chat_has_msg",
            "new_member_cnt",
            "member_total",
            "member_has_msg",
            "msg_total",
            "migrate_trainee_chat_cnt",
        ),
        0,
    )
    return {**base, **figures}


def test_statistic_by_owner_sorted_and_paged(make_corp) -> None:
    corp, d1, _d2, d3 = _world(make_corp)
    body = {"day_begin_time": d1 + 7, "day_end_time": d3, "owner_filter": {"userid_list": ["o1", "o2", "m1"]}}
    res = corp.api.post(STAT, {**body, "order_by": 2})
    assert res["errcode"] == 0, res
    assert res["total"] == 2 and res["next_offset"] == 2
    assert res["items"] == [
        # o1: G1 and G3 created (3 + 2 members) and G1 grew by 2; at the end of d3 it owns G1 (4) and G2 (3)
        {"owner": "o1", "data": _data(new_chat_cnt=2, chat_total=2, new_member_cnt=7, member_total=7)},
        # o2: G2 created (2 members), o1 joined it, then o2 handed it over
        {"owner": "o2", "data": _data(new_chat_cnt=1, chat_total=0, new_member_cnt=3, member_total=0)},
    ]
    asc = corp.api.post(STAT, {**body, "order_by": 3, "order_asc": 1, "limit": 1})
    assert [i["owner"] for i in asc["items"]] == ["o2"] and asc["next_offset"] == 1 and asc["total"] == 2
    rest = corp.api.post(STAT, {**body, "order_by": 3, "order_asc": 1, "offset": 1, "limit": 1})
    assert [i["owner"] for i in rest["items"]] == ["o1"] and rest["next_offset"] == 2
    one_day = corp.api.post(STAT, {"day_begin_time": d1, "owner_filter": {"userid_list": ["o1"]}})
    assert one_day["items"] == [
        {"owner": "o1", "data": _data(new_chat_cnt=1, chat_total=1, new_member_cnt=3, member_total=3)}
    ]


def test_statistic_group_by_day(make_corp) -> None:
    corp, d1, d2, d3 = _world(make_corp)
    res = corp.api.post(
        BY_DAY, {"day_begin_time": d1, "day_end_time": d3, "owner_filter": {"userid_list": ["o1", "o2"]}}
    )
    assert res["errcode"] == 0, res
    assert res["items"] == [
        {"stat_time": d1, "data": _data(new_chat_cnt=2, chat_total=2, new_member_cnt=5, member_total=5)},
        {"stat_time": d2, "data": _data(new_chat_cnt=1, chat_total=3, new_member_cnt=4, member_total=8)},
        {"stat_time": d3, "data": _data(new_chat_cnt=0, chat_total=2, new_member_cnt=1, member_total=7)},
    ]
    only_o2 = corp.api.post(BY_DAY, {"day_begin_time": d3, "owner_filter": {"userid_list": ["o2"]}})
    assert only_o2["items"] == [{"stat_time": d3, "data": _data(new_member_cnt=1)}]
    everyone = corp.api.post(BY_DAY, {"day_begin_time": d1, "day_end_time": d3})  # no filter: all members
    assert everyone["items"] == res["items"]
    groups = corp.cget(f"/stats/day?day={d2}")["groups"]
    assert groups["o1"] == {
        "new_chat": 1,
        "chat_total": 2,
        "new_member": 4,
        "quit_member": 1,
        "member_total": 6,
        "dismissed": 0,
    }
    assert corp.cget(f"/stats/day?day={d3}")["groups"]["o1"]["dismissed"] == 1


def test_group_handover_moves_totals(make_corp) -> None:
    corp = make_corp(seed=False)
    for userid in ("old", "new"):
        corp.c("/users/create", {"userid": userid, "name": userid, "callback": False})
    chat = corp.c("/groups/create", {"owner": "old", "members": C[:3], "callback": False})["chat_id"]
    res = corp.api.post(
        "externalcontact/groupchat/onjob_transfer", {"chat_id_list": [chat], "new_owner": "new"}
    )
    assert res["errcode"] == 0 and res["failed_chat_list"] == []
    groups = corp.cget("/stats/day")["groups"]
    assert groups["new"]["chat_total"] == 1 and groups["new"]["member_total"] == 5  # new owner joined
    assert groups["old"]["chat_total"] == 0 and groups["old"]["new_chat"] == 1


def test_seeded_groups_are_in_the_history(make_corp) -> None:
    corp = make_corp(seed={"employees": 4, "customers_per_employee": 5, "groups": 12, "members_per_group": 6})
    groups = corp.cget()["groups"]
    last_join = max(m["join_time"] for g in groups for m in g["member_list"])
    totals = corp.cget(f"/stats/day?day={last_join}")["groups"].values()
    assert sum(f["chat_total"] for f in totals) == len(groups)
    assert sum(f["member_total"] for f in totals) == sum(len(g["member_list"]) for g in groups)


def test_range_and_parameter_errors(make_corp) -> None:
    corp = make_corp(seed=False)
    corp.c("/users/create", {"userid": "o1", "name": "o1", "callback": False})
    yesterday = _today(corp) - DAY_S
    owners = {"userid_list": ["o1"]}

    def code(path: str = STAT, **body: Any) -> int:
        return corp.api.post(path, {"owner_filter": owners, **body})["errcode"]

    assert code(day_begin_time=yesterday - 29 * DAY_S, day_end_time=yesterday) == 0
    assert code(day_begin_time=yesterday - 30 * DAY_S, day_end_time=yesterday) == 600018
    assert code(BY_DAY, day_begin_time=yesterday - 30 * DAY_S, day_end_time=yesterday) == 600018
    assert code(day_begin_time=yesterday + DAY_S) == 600018  # today: not computed until tomorrow
    assert code(day_begin_time=yesterday - 181 * DAY_S) == 600018
    assert code(day_begin_time=yesterday, day_end_time=yesterday - DAY_S) == 600018
    assert code() == 40058
    assert code(day_begin_time=yesterday, order_by=5) == 40058
    assert code(day_begin_time=yesterday, limit=1001) == 40058
    assert code(day_begin_time=yesterday, limit=0) == 40058
    many = {"userid_list": [f"u{i}" for i in range(101)]}
    assert corp.api.post(STAT, {"day_begin_time": yesterday, "owner_filter": many})["errcode"] == 40058
    empty = corp.api.post(STAT, {"day_begin_time": yesterday, "owner_filter": owners})
    assert (empty["total"], empty["next_offset"], empty["items"]) == (0, 0, [])
