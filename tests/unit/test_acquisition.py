"""What an arrival through a live code does on the event path (acquisition/service.py), with fakes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from scrm.acquisition.service import Acquisition
from scrm.customers.customer import FollowInfo, TagRef
from scrm.kernel.wecom_error import WeComError
from scrm.live_codes.channel_code import ChannelCode, parse_spec
from scrm.live_codes.staffing import CodeStaffing

from tests.unit.live_code_fakes import FakeChannelStats, FakeClock, FakeGateways, FakeLiveCodeRepo

CORP = "wwcorp0001"
EXT, UID = "wmCUSTOMER01", "zhangwei"


class CountingStats(FakeChannelStats):
    """record_add / record_loss as the DynamoDB adapter keeps them: once per relation and add time."""

    def __init__(self) -> None:
        super().__init__()
        self.acquired: dict[tuple[str, str, str], dict[str, Any]] = {}

    def record_add(self, corp_id: str, state: str, external_userid: str, userid: str, added_at: int, day: str) -> bool:
        key = (corp_id, external_userid, userid)
        old = self.acquired.get(key)
        if old is not None and old["added_at"] >= added_at:
            return False
        self.acquired[key] = {"state": state, "day": day, "added_at": added_at}
        per_day = self.adds.setdefault((corp_id, state, day), {})
        per_day[userid] = per_day.get(userid, 0) + 1
        return True

    def record_loss(self, corp_id: str, external_userid: str, userid: str, by: str, at: int) -> bool:
        acq = self.acquired.get((corp_id, external_userid, userid))
        if acq is None or acq.get("lost_by") or acq["added_at"] > at:
            return False
        acq["lost_by"] = by
        return True


def code(state: str = "s1", status: str = "active", **spec: Any) -> dict[str, Any]:
    body = {"name": "海报", "state": state, "staff": [UID, "lina"], **spec}
    return ChannelCode(parse_spec(body), "cfg1", "qr", (UID, "lina"), status, 1, 1).as_dict()


class World:
    def __init__(self) -> None:
        self.repo = FakeLiveCodeRepo()
        self.stats = CountingStats()
        self.gateways = FakeGateways()
        self.wecom = self.gateways.corp(CORP)
        self.clock = FakeClock(datetime(2024, 1, 1, 2, 0, tzinfo=UTC))  # Monday 10:00 China time
        staffing = CodeStaffing(self.repo, self.stats, self.gateways, clock=self.clock)
        self.acq = Acquisition(self.repo, self.stats, staffing, self.gateways)

    def arrive(self, info: FollowInfo, state: str = "s1", name: str = "韩梅梅") -> tuple[FollowInfo, list[str]]:
        found = self.acq.code(CORP, state)
        assert found is not None
        return self.acq.apply_actions(CORP, EXT, found, name, info)


@pytest.fixture
def w() -> World:
    return World()


def test_tags_the_relation_lacks_and_the_templated_remark_go_to_wecom(w):
    w.repo.put(CORP, "c#s1", code(tags=["t1", "t2"], remark_template="海报-{name}", description_template="门店"))
    info, effects = w.arrive(FollowInfo(UID, tags=(TagRef("t1"),)))
    assert w.wecom.calls_to("mark_tag") == [(UID, EXT, ["t2"], [])]
    assert w.wecom.calls_to("remark") == [(UID, EXT, {"remark": "海报-韩梅梅", "description": "门店"})]
    assert [t.tag_id for t in info.tags] == ["t1", "t2"]
    assert (info.remark, info.description) == ("海报-韩梅梅", "门店")
    assert effects == ["channel:tagged:1", "channel:remarked"]


def test_nothing_is_called_when_wecom_already_has_it(w):
    w.repo.put(CORP, "c#s1", code(tags=["t1"], remark_template="老客"))
    info, effects = w.arrive(FollowInfo(UID, remark="老客", tags=(TagRef("t1"),)))
    assert w.wecom.calls == [] and effects == []


def test_the_remark_is_cut_to_wecoms_limit(w):
    w.repo.put(CORP, "c#s1", code(remark_template="{name}"))
    info, _ = w.arrive(FollowInfo(UID), name="名" * 30)
    assert info.remark == "名" * 20


def test_a_permanent_refusal_is_noted_and_the_rest_still_happens(w):
    w.repo.put(CORP, "c#s1", code(tags=["gone"], remark_template="海报"))
    w.wecom.fail("mark_tag", WeComError(40068, "invalid tagid", "externalcontact/mark_tag"))
    info, effects = w.arrive(FollowInfo(UID))
    assert info.tags == () and info.remark == "海报"
    assert effects == ["channel:mark_tag_refused:40068", "channel:remarked"]


def test_a_passing_failure_goes_up_for_the_queue_to_retry(w):
    w.repo.put(CORP, "c#s1", code(tags=["t1"]))
    w.wecom.fail("mark_tag", WeComError(-1, "system busy", "externalcontact/mark_tag"))
    with pytest.raises(WeComError):
        w.arrive(FollowInfo(UID))


def test_a_deleted_code_still_counts_but_acts_no_more(w):
    w.repo.put(CORP, "c#s1", code(status="deleted", tags=["t1"]))
    info, effects = w.arrive(FollowInfo(UID))
    assert effects == [] and w.wecom.calls == []
    assert w.acq.count_add(CORP, "s1", EXT, UID, 1_704_074_400) == ["channel:counted"]


def test_an_add_counts_once_and_a_loss_once(w):
    w.repo.put(CORP, "c#s1", code())
    t = 1_704_074_400  # 2024-01-01 10:00 China time
    assert w.acq.count_add(CORP, "s1", EXT, UID, t) == ["channel:counted"]
    assert w.acq.count_add(CORP, "s1", EXT, UID, t) == ["channel:counted_before"]
    assert w.stats.adds == {(CORP, "s1", "2024-01-01"): {UID: 1}}
    assert w.acq.count_loss(CORP, EXT, UID, "customer", t + 60) == ["channel:lost"]
    assert w.acq.count_loss(CORP, EXT, UID, "customer", t + 60) == []
    assert w.acq.count_add(CORP, "unknown", EXT, UID, t) == ["channel:unknown_state"]


def test_a_member_reaching_the_cap_is_switched_out_at_once(w):
    w.repo.put(CORP, "c#s1", code(daily_cap=1, backup=["wangfang"]))
    assert w.acq.count_add(CORP, "s1", EXT, UID, 1_704_074_400) == ["channel:counted", "channel:staff_switched"]
    assert w.wecom.calls_to("update_contact_way") == [("cfg1", {"user": ["lina"]})]


def test_a_failed_cap_switch_does_not_fail_the_counted_event(w):
    w.repo.put(CORP, "c#s1", code(daily_cap=1))
    w.wecom.fail("update_contact_way", WeComError(-1, "busy", "externalcontact/update_contact_way"))
    effects = w.acq.count_add(CORP, "s1", EXT, UID, 1_704_074_400)
    assert effects == ["channel:counted", "channel:staff_switch_deferred"]
    assert w.stats.adds[(CORP, "s1", "2024-01-01")] == {UID: 1}


def test_a_group_code_moves_on_at_its_threshold_and_back_when_members_leave(w):
    from scrm.live_codes.group_code import parse_group_spec

    spec = parse_group_spec({"name": "VIP", "state": "g1", "chat_ids": ["wrA", "wrB"], "threshold": 3})
    w.repo.put(CORP, "g#g1", {**spec.as_dict(), "config_id": "jw1", "status": "active",
                              "active_chats": ["wrA", "wrB"], "full_chats": []})
    assert w.acq.group_size(CORP, "wrA", 2) == []
    assert w.acq.group_size(CORP, "wrA", 3) == ["group_code:switched:g1"]
    assert w.wecom.calls_to("update_join_way")[-1][1]["chat_id_list"] == ["wrB"]
    assert w.repo.data(CORP, "g#g1")["active_chats"] == ["wrB"]
    assert w.acq.group_size(CORP, "wrA", 3) == []  # already moved on: no call
    assert w.acq.group_size(CORP, "wrA", 2) == ["group_code:switched:g1"]
    assert w.wecom.calls_to("update_join_way")[-1][1]["chat_id_list"] == ["wrA", "wrB"]
    assert w.acq.group_size(CORP, "wrOTHER", 500) == []


def test_a_member_who_left_is_taken_off_every_list_of_the_code(w):
    w.repo.put(CORP, "c#s1", code(backup=["wangfang"], schedule=[
        {"days": [1], "start": "09:00", "end": "12:00", "staff": [UID]},
        {"days": [1], "start": "12:00", "end": "18:00", "staff": [UID, "lina"]}]))
    w.repo.put(CORP, "c#s2", code(state="s2", staff=["lina"]))
    assert w.acq.employee_left(CORP, UID) == ["channel:member_removed:s1"]
    data = w.repo.data(CORP, "c#s1")
    assert data["staff"] == ["lina"] and [s["staff"] for s in data["schedule"]] == [["lina"]]
    # Monday 10:00 China time: no slot covers it any more, so the backup is on duty
    assert w.wecom.calls_to("update_contact_way") == [("cfg1", {"user": ["wangfang"]})]
    assert w.acq.employee_left(CORP, UID) == []  # nothing names them now


def test_a_code_whose_last_member_left_keeps_them_and_says_so(w):
    w.repo.put(CORP, "c#s1", code(staff=[UID]))
    assert w.acq.employee_left(CORP, UID) == ["channel:member_kept:s1"]
    assert w.repo.data(CORP, "c#s1")["staff"] == [UID] and w.wecom.calls == []
