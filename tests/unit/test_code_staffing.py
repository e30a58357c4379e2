from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from scrm.domain.wecom_error import WeComError
from scrm.live_codes.channel_code import ChannelCode, parse_spec
from scrm.live_codes.staffing import CodeStaffing

from tests.unit.live_code_fakes import FakeChannelStats, FakeClock, FakeGateways, FakeLiveCodeRepo

CORP = "wwcorp0001"
MORNING = [{"days": [1], "start": "09:00", "end": "12:00", "staff": ["a"]}]  # Monday 09:00-12:00 China time


def stored(
    state: str, current: list[str], status: str = "active", config_id: str = "cfg1", **spec: Any
) -> ChannelCode:
    body = {"name": "n", "state": state, "staff": ["d"], **spec}
    return ChannelCode(parse_spec(body), config_id, "qr", tuple(current), status, 1, 1)


class World:
    def __init__(self, now: datetime) -> None:
        self.repo = FakeLiveCodeRepo()
        self.stats = FakeChannelStats()
        self.gateways = FakeGateways()
        self.wecom = self.gateways.corp(CORP)
        self.clock = FakeClock(now)
        self.staffing = CodeStaffing(self.repo, self.stats, self.gateways, clock=self.clock)

    def users_sent(self) -> list[tuple[str, list[str]]]:
        return [(cfg, fields["user"]) for cfg, fields in self.wecom.calls_to("update_contact_way")]


@pytest.fixture
def w() -> World:
    world = World(datetime(2024, 1, 1, 0, 59, tzinfo=UTC))  # Monday 08:59 China time
    world.repo.put_channel(CORP, stored("s1", ["d"], schedule=MORNING), version=1)
    return world


def test_the_staff_switch_when_the_clock_crosses_a_slot_boundary(w):
    assert w.staffing.refresh(CORP, "s1") is False  # 08:59: the default staff, as WeCom has it
    assert w.wecom.calls == []

    w.clock.advance(60)  # 09:00
    assert w.staffing.refresh(CORP, "s1") is True
    assert w.users_sent() == [("cfg1", ["a"])]
    assert w.wecom.calls_to("update_contact_way") == [("cfg1", {"user": ["a"]})]
    code = w.repo.code(CORP, "s1")
    assert code.current_staff == ("a",)
    assert code.updated_at_ms == int(w.clock.now * 1000)
    assert code.version == 2

    w.clock.advance(60)  # 09:01: nothing changes
    assert w.staffing.refresh(CORP, "s1") is False
    assert len(w.wecom.calls) == 1
    assert len(w.repo.calls_to("save_channel")) == 1

    w.clock.set(datetime(2024, 1, 1, 4, 0, tzinfo=UTC))  # 12:00: the slot ends
    assert w.staffing.refresh(CORP, "s1") is True
    assert w.users_sent() == [("cfg1", ["a"]), ("cfg1", ["d"])]
    assert w.repo.code(CORP, "s1").current_staff == ("d",)


def test_no_wecom_call_when_nothing_changes(w):
    w.clock.set(datetime(2024, 1, 1, 13, 0, tzinfo=UTC))  # 21:00 China time
    for _ in range(3):
        assert w.staffing.refresh(CORP, "s1") is False
        w.clock.advance(60)
    assert w.wecom.calls == []
    assert w.repo.calls_to("save_channel") == []
    assert w.stats.calls == []  # no cap: the day's adds are not read


def test_a_conflict_makes_it_read_again_and_decide_again(w):
    w.clock.advance(60)  # 09:00: the slot's staff ("a") is wanted

    def concurrent_edit() -> None:  # an admin changes the slot's staff between our read and our write
        data = stored("s1", ["d"], schedule=[{**MORNING[0], "staff": ["c"]}])
        w.repo.put_channel(CORP, data, version=w.repo.code(CORP, "s1").version + 1)

    w.repo.before_write.append(concurrent_edit)
    assert w.staffing.refresh(CORP, "s1") is True
    assert w.repo.calls_to("channel") == [(CORP, "s1"), (CORP, "s1")]
    assert w.users_sent() == [("cfg1", ["a"]), ("cfg1", ["c"])]
    code = w.repo.code(CORP, "s1")
    assert (code.current_staff, code.spec.schedule[0].staff) == (("c",), ("c",))
    assert code.version == 3
    assert [args[2] for args in w.repo.calls_to("save_channel")] == [1, 2]


def test_a_conflict_with_an_edit_that_already_set_the_staff_ends_without_another_call(w):
    w.clock.advance(60)

    def concurrent_refresh() -> None:  # another worker switched it first
        w.repo.put_channel(CORP, stored("s1", ["a"], schedule=MORNING), version=2)

    w.repo.before_write.append(concurrent_refresh)
    assert w.staffing.refresh(CORP, "s1") is False
    assert w.users_sent() == [("cfg1", ["a"])]
    assert len(w.repo.calls_to("channel")) == 2


def test_the_cap_is_read_for_the_china_day():
    w = World(datetime(2024, 1, 1, 17, 0, tzinfo=UTC))  # 2024-01-02 01:00 China time
    w.repo.put_channel(CORP, stored("cap", ["a", "b"], staff=["a", "b"], daily_cap=2))
    w.stats.adds[(CORP, "cap", "2024-01-02")] = {"a": 2, "b": 1}
    w.stats.adds[(CORP, "cap", "2024-01-01")] = {"b": 9}  # yesterday's (in China) do not count
    assert w.staffing.refresh(CORP, "cap") is True
    assert w.stats.calls_to("adds_on") == [(CORP, "cap", "2024-01-02")]
    assert w.users_sent() == [("cfg1", ["b"])]

    w.stats.adds[(CORP, "cap", "2024-01-02")] = {"a": 2, "b": 2}  # everyone full, no backups: keep the list
    assert w.staffing.refresh(CORP, "cap") is True
    assert w.users_sent()[-1] == ("cfg1", ["a", "b"])


@pytest.mark.parametrize(
    "data",
    [
        None,
        stored("s1", ["d"], status="deleted", schedule=MORNING),
        stored("s1", ["d"], config_id="", schedule=MORNING),
    ],
)
def test_missing_deleted_or_unlinked_codes_are_left_alone(data):
    w = World(datetime(2024, 1, 1, 1, 0, tzinfo=UTC))  # 09:00 China time: the slot would want "a"
    if data is not None:
        w.repo.put_channel(CORP, data)
    assert w.staffing.refresh(CORP, "s1") is False
    assert (w.wecom.calls, w.repo.calls_to("replace")) == ([], [])


def test_refresh_corp_checks_only_timed_active_codes_and_counts_failures_without_stopping():
    w = World(datetime(2024, 1, 1, 1, 0, tzinfo=UTC))  # Monday 09:00 China time
    w.repo.put_channel(CORP, stored("capped", ["d", "e"], staff=["d", "e"], daily_cap=1, config_id="cfgC"))
    w.stats.adds[(CORP, "capped", "2024-01-01")] = {"d": 1}
    w.repo.put_channel(CORP, stored("deleted", ["d"], status="deleted", schedule=MORNING, config_id="cfgD"))
    w.repo.put_channel(CORP, stored("plain", ["x"], config_id="cfgP"))  # never changes by time
    w.repo.put_channel(CORP, stored("sched", ["d"], schedule=MORNING, config_id="cfgS"))
    w.repo.put_channel(CORP, stored("steady", ["a"], schedule=MORNING, config_id="cfgT"))
    w.repo.put(CORP, "g#group1", {"state": "group1", "status": "active", "daily_cap": 3})
    w.repo.put_channel("wwother", stored("elsewhere", ["d"], schedule=MORNING))
    w.wecom.fail("update_contact_way", WeComError(-1, "system busy", "/cgi-bin/externalcontact/update_contact_way"))

    assert w.staffing.refresh_corp(CORP) == {"checked": 3, "changed": 1, "failed": 1}
    assert w.repo.calls_to("channels") == [(CORP,)]
    assert w.repo.calls_to("channel") == [(CORP, "capped"), (CORP, "sched"), (CORP, "steady")]
    assert w.users_sent() == [("cfgC", ["e"]), ("cfgS", ["a"])]
    assert w.repo.code(CORP, "capped").current_staff == ("d", "e")  # not written: WeCom refused
    assert w.repo.code(CORP, "sched").current_staff == ("a",)
    assert w.gateways.asked == [CORP, CORP]

    # the next minute retries the one that failed
    assert w.staffing.refresh_corp(CORP) == {"checked": 3, "changed": 1, "failed": 0}
    assert w.users_sent()[-1] == ("cfgC", ["e"])


def test_refresh_corp_of_an_empty_corp():
    assert CodeStaffing(FakeLiveCodeRepo(), FakeChannelStats(), FakeGateways()).refresh_corp(CORP) == {
        "checked": 0,
        "changed": 0,
        "failed": 0,
    }
