"""The sidebar's portraits (issue 19 item 1): what a member sees of a customer or group, and that a
customer or group not theirs answers exactly as one that does not exist."""

from __future__ import annotations

import pytest
from scrm.kernel.errors import NotFound
from scrm.sidebar.portrait import Portraits

from tests.unit.sidebar_fakes import FakeExtra, FakeGroupExtra, FakePortraitReads

C = "wwcorp"


def _reads() -> FakePortraitReads:
    follows = [
        {"userid": "zhang", "status": "active", "remark": "老客户", "description": "爱买面霜", "add_time": 1700000000,
         "add_way": 1, "state": "c-door", "tag_ids": ["t2", "t1"], "name": "王小明"},
        {"userid": "li", "status": "active", "state": "", "tag_ids": []},
        {"userid": "zhao", "status": "deleted_by_customer"},
    ]  # fmt: skip
    return FakePortraitReads(
        customers={"wmA": {"profile": {"name": "王小明", "avatar": "https://a/1.png", "type": 1}, "follows": follows,
                           "timeline": [{"change_type": "add_external_contact"}]}},  # fmt: skip
        tags={"t1": "VIP", "t2": "面霜"},
        codes={"c-door": "门口海报"},
        members={"zhang": "张三", "li": "李四", "zhao": "赵六"},
        memberships={"wmA": ["g1", "g-gone"]},  # g-gone: an index entry whose group we no longer hold
        group_rows={"g1": {"chat_id": "g1", "name": "会员群"}},
        groups={"g1": {"name": "会员群", "owner": "li", "admins": {"zhang"}, "tags": {"vip"}, "members": [
            {"member_id": "li", "type": "employee", "status": "member"},
            {"member_id": "zhang", "type": "employee", "status": "left"},
            {"member_id": "wmA", "type": "customer", "status": "member", "group_nickname": "小明"},
        ]}},
    )


def test_a_member_sees_their_relation_the_others_and_the_groups():
    p = Portraits(_reads()).customer(C, "wmA", "zhang")
    assert p["profile"]["name"] == "王小明"
    mine = p["relation"]
    assert (mine["remark"], mine["code_name"], mine["member_name"]) == ("老客户", "门口海报", "张三")
    assert mine["tags"] == [{"tag_id": "t1", "name": "VIP"}, {"tag_id": "t2", "name": "面霜"}]
    assert [o["userid"] for o in p["others"]] == ["li"]  # zhao no longer serves them
    assert p["groups"] == [{"chat_id": "g1", "name": "会员群"}]
    assert p["corp_wide"] is False


@pytest.mark.parametrize(("ext", "userid"), [("wmA", "zhao"), ("wmA", "stranger"), ("wmNope", "zhang")])
def test_a_customer_not_served_answers_as_one_that_does_not_exist(ext, userid):
    with pytest.raises(NotFound) as caught:
        Portraits(_reads()).customer(C, ext, userid)
    assert caught.value.message == f"no customer {ext} among those you serve"


def test_an_admin_reads_a_customer_they_do_not_serve():
    p = Portraits(_reads()).customer(C, "wmA", "boss", corp_wide=True)
    assert p["relation"] is None and len(p["others"]) == 2
    with pytest.raises(NotFound):
        Portraits(_reads()).customer(C, "wmNope", "boss", corp_wide=True)


def test_extras_add_their_parts_for_the_member_looking():
    p = Portraits(_reads(), [FakeExtra()]).customer(C, "wmA", "li")
    assert p["extra"] == {"for": "li"}


def test_a_group_is_shown_to_its_owner_and_its_staff_members_only():
    reads = _reads()
    g = Portraits(reads).group(C, "g1", "li")
    assert (g["owner_name"], g["member_count"], g["customer_count"], g["labels"]) == ("李四", 2, 1, ["vip"])
    assert [(m["member_id"], m["kind"], m["name"]) for m in g["members"]] == [("li", "staff", "李四"), ("wmA", "customer", "小明")]
    with pytest.raises(NotFound, match="no group g1 among yours"):
        Portraits(reads).group(C, "g1", "zhang")  # left the group: it is no longer theirs
    with pytest.raises(NotFound, match="no group g2 among yours"):
        Portraits(reads).group(C, "g2", "li")
    assert Portraits(reads).group(C, "g1", "boss", corp_wide=True)["chat_id"] == "g1"


def test_the_check_alone_follows_the_portraits_rule():
    reads = _reads()
    assert Portraits(reads).check_customer(C, "wmA", "li") == "王小明"  # the name the relations copy
    assert Portraits(reads).check_customer(C, "wmA", "boss", corp_wide=True) == "王小明"
    for ext, userid, wide in (("wmA", "zhao", False), ("wmA", "boss", False), ("wmNope", "boss", True)):
        with pytest.raises(NotFound, match=f"no customer {ext} among those you serve"):
            Portraits(reads).check_customer(C, ext, userid, corp_wide=wide)
    assert set(reads.calls) == {"relations"}


def test_group_extras_add_their_parts():
    g = Portraits(_reads(), group_extras=[FakeGroupExtra()]).group(C, "g1", "li")
    assert g["sops"] == [{"name": "SOP for 会员群"}] and g["chat_id"] == "g1"


class _Recorded:
    """An extra that records for whom it ran."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, str]] = []

    def __call__(self, corp_id: str, external_userid: str, userid: str) -> dict[str, object]:
        self.ran.append((external_userid, userid))
        return {"recorded": True}


def test_the_second_round_is_one_read_of_every_key_the_first_named():
    reads = _reads()
    asked = []
    by_keys = reads.by_keys
    reads.by_keys = lambda corp_id, keys: asked.append(keys) or by_keys(corp_id, keys)  # type: ignore[method-assign]
    p = Portraits(reads).customer(C, "wmA", "zhang")
    assert len(asked) == 1
    keys = asked[0]
    assert (keys.profile, list(keys.tag_ids), list(keys.states)) == ("wmA", ["t1", "t2"], ["c-door"])
    assert (list(keys.userids), list(keys.chat_ids)) == (["li", "zhang", "zhao"], ["g1", "g-gone"])
    assert p["groups"] == [{"chat_id": "g1", "name": "会员群"}]  # a group we no longer hold is left out
    assert p["timeline"] == [{"change_type": "add_external_contact"}]
    assert sorted(reads.calls) == ["by_keys", "group_ids_with", "relations", "timeline"]


def test_nothing_is_read_by_key_and_no_extra_runs_for_a_customer_not_served():
    reads, extra = _reads(), _Recorded()
    with pytest.raises(NotFound):
        Portraits(reads, [extra]).customer(C, "wmA", "zhao")
    assert extra.ran == [] and "by_keys" not in reads.calls


def test_an_admin_sees_a_customer_we_hold_without_relations_and_the_extras_run_after_the_check():
    reads, extra = _reads(), _Recorded()
    reads.customers["wmP"] = {"profile": {"name": "只有资料"}, "follows": [], "timeline": []}
    p = Portraits(reads, [extra]).customer(C, "wmP", "boss", corp_wide=True)
    assert (p["profile"]["name"], p["relation"], p["others"], p["recorded"]) == ("只有资料", None, [], True)
    assert extra.ran == [("wmP", "boss")]
    with pytest.raises(NotFound):
        Portraits(reads, [extra]).customer(C, "wmNope", "boss", corp_wide=True)
    assert extra.ran == [("wmP", "boss")]  # nothing we hold: no extra ran


def test_a_failing_extra_fails_the_portrait():
    def broken(corp_id: str, external_userid: str, userid: str) -> dict[str, object]:
        raise RuntimeError("down")

    with pytest.raises(RuntimeError, match="down"):
        Portraits(_reads(), [broken]).customer(C, "wmA", "zhang")
