"""A large seeded corp (500 employees x 200 customers, 300 tags, 2000 groups): speed, realism, sync paths.

A benchmark of the SCRM's full sync runs against exactly this corp, so the sandbox must seed it in
seconds, its data must look like a real corp's (tags spread evenly, some states and remarks,
customers in groups), and the paging APIs must behave at that size as WeCom's do.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from wecom_sandbox import seed

LARGE = {
    "employees": 500,
    "customers_per_employee": 200,
    "tag_groups": 30,
    "tags": 10,
    "groups": 2000,
    "members_per_group": 20,
}


@pytest.fixture(scope="module")
def large(ctl, handle_for) -> Iterator[tuple[Any, float]]:
    started = time.perf_counter()
    info = ctl.post("/corps", {"seed": LARGE}, expect=201)
    elapsed = time.perf_counter() - started
    yield handle_for(info), elapsed
    ctl.call("DELETE", f"/corps/{info['corp_id']}")


@pytest.fixture(scope="module")
def world(large) -> dict[str, Any]:
    """The whole-corp GET (the slow one), fetched once for the realism checks."""
    corp, _ = large
    return corp.cget()


def test_large_seed_is_fast_and_summary_is_cheap(large) -> None:
    corp, elapsed = large
    # About 2 s on a laptop-class machine; the bound only catches an accidental O(n^2).
    assert elapsed < 20, f"seeding took {elapsed:.1f} s"
    assert corp.info["counts"] == {
        "employees": 500,
        "customers": corp.info["counts"]["customers"],
        "relations": 100_000,
        "tag_groups": 30,
        "tags": 300,
        "groups": 2000,
    }
    # ~10 % of relations reuse an existing customer, so there are fewer customers than relations.
    assert 85_000 < corp.info["counts"]["customers"] < 95_000
    started = time.perf_counter()
    summary = corp.ctl.get(f"/corps/{corp.id}?summary=1")
    assert time.perf_counter() - started < 1
    assert summary["counts"] == corp.info["counts"] and "customers" not in summary


def test_whole_corp_get_still_works(large, world) -> None:
    corp, _ = large
    assert len(world["employees"]) == 500 and len(world["groups"]) == 2000
    assert len(world["customers"]) == corp.info["counts"]["customers"]
    assert sum(len(c["follow_users"]) for c in world["customers"]) == 100_000


def test_tags_per_relation_are_spread_evenly(world) -> None:
    tag_group = {t["id"]: g["group_id"] for g in world["tag_groups"] for t in g["tag"]}
    relations = [r for c in world["customers"] for r in c["follow_users"]]
    per_relation = Counter(len(r["tag_ids"]) for r in relations)
    assert set(per_relation) == {0, 1, 2, 3}
    for k, weight in enumerate(seed.TAGS_PER_RELATION_WEIGHTS):
        assert abs(per_relation[k] / len(relations) - weight) < 0.02, (k, per_relation)
    mean = sum(len(r["tag_ids"]) for r in relations) / len(relations)
    assert abs(mean - seed.MEAN_TAGS_PER_RELATION) < 0.02 and abs(seed.MEAN_TAGS_PER_RELATION - 1.3) < 1e-9
    # The documented rule: a tag holds about relations x mean / tags relations (here ~433).
    per_tag = Counter(t for r in relations for t in r["tag_ids"])
    expected = len(relations) * seed.MEAN_TAGS_PER_RELATION / len(tag_group)
    assert len(per_tag) == 300
    assert all(0.75 * expected < n < 1.25 * expected for n in per_tag.values()), (expected, per_tag)
    # Several tags on one relation come from different groups (one 客户等级, one 意向程度, ...).
    assert all(len({tag_group[t] for t in r["tag_ids"]}) == len(r["tag_ids"]) for r in relations)


def test_relations_look_real(world) -> None:
    customers = world["customers"]
    relations = [r for c in customers for r in c["follow_users"]]
    with_state = [r for r in relations if r["state"]]
    assert 0.3 < len(with_state) / len(relations) < 0.5
    assert all(r["add_way"] in (1, 16) for r in with_state)
    assert 0.4 < sum(1 for r in relations if r["remark"]) / len(relations) < 0.6
    days = {r["createtime"] // 86_400 for r in relations}
    assert len(days) > 300 and all(r["createtime"] <= seed.BASE_TIME for r in relations)
    by_customer = {r["oper_userid"] for r in relations if r["add_way"] in (1, 3, 16)}
    assert all(oper.startswith("wm") for oper in by_customer)
    assert all(not r["one_way"] for r in relations)
    names = [c["name"] for c in customers]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names)
    with_emoji = sum(1 for name in names if any(ord(ch) > 0xFFFF for ch in name))
    assert 0.25 < with_emoji / len(names) < 0.5


def test_groups_spread_over_owners_with_customer_members(world) -> None:
    groups = world["groups"]
    owners = Counter(g["owner"] for g in groups)
    assert len(owners) == 500 and set(owners.values()) == {4}  # 2000 groups dealt round-robin
    sizes = [len(g["member_list"]) for g in groups]
    assert statistics.mean(sizes) > 19.5 and max(sizes) == 20
    members = [m for g in groups for m in g["member_list"] if m["userid"] != g["owner"]]
    assert 0.8 < sum(1 for m in members if m["type"] == 2) / len(members) < 0.9
    followed = {c["external_userid"]: {r["userid"] for r in c["follow_users"]} for c in world["customers"]}
    own = sum(
        1
        for g in groups
        for m in g["member_list"]
        if m["type"] == 2 and g["owner"] in followed.get(m["userid"], set())
    )
    assert own / sum(1 for m in members if m["type"] == 2) > 0.6


def test_batch_get_by_user_fills_pages_across_users(large) -> None:
    corp, _ = large
    users = [u["userid"] for u in corp.api.get("user/simplelist", department_id=1)["userlist"]][:99]
    listed = users[:50] + ["nobody_here"] + users[50:]  # an unknown userid is skipped silently
    since = corp.cget("/calls/count")["last_seq"]
    seen: list[tuple[str, str]] = []
    pages: list[int] = []
    cursor = ""
    while True:
        r = corp.api.post(
            "externalcontact/batch/get_by_user", {"userid_list": listed, "cursor": cursor, "limit": 100}
        )
        assert r["errcode"] == 0, r
        pages.append(len(r["external_contact_list"]))
        seen += [
            (i["follow_info"]["userid"], i["external_contact"]["external_userid"])
            for i in r["external_contact_list"]
        ]
        cursor = r["next_cursor"]
        if not cursor:
            break
    # 99 users x 200 relations = 19,800: 198 full pages, the last one ends with next_cursor "".
    assert pages == [100] * 198
    assert len(set(seen)) == len(seen) == 19_800
    assert [u for u, _ in seen] == [u for u in users for _ in range(200)]
    counted = corp.ctl.get(
        f"/corps/{corp.id}/calls/count?since={since}&path=externalcontact/batch/get_by_user"
    )
    assert counted["counts"] == {"externalcontact/batch/get_by_user": 198} and counted["complete"]


def test_user_list_and_unfiltered_groupchat_list_at_500(large) -> None:
    corp, _ = large
    assert len(corp.api.get("user/list", department_id=1, fetch_child=1)["userlist"]) == 500
    chats, cursor = [], ""
    while True:
        r = corp.api.post("externalcontact/groupchat/list", {"limit": 1000, "cursor": cursor})
        assert r["errcode"] == 0, r
        chats += r["group_chat_list"]
        cursor = r["next_cursor"]
        if not cursor:
            break
    assert len({c["chat_id"] for c in chats}) == 2000


def test_groupchat_list_needs_owner_filter_above_1000_members(make_corp) -> None:
    at_limit = make_corp(seed={"employees": 1000, "customers_per_employee": 0, "groups": 3})
    assert at_limit.api.post("externalcontact/groupchat/list", {"limit": 10})["errcode"] == 0
    big = make_corp(
        seed={"employees": 1001, "customers_per_employee": 0, "groups": 3, "members_per_group": 1}
    )
    assert len(big.api.get("user/list", department_id=1, fetch_child=1)["userlist"]) == 1001
    assert len(big.api.get("user/simplelist", department_id=1, fetch_child=1)["userlist"]) == 1001
    unfiltered = big.api.post("externalcontact/groupchat/list", {"limit": 10})
    assert unfiltered["errcode"] == 81017 and "owner_filter" in unfiltered["errmsg"]
    assert "?e=81017" in unfiltered["errmsg"]
    empty = big.api.post("externalcontact/groupchat/list", {"limit": 10, "owner_filter": {"userid_list": []}})
    assert empty["errcode"] == 81017
    owners = [g["owner"] for g in big.cget()["groups"]]
    filtered = big.api.post(
        "externalcontact/groupchat/list", {"limit": 10, "owner_filter": {"userid_list": owners}}
    )
    assert filtered["errcode"] == 0 and len(filtered["group_chat_list"]) == 3
    calls = big.cget("/calls?path=externalcontact/groupchat/list")["calls"]
    assert [c["errcode"] for c in calls] == [81017, 81017, 0]


def test_batch_get_by_user_cursor_is_stable_under_changes(make_corp) -> None:
    c = make_corp(seed={"employees": 4, "customers_per_employee": 5, "groups": 0, "shared_customer_ratio": 0})
    users = [u["userid"] for u in c.api.get("user/simplelist", department_id=1)["userlist"]]
    rels = {u: c.api.get("externalcontact/list", userid=u)["external_userid"] for u in users}
    body: dict[str, Any] = {"userid_list": [users[0], "ghost", *users[1:]], "limit": 7}

    first = c.api.post("externalcontact/batch/get_by_user", body)
    got = [
        (i["follow_info"]["userid"], i["external_contact"]["external_userid"])
        for i in first["external_contact_list"]
    ]
    assert got == [(users[0], e) for e in rels[users[0]]] + [(users[1], e) for e in rels[users[1]][:2]]
    # Between pages: drop one relation already returned and one not yet returned, add one behind
    # the cursor (users[0]) and one ahead of it (users[3]).
    for ext in (rels[users[1]][0], rels[users[1]][3]):
        c.c("/customers/del_by_employee", {"userid": users[1], "external_userid": ext, "callback": False})
    c.c("/customers/add", {"userid": users[0], "callback": False})
    late = c.c("/customers/add", {"userid": users[3], "callback": False})["external_userid"]

    pages, cursor = [len(got)], first["next_cursor"]
    while cursor:
        r = c.api.post("externalcontact/batch/get_by_user", {**body, "cursor": cursor})
        assert r["errcode"] == 0, r
        pages.append(len(r["external_contact_list"]))
        got += [
            (i["follow_info"]["userid"], i["external_contact"]["external_userid"])
            for i in r["external_contact_list"]
        ]
        cursor = r["next_cursor"]
    expected_rest = (
        [(users[1], e) for e in rels[users[1]][2:] if e != rels[users[1]][3]]
        + [(users[2], e) for e in rels[users[2]]]
        + [(users[3], e) for e in [*rels[users[3]], late]]
    )
    assert got[7:] == expected_rest
    assert pages == [7, 7, 6]  # 20 relations in all: full pages until the last one
