from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from scrm.customers.customer import CustomerProfile
from scrm.kernel.wecom_error import WeComError
from scrm.live_codes.channel_code import ChannelCode, parse_spec
from scrm.live_codes.keys import DEFAULT_WELCOME
from scrm.welcome.sender import WelcomeSender

from tests.unit.live_code_fakes import FakeChannelStats, FakeClock, FakeGateways, FakeLiveCodeRepo

CORP = "wwcorp0001"
CT = int(datetime(2024, 1, 1, 2, 0, tzinfo=UTC).timestamp())  # Monday 10:00 China time
EXT = "wmEXT1"


def err(code: int | None, msg: str = "boom") -> WeComError:
    return WeComError(code, msg, "/cgi-bin/externalcontact/send_welcome_msg")


def store_code(repo: FakeLiveCodeRepo, status: str = "active", **spec: Any) -> ChannelCode:
    code = ChannelCode(parse_spec({"name": "n", "staff": ["u1"], **spec}), "cfg1", "qr", ("u1",), status, 1, 1)
    repo.put(CORP, f"c#{code.state}", code.as_dict())
    return code


def message(state: str = "s1", create_time: int | None = CT, code: str = "WC1", **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"WelcomeCode": code, "ExternalUserID": EXT, "UserID": "u1", "State": state}
    if create_time is not None:
        fields["CreateTime"] = str(create_time)
    fields.update(extra)
    return {"corp_id": CORP, "fields": fields}


class World:
    def __init__(self) -> None:
        self.repo = FakeLiveCodeRepo()
        self.stats = FakeChannelStats()
        self.gateways = FakeGateways()
        self.wecom = self.gateways.corp(CORP)
        self.clock = FakeClock(CT + 1)
        self.missed: list[tuple[str, str]] = []
        self.sender = WelcomeSender(
            self.repo,
            self.stats,
            self.gateways,
            on_missed=lambda corp_id, reason: self.missed.append((corp_id, reason)),
            clock=self.clock,
            sleep=self.clock.sleep,
        )

    def sends(self) -> list[tuple[Any, ...]]:
        return self.wecom.calls_to("send_welcome")


@pytest.fixture
def w() -> World:
    world = World()
    store_code(world.repo, state="s1", welcome={"text": "欢迎"})
    return world


def test_sent(w):
    assert w.sender.handle(message()) == "sent"
    assert w.sends() == [("WC1", {"text": {"content": "欢迎"}})]
    assert w.repo.calls_to("cached") == [(CORP, "c#s1")]
    assert w.gateways.asked == [CORP]
    # after WeCom took it, the code is marked welcomed (a late copy of the event is then no miss)
    assert w.stats.calls == [("record_welcomed", ((CORP, EXT, "WC1"),))]
    assert (w.missed, w.clock.sleeps) == ([], [])


def test_a_batch_marks_its_welcomes_with_one_write_after_the_sends(w):
    batch: list[tuple[str, str, str]] = []
    assert w.sender.handle(message(code="WC1"), batch) == "sent"
    assert w.sender.handle(message(code="WC2"), batch) == "sent"
    assert w.stats.calls_to("record_welcomed") == []  # nothing written while the batch sends
    w.sender.mark_welcomed(batch)
    assert w.stats.calls_to("record_welcomed") == [((CORP, EXT, "WC1"), (CORP, EXT, "WC2"))]


def test_already_sent_is_success(w):
    w.wecom.fail("send_welcome", err(41051, "externaluser has started chatting"))
    assert w.sender.handle(message()) == "already_sent"
    assert len(w.sends()) == 1
    assert w.stats.calls == [("record_welcomed", ((CORP, EXT, "WC1"),))]
    assert (w.missed, w.clock.sleeps) == ([], [])


def test_a_copy_of_a_welcomed_event_within_the_20_s_gets_41051_and_after_them_is_no_miss(w):
    """The route keeps no de-dup record: a copy of the event (WeCom's retry, SQS's redelivery, a redriven
    parked event) reaches the welcome consumer. WeCom refuses a second welcome (41051); past the deadline
    the marker says it was sent."""
    assert w.sender.handle(message()) == "sent"
    w.wecom.fail("send_welcome", err(41051, "welcome code used"))
    assert w.sender.handle(message()) == "already_sent"
    w.clock.now = CT + 30
    assert w.sender.handle(message()) == "duplicate"
    assert len(w.sends()) == 2  # the late copy called nobody
    assert w.stats.calls_to("record_missed_welcome") == [] and w.missed == []


def test_a_late_copy_of_a_welcome_never_sent_is_still_a_miss(w):
    w.clock.now = CT + 30
    assert w.sender.handle(message()) == "missed"
    assert w.stats.calls_to("welcomed") == [(CORP, EXT, "WC1")]
    assert w.missed == [(CORP, "expired")]


def test_a_marker_that_cannot_be_written_does_not_fail_the_welcome(w):
    def boom(*_: Any) -> None:
        raise RuntimeError("dynamodb down")

    w.stats.record_welcomed = boom  # type: ignore[method-assign]
    assert w.sender.handle(message()) == "sent"


def test_another_app_sending_is_retried(w):
    w.wecom.fail("send_welcome", err(41096), err(41096))
    assert w.sender.handle(message()) == "sent"
    assert w.sends() == [("WC1", {"text": {"content": "欢迎"}})] * 3
    assert w.clock.sleeps == [0.3, 0.3]
    assert (w.stats.calls_to("record_missed_welcome"), w.missed) == ([], [])


def test_every_retriable_code_is_retried(w):
    w.wecom.fail("send_welcome", err(-1), err(None, "timeout"), err(45009), err(45033))
    assert w.sender.handle(message()) == "sent"
    assert len(w.sends()) == 5


def test_expired_code_is_missed_and_counted_once(w):
    w.wecom.fail("send_welcome", err(41050, "invalid welcome_code"), err(41050, "invalid welcome_code"))
    assert w.sender.handle(message()) == "missed"
    assert len(w.sends()) == 1
    assert w.clock.sleeps == []
    assert w.stats.calls_to("record_missed_welcome") == [(CORP, "s1", EXT, "u1", "2024-01-01", "WC1")]
    assert w.stats.missed == {(CORP, "s1", "2024-01-01", "u1"): 1}
    assert w.missed == [(CORP, "expired")]

    # the same message delivered again: tried again, missed again, but neither counted nor alerted twice
    assert w.sender.handle(message()) == "missed"
    assert len(w.sends()) == 2
    assert len(w.stats.calls_to("record_missed_welcome")) == 2
    assert w.stats.missed == {(CORP, "s1", "2024-01-01", "u1"): 1}
    assert w.missed == [(CORP, "expired")]


def test_a_deadline_passed_before_the_first_try_is_missed_without_a_send(w):
    w.clock.now = CT + 19.5  # 20 s minus the 0.5 s margin
    assert w.sender.handle(message()) == "missed"
    assert w.sends() == []
    assert w.stats.calls_to("record_missed_welcome") == [(CORP, "s1", EXT, "u1", "2024-01-01", "WC1")]
    assert w.missed == [(CORP, "expired")]


def test_just_before_the_deadline_it_still_tries(w):
    w.clock.now = CT + 19.4
    assert w.sender.handle(message()) == "sent"
    assert len(w.sends()) == 1


def test_retriable_errors_until_the_deadline_are_missed(w):
    w.wecom.fail("send_welcome", *[err(41096)] * 1000)
    assert w.sender.handle(message()) == "missed"
    # tries at CT+1, +1.3, ... +19.3 (62 tries), then sleeps only up to the deadline
    assert len(w.sends()) == 62
    assert w.clock.now - CT == pytest.approx(19.5, abs=1e-4)
    assert all(s <= 0.3 for s in w.clock.sleeps)
    assert w.clock.sleeps[-1] == pytest.approx(0.2, abs=1e-4)
    assert w.missed == [(CORP, "wecom_41096")]
    assert w.stats.missed == {(CORP, "s1", "2024-01-01", "u1"): 1}


@pytest.mark.parametrize("code", [40058, 44004, 99999])
def test_a_non_retriable_error_is_missed_after_one_call(w, code):
    """Whatever the code (44004 empty content, one we never met): missed once, with WeCom's code."""
    w.wecom.fail("send_welcome", err(code, "refused"))
    assert w.sender.handle(message()) == "missed"
    assert len(w.sends()) == 1
    assert w.clock.sleeps == []
    assert w.missed == [(CORP, f"wecom_{code}")]
    assert w.stats.missed == {(CORP, "s1", "2024-01-01", "u1"): 1}


def test_a_miss_counts_on_the_china_day_and_the_marker_is_the_code_cut_to_64(w):
    ct = int(datetime(2024, 1, 1, 20, 0, tzinfo=UTC).timestamp())  # 2024-01-02 04:00 China time
    w.clock.now = ct + 30
    long_code = "W" * 100
    assert w.sender.handle(message(create_time=ct, code=long_code)) == "missed"
    assert w.stats.calls_to("record_missed_welcome") == [(CORP, "s1", EXT, "u1", "2024-01-02", "W" * 64)]


def test_an_unknown_state_gets_the_corp_default_welcome(w):
    w.repo.put(CORP, DEFAULT_WELCOME, {"welcome": {"text": "默认欢迎", "attachments": []}, "status": "active"})
    assert DEFAULT_WELCOME == "default#welcome"
    assert w.sender.handle(message(state="nope")) == "sent"
    assert w.sends() == [("WC1", {"text": {"content": "默认欢迎"}})]
    assert w.repo.calls_to("cached") == [(CORP, "c#nope"), (CORP, "default#welcome")]


def test_a_fission_state_gets_the_corp_default_welcome_without_a_code_read(w):
    """A fission inviter's state (fi:<campaign>:<inviter>) is never a channel code: with 10,000 inviters each
    state was one more table read (a miss) in the welcome process (issue 21)."""
    w.repo.put(CORP, DEFAULT_WELCOME, {"welcome": {"text": "默认欢迎", "attachments": []}, "status": "active"})
    assert w.sender.handle(message(state="fi:ab12cd34:k000000001")) == "sent"
    assert w.sends() == [("WC1", {"text": {"content": "默认欢迎"}})]
    assert w.repo.calls_to("cached") == [(CORP, "default#welcome")]


def test_no_state_gets_the_corp_default_welcome_and_a_miss_counts_under_none(w):
    w.repo.put(CORP, DEFAULT_WELCOME, {"welcome": {"text": "默认欢迎", "attachments": []}, "status": "active"})
    w.wecom.fail("send_welcome", err(41050))
    assert w.sender.handle(message(state="")) == "missed"
    assert w.repo.calls_to("cached") == [(CORP, "default#welcome")]
    assert w.stats.calls_to("record_missed_welcome") == [(CORP, "_none", EXT, "u1", "2024-01-01", "WC1")]


def test_an_unknown_state_without_a_default_is_no_welcome(w):
    assert w.sender.handle(message(state="nope")) == "no_welcome"
    assert w.gateways.asked == []
    w.repo.put(CORP, DEFAULT_WELCOME, {"welcome": None, "status": "active"})
    assert w.sender.handle(message(state="nope")) == "no_welcome"
    assert w.gateways.asked == []


def test_a_known_code_without_a_welcome_is_no_welcome_even_with_a_default(w):
    store_code(w.repo, state="quiet")
    w.repo.put(CORP, DEFAULT_WELCOME, {"welcome": {"text": "默认", "attachments": []}, "status": "active"})
    assert w.sender.handle(message(state="quiet")) == "no_welcome"
    assert (w.gateways.asked, w.stats.calls) == ([], [])


def test_a_deleted_code_sends_nothing(w):
    store_code(w.repo, status="deleted", state="gone", welcome={"text": "hi"})
    assert w.sender.handle(message(state="gone")) == "no_welcome"
    assert w.sends() == []


def test_the_slot_welcome_of_the_create_time(w):
    store_code(
        w.repo,
        state="slotted",
        welcome={"text": "code"},
        schedule=[{"days": [1], "start": "09:00", "end": "12:00", "staff": ["u1"], "welcome": {"text": "早"}}],
    )
    ct = int(datetime(2024, 1, 1, 3, 59, 50, tzinfo=UTC).timestamp())  # 11:59:50 China time, in the slot
    w.clock.now = ct + 15  # 12:00:05 now: the create time decides, not the clock
    assert w.sender.handle(message(state="slotted", create_time=ct)) == "sent"
    ct2 = int(datetime(2024, 1, 1, 4, 0, tzinfo=UTC).timestamp())  # 12:00 China time, after the slot
    w.clock.now = ct2 + 1
    assert w.sender.handle(message(state="slotted", create_time=ct2)) == "sent"
    assert [p["text"]["content"] for _, p in w.sends()] == ["早", "code"]


def test_without_create_time_the_clock_starts_the_20_seconds(w):
    assert w.sender.handle(message(create_time=None)) == "sent"
    assert len(w.sends()) == 1


def test_the_name_placeholder_looks_up_the_customer(w):
    store_code(w.repo, state="named", welcome={"text": "你好{name}，欢迎"})
    w.wecom.customers[EXT] = CustomerProfile(EXT, name="张三")
    assert w.sender.handle(message(state="named")) == "sent"
    assert w.wecom.calls_to("get_customer") == [(EXT,)]
    assert w.sends() == [("WC1", {"text": {"content": "你好张三，欢迎"}})]


def test_a_failed_customer_lookup_still_sends_with_an_empty_name(w):
    store_code(w.repo, state="named", welcome={"text": "你好{name}，欢迎"})
    w.wecom.customers[EXT] = CustomerProfile(EXT, name="张三")
    w.wecom.fail("get_customer", err(-1, "system busy"))
    assert w.sender.handle(message(state="named")) == "sent"
    assert w.wecom.calls_to("get_customer") == [(EXT,)]
    assert w.sends() == [("WC1", {"text": {"content": "你好，欢迎"}})]


def test_an_unknown_customer_sends_with_an_empty_name(w):
    store_code(w.repo, state="named", welcome={"text": "你好{name}，欢迎"})
    assert w.sender.handle(message(state="named")) == "sent"
    assert w.sends() == [("WC1", {"text": {"content": "你好，欢迎"}})]


def test_no_name_lookup_without_the_placeholder_or_close_to_the_deadline(w):
    assert w.sender.handle(message()) == "sent"
    store_code(w.repo, state="named", welcome={"text": "你好{name}"})
    w.clock.now = CT + 17.5  # the deadline (CT + 19.5) is 2 s away: no time for a lookup
    assert w.sender.handle(message(state="named")) == "sent"
    assert w.wecom.calls_to("get_customer") == []
    assert w.sends()[-1] == ("WC1", {"text": {"content": "你好"}})


@pytest.mark.parametrize("drop", ["WelcomeCode", "ExternalUserID"])
def test_without_a_welcome_code_or_customer_there_is_nothing_to_do(w, drop):
    msg = message()
    del msg["fields"][drop]
    assert w.sender.handle(msg) == "no_code"
    assert msg["fields"].get(drop) is None
    assert (w.repo.calls, w.gateways.asked, w.stats.calls) == ([], [], [])
    assert w.sender.handle({"corp_id": CORP, "fields": {"WelcomeCode": "", "ExternalUserID": EXT}}) == "no_code"
    assert w.sender.handle({"corp_id": CORP}) == "no_code"
