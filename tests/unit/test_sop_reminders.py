"""SopReminders over the alerts' fakes: one app card per (send, member), paced with the member's other app
messages; a full window answers "full" and sends nothing (the runner retries), a repeat after "sent"
sends nothing, a final refusal is recorded once."""

from __future__ import annotations

from typing import Any

from scrm.alerts.delivery import Delivery
from scrm.alerts.pacing import Caps
from scrm.sops.reminders import KIND, SopReminders

from tests.unit.alert_fakes import FakeAlertRepo, FakeMessages
from tests.unit.live_code_fakes import FakeClock
from tests.unit.sop_fakes import CORP

T0 = 1_795_000_000


def send(send_id: str = "s1", chat_type: str = "", created_at: int = T0 - 60) -> dict[str, Any]:
    spec = {"name": "onboarding · d0", "text": "hi", "recipients": {"planned": {}}}
    if chat_type:
        spec["chat_type"] = chat_type
    return {"send_id": send_id, "state": "planned", "created_at": created_at, "spec": spec,
            "source": {"kind": "sop", "sop_id": "A", "step_id": "d0", "minute": "2026-11-23T10:05", "name": "onboarding"}}  # fmt: skip


class World:
    def __init__(self, caps: Caps | None = None) -> None:
        self.repo = FakeAlertRepo()
        self.wecom = FakeMessages()
        self.clock = FakeClock(T0)
        self.reminders = SopReminders(self.repo, Delivery(self.wecom, lambda corp: "1000002"), caps or Caps(25, 900),
                                      self.clock)  # fmt: skip


def test_one_card_per_send_and_member_saying_what_to_send() -> None:
    w = World()
    assert w.reminders.notify(CORP, send(), "alice", 3, "onboarding") == "sent"
    assert w.reminders.notify(CORP, send(), "bob", 1, "onboarding") == "sent"
    [card] = w.wecom.to("alice")
    assert card["title"] == "SOP 任务：onboarding"
    assert (
        "3 位客户" in card["description"]
        and "步骤 d0" in card["description"]
        and "2026-11-23 10:05" in card["description"]
    )
    assert "send=s1" in card["url"] and "member=alice" in card["url"] and "sop=A" in card["url"]
    assert w.repo.states(CORP, "alice") == ["sent"] and len(w.wecom.sent) == 2
    [record] = [v for (pk, _), v in w.repo.items.items() if pk == f"{CORP}#alice"]
    assert (
        record["kind"] == KIND
        and record["summary"]["send_id"] == "s1"
        and record["summary"]["recipients"] == 3
    )


def test_a_group_steps_card_counts_groups() -> None:
    w = World()
    w.reminders.notify(CORP, send(chat_type="group"), "alice", 4, "groups")
    assert "4 个客户群" in w.wecom.to("alice")[0]["description"]


def test_a_repeat_after_sent_sends_nothing() -> None:
    w = World()
    assert w.reminders.notify(CORP, send(), "alice", 3, "onboarding") == "sent"
    w.clock.now += 120
    assert w.reminders.notify(CORP, send(), "alice", 5, "onboarding") == "sent"
    assert len(w.wecom.sent) == 1 and w.repo.pace(CORP, "alice").sent_last_hour(w.clock()) == 1


def test_another_send_is_another_card() -> None:
    w = World()
    w.reminders.notify(CORP, send("s1"), "alice", 3, "onboarding")
    w.reminders.notify(CORP, send("s2"), "alice", 2, "onboarding")
    assert len(w.wecom.to("alice")) == 2


def test_a_full_window_answers_full_sends_nothing_and_a_later_retry_sends_once() -> None:
    w = World(Caps(per_minute=1, per_hour=900))
    assert w.reminders.notify(CORP, send("s1"), "alice", 3, "a") == "sent"
    assert w.reminders.notify(CORP, send("s2"), "alice", 2, "b") == "full"
    assert w.reminders.notify(CORP, send("s2"), "alice", 2, "b") == "full"
    assert len(w.wecom.sent) == 1 and w.repo.states(CORP, "alice") == ["sent", "new"]
    assert w.reminders.notify(CORP, send("s1", created_at=T0 - 60), "bob", 1, "a") == "sent"  # bob's own pace
    w.clock.now += 61
    assert w.reminders.notify(CORP, send("s2"), "alice", 2, "b") == "sent"
    assert w.reminders.notify(CORP, send("s2"), "alice", 2, "b") == "sent"
    assert len(w.wecom.to("alice")) == 2 and w.repo.states(CORP, "alice") == ["sent", "sent"]


def test_a_final_refusal_is_recorded_once_and_not_retried() -> None:
    w = World()
    w.wecom.fail = [81013]  # the member is outside the app's scope
    assert w.reminders.notify(CORP, send(), "alice", 3, "onboarding") == "failed"
    assert w.reminders.notify(CORP, send(), "alice", 3, "onboarding") == "failed"
    assert w.wecom.sent == [] and w.repo.states(CORP, "alice") == ["failed"]


def test_an_unlicensed_member_is_recorded_as_not_reminded() -> None:
    """message/send answers 0 but lists the member in unlicenseduser (90236): not delivered, not "sent"."""
    w = World()
    w.wecom.unlicensed = {"alice"}
    assert w.reminders.notify(CORP, send(), "alice", 3, "onboarding") == "failed"
    assert w.wecom.sent == [] and w.repo.states(CORP, "alice") == ["failed"]
    [record] = [v for (pk, _), v in w.repo.items.items() if pk == f"{CORP}#alice"]
    assert "unlicenseduser" in record["reason"]


def test_a_crash_between_send_and_mark_resends_the_same_card() -> None:
    w = World()
    w.reminders.notify(CORP, send(), "alice", 3, "onboarding")
    key = next(k for k in w.repo.items if k[0] == f"{CORP}#alice")
    w.repo.items[key]["state"] = "sending"  # as if the "sent" mark never landed
    w.clock.now += 30
    # Within the claim's lease the first caller may still be sending: come back later.
    assert w.reminders.notify(CORP, send(), "alice", 9, "onboarding") == "busy"
    assert len(w.wecom.sent) == 1
    w.clock.now += 31
    assert w.reminders.notify(CORP, send(), "alice", 9, "onboarding") == "sent"
    assert w.wecom.sent[0][3] == w.wecom.sent[1][3]  # identical: WeCom's duplicate check drops it
    assert w.repo.pace(CORP, "alice").sent_last_hour(w.clock()) == 1  # no second slot taken


def test_two_callers_at_once_send_one_card() -> None:
    # A {name} step's parts each queue a notify: two workers can reach the same "sending" record together.
    w = World()
    assert w.reminders.notify(CORP, send(), "alice", 3, "onboarding") == "sent"
    key = next(k for k in w.repo.items if k[0] == f"{CORP}#alice")
    w.repo.items[key]["state"] = "sending"  # replay the moment both workers found it "sending"
    w.repo.items[key].pop("claim")
    assert w.repo.claim(CORP, "alice", key[1], w.clock(), 60)  # the other worker claimed it first
    assert w.reminders.notify(CORP, send(), "alice", 3, "onboarding") == "busy"
    assert len(w.wecom.sent) == 1
