"""GroupAdmin over a fake store: the corp's groups paged by a cursor sealed with the corp and the owner filter,
labels trimmed, de-duplicated and bounded (20, 1..30 characters), an
unknown group 404 on read and on write, and what is shown is the stored group without index keys, with its
members as stored (those who left too) without their keys and sync stamps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from admin.schemas.base import validated
from admin.schemas.groups import GroupTags
from scrm.customers.groups import GroupAdmin
from scrm.kernel.errors import DomainError

from tests.unit.refusals import status

CORP = "wwcorp"


class FakeGroupStore:
    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], dict[str, Any]] = {}

    def set_group_tags(self, corp_id: str, chat_id: str, tags: Sequence[str]) -> bool:
        group = self.groups.get((corp_id, chat_id))
        if group is None:
            return False
        if tags:
            group["tags"] = set(tags)
        else:
            group.pop("tags", None)
        return True

    def groups_page(
        self, corp_id: str, after: tuple[str, str] | None, limit: int, owner: str = "", name: str = ""
    ) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
        """What the Dynamo adapter answers: (owner, create_sk) order, the key of the last row when more follow."""
        keyed = sorted(
            ((g["owner"], g["create_sk"]), g) for (corp, _), g in self.groups.items()
            if corp == corp_id and (not owner or g["owner"] == owner) and (after is None or (g["owner"], g["create_sk"]) > after)
            and name in g.get("name", "")
        )  # fmt: skip
        page = keyed[:limit]
        rows = [self._row(g) for _, g in page]
        return rows, (page[-1][0] if len(keyed) > limit else None)

    def groups_of(self, corp_id: str, chat_ids: Sequence[str]) -> list[dict[str, Any]]:
        return [self._row(self.groups[(corp_id, c)]) for c in chat_ids if (corp_id, c) in self.groups]

    @staticmethod
    def _row(g: dict[str, Any]) -> dict[str, Any]:
        return {"chat_id": g["chat_id"], "name": g.get("name", ""), "owner": g["owner"], "tags": sorted(g.get("tags") or ())}

    def read(self, corp_id: str, chat_id: str) -> dict[str, Any] | None:
        group = self.groups.get((corp_id, chat_id))
        if group is None:
            return None
        return {k: sorted(v) if isinstance(v, set) else v for k, v in group.items()}


@pytest.fixture
def world() -> tuple[FakeGroupStore, GroupAdmin]:
    store = FakeGroupStore()
    store.groups[(CORP, "wr1")] = {"chat_id": "wr1", "name": "一群", "owner": "alice", "owner_pk": "x#alice",
                                   "create_sk": "0#wr1", "status_version": 0, "members": []}  # fmt: skip
    return store, GroupAdmin(store, store.read, store)


def error(call: Any, *args: Any) -> DomainError:
    with pytest.raises(DomainError) as err:
        call(*args)
    return err.value


def test_labels_are_trimmed_de_duplicated_and_shown_sorted(world) -> None:
    store, admin = world
    assert admin.show(CORP, "wr1")["tags"] == []
    shown = admin.set_tags(CORP, "wr1", {"tags": [" 门店群 ", "VIP", "门店群", "VIP "]})
    assert shown["tags"] == ["VIP", "门店群"] and store.groups[(CORP, "wr1")]["tags"] == {"VIP", "门店群"}
    assert not {"owner_pk", "create_sk", "status_version"} & set(shown) and shown["members"] == []
    assert admin.set_tags(CORP, "wr1", {"tags": []})["tags"] == []  # [] clears
    assert "tags" not in store.groups[(CORP, "wr1")]


@pytest.mark.parametrize(
    "body",
    [{}, {"tags": "VIP"}, {"tags": [1]}, {"tags": ["  "]}, {"tags": ["x" * 31]},
     {"tags": [f"t{i}" for i in range(21)]}],
)  # fmt: skip
def test_bad_labels_are_refused_by_field_and_nothing_is_stored(world, body) -> None:
    store, admin = world
    err = error(lambda: admin.set_tags(CORP, "wr1", {"tags": validated(GroupTags, body).tags}))
    assert (status(err), err.field) == (400, "tags")
    assert "tags" not in store.groups[(CORP, "wr1")]


def test_members_are_shown_as_stored_without_keys_or_sync_stamps(world) -> None:
    store, admin = world
    stamps = {"sk": "x", "corp_id": CORP, "chat_id": "wr1", "synced_at_ms": 5}
    store.groups[(CORP, "wr1")]["members"] = [
        {**stamps, "member_id": "alice", "type": "employee", "status": "member", "join_time": 100,
         "join_scene": 1, "invitor": None},
        {**stamps, "member_id": "wmbob", "type": "customer", "status": "left", "join_time": 200, "join_scene": 3,
         "invitor": "alice", "group_nickname": "小鲍", "name": "鲍勃", "left_seen_ms": 300_000},
    ]  # fmt: skip
    assert admin.show(CORP, "wr1")["members"] == [
        {"member_id": "alice", "type": "employee", "status": "member", "join_time": 100, "join_scene": 1},
        {"member_id": "wmbob", "type": "customer", "status": "left", "join_time": 200, "join_scene": 3,
         "invitor": "alice", "group_nickname": "小鲍", "name": "鲍勃", "left_seen_ms": 300_000},
    ]  # fmt: skip
    assert len(admin.set_tags(CORP, "wr1", {"tags": ["VIP"]})["members"]) == 2  # the answer is the same shape


def test_limits_are_inclusive(world) -> None:
    _, admin = world
    labels = [f"{i:02d}" + "x" * 28 for i in range(20)]  # 20 labels of 30 characters
    assert admin.set_tags(CORP, "wr1", {"tags": labels})["tags"] == labels
    # 21 given, 20 once duplicates are dropped
    assert len(admin.set_tags(CORP, "wr1", {"tags": [*labels, labels[0]]})["tags"]) == 20


def test_an_unknown_group_or_another_corps_group_is_404(world) -> None:
    _, admin = world
    for corp, chat in ((CORP, "wr9"), ("wwother", "wr1")):
        assert status(error(admin.show, corp, chat)) == 404
        err = error(admin.set_tags, corp, chat, {"tags": ["VIP"]})
        assert (status(err), err.field) == (404, "chat_id")


def _add(store: FakeGroupStore, corp: str, chat: str, owner: str, created: int) -> None:
    store.groups[(corp, chat)] = {"chat_id": chat, "name": chat, "owner": owner, "create_sk": f"{created:010d}#{chat}",
                                  "members": []}  # fmt: skip


def test_the_list_pages_every_group_of_the_corp_once_by_owner_then_creation(world) -> None:
    store, admin = world
    for chat, owner, created in (("wr2", "bob", 5), ("wr3", "alice", 9), ("wr4", "bob", 1), ("wr5", "carol", 3)):
        _add(store, CORP, chat, owner, created)
    _add(store, "wwother", "wrX", "alice", 2)  # another corp's: never listed
    store.groups[(CORP, "wr1")]["create_sk"] = "0000000000#wr1"
    seen, cursor, pages = [], "", 0
    while True:
        page = admin.list(CORP, cursor, 2)
        seen += [r["chat_id"] for r in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["wr1", "wr3", "wr4", "wr2", "wr5"] and pages == 3
    only_bob = admin.list(CORP, "", 1, owner="bob")
    assert [r["chat_id"] for r in only_bob["items"]] == ["wr4"]
    assert [r["chat_id"] for r in admin.list(CORP, only_bob["next_cursor"], 5, owner="bob")["items"]] == ["wr2"]
    assert admin.list(CORP, "", 10)["next_cursor"] == ""  # all on one page: no cursor


@pytest.mark.parametrize("limit", [0, 201])
def test_a_limit_out_of_range_is_400_limit(world, limit) -> None:
    _, admin = world
    err = error(admin.list, CORP, "", limit)
    assert (status(err), err.field) == (400, "limit")


def test_a_cursor_of_another_corp_another_owner_filter_or_forged_is_400_cursor(world) -> None:
    store, admin = world
    for chat, owner in (("wr2", "alice"), ("wr3", "bob")):
        _add(store, CORP, chat, owner, 5)
        _add(store, "wwother", chat, owner, 5)
    mine = admin.list(CORP, "", 1)["next_cursor"]
    theirs = admin.list("wwother", "", 1)["next_cursor"]
    assert mine and theirs
    for corp, cursor, owner in ((CORP, theirs, ""), (CORP, mine, "alice"), (CORP, "not-a-cursor", ""),
                                ("wwother", mine, "")):  # fmt: skip
        err = error(admin.list, corp, cursor, 10, owner)
        assert (status(err), err.field) == (400, "cursor")


def test_a_name_search_pages_only_the_matching_groups_and_ids_are_named_in_their_order(world) -> None:
    store, admin = world
    for i in range(7):
        store.groups[(CORP, f"wq{i}")] = {"chat_id": f"wq{i}", "name": f"{'门店' if i % 2 else '会员'}群{i}",
                                          "owner": "bob", "create_sk": f"{i}#wq{i}"}  # fmt: skip
    first = admin.list(CORP, limit=2, name="门店")
    assert [r["name"] for r in first["items"]] == ["门店群1", "门店群3"] and first["next_cursor"]
    rest = admin.list(CORP, first["next_cursor"], 2, name="门店")
    assert [r["name"] for r in rest["items"]] == ["门店群5"] and rest["next_cursor"] == ""
    # The cursor belongs to that search: another search (or none) refuses it.
    for other in ({"name": "会员"}, {}):
        assert error(lambda o=other: admin.list(CORP, first["next_cursor"], 2, **o)).field == "cursor"
    assert error(lambda: admin.list(CORP, name="x" * 51)).field == "name"

    named = admin.list(CORP, chat_ids=["wq3", "nope", "wr1", "wq3"])
    assert [r["chat_id"] for r in named["items"]] == ["wq3", "wr1"] and named["next_cursor"] == ""
    assert named["items"][1]["name"] == "一群"
    for bad in ({"chat_ids": ["wq1"], "name": "门店"}, {"chat_ids": ["wq1"], "owner": "bob"},
                {"chat_ids": [f"c{i}" for i in range(201)]}, {"chat_ids": ["x" * 65]}):  # fmt: skip
        assert error(lambda b=bad: admin.list(CORP, **b)).field == "chat_ids"
