"""Mass sends on the queue, over fakes: create queues the plan, the plan fans out one step per part,
redelivered steps create nothing twice, a throttled or busy step re-sends itself delayed, and the
scheduled collector gives open sends a results step (41063 waits for a later run) and closes finished ones."""

from __future__ import annotations

from scrm.kernel.bus import Done, Resend, RetryAt, Skipped
from scrm.kernel.throttle import Throttled
from scrm.kernel.wecom_error import WeComError
from scrm.mass_sends.commands import CreatePart
from scrm.mass_sends.ledger import QuotaLedger
from scrm.mass_sends.runner import RETRY_DELAY_S, MassSendRunner
from scrm.mass_sends.service import MassSends

from tests.unit.mass_send_fakes import (
    CORP,
    START,
    FakeGroupMsg,
    FakeMassSendRepo,
    FakeRecipients,
    relation,
    send_of,
)
from tests.unit.transfer_fakes import FakeQueue

ROWS = [relation(f"a{i}", "alice") for i in range(5)] + [relation(f"b{i}", "bob") for i in range(3)]
BODY = {"name": "sale", "text": "双十一", "recipients": {"filter": {}}}


class Clock:
    def __init__(self) -> None:
        self.t = float(START)

    def __call__(self) -> float:
        return self.t


def world() -> tuple[MassSendRunner, FakeMassSendRepo, FakeGroupMsg, FakeQueue, Clock]:
    clock = Clock()
    repo = FakeMassSendRepo()
    gw = FakeGroupMsg(clock, friends={(r["userid"], r["external_userid"]) for r in ROWS})
    svc = MassSends(repo, QuotaLedger(repo, buckets=16), FakeRecipients(ROWS), lambda corp: gw, clock)
    queue = FakeQueue()
    return MassSendRunner(svc, queue, clock), repo, gw, queue, clock


def drain(runner: MassSendRunner, queue: FakeQueue) -> list[str]:
    """Run every queued step (delayed ones too), in order; what each answered."""
    out, bus = [], runner.bus()
    while queue.sent:
        message, _ = queue.sent.pop(0)
        out.append(str(bus.handle(message)))
    return out


def test_create_plans_on_the_queue_and_each_part_is_created_once() -> None:
    runner, repo, gw, queue, _ = world()
    send, created = runner.start(CORP, *send_of(BODY))
    assert created and [m["step"] for m, _ in queue.sent] == ["plan"]
    again, created = runner.start(CORP, *send_of(BODY))  # a repeat while "new" re-queues the plan: harmless
    assert not created and again["send_id"] == send["send_id"]
    plan = queue.sent[0][0]
    results = drain(runner, queue)
    assert results[:2] == ["planned:2", "planned:2"]
    assert sorted(results[2:]) == [
        "created",
        "created",
        "created",
        "created",
    ]  # the second pair: "created" state
    assert gw.calls["add_msg_template"] == 2  # four part messages, two tasks
    assert runner.bus().handle(plan) == Done("planned:0")  # a redelivered plan fans out nothing new
    assert repo.open_sends(CORP) == [send["send_id"]]
    assert runner.list(CORP, 10)[0]["state"] == "planned"


def test_a_throttled_part_re_sends_itself_delayed_and_a_busy_wecom_retries() -> None:
    runner, _, gw, queue, _ = world()
    runner.start(CORP, *send_of(BODY))
    bus = runner.bus()
    bus.handle(queue.sent.pop(0)[0])  # plan
    parts = [m for m, _ in queue.sent]
    queue.sent.clear()
    gw.fail_next = [Throttled("externalcontact/add_msg_template", 42.0)]
    assert bus.handle(parts[0]) == RetryAt(43, "throttled")
    assert queue.sent == [(parts[0], 43)]
    gw.fail_next = [WeComError(-1, "busy", "externalcontact/add_msg_template")]
    again = CreatePart(CORP, parts[1]["send_id"], parts[1]["sender"], parts[1]["number"], attempt=1)
    assert bus.handle(parts[1]) == Resend(again, RETRY_DELAY_S, "retry:-1")
    assert queue.sent[1] == ({**parts[1], "attempt": 1}, RETRY_DELAY_S)
    assert sorted(drain(runner, queue)) == ["created", "created"]


def test_collect_gives_results_steps_until_final_then_closes() -> None:
    runner, repo, gw, queue, _ = world()
    send, _ = runner.start(CORP, *send_of(BODY))
    sid = send["send_id"]
    drain(runner, queue)
    gw.dispatching = True
    assert runner.collect(CORP) == {"plan": 0, "part": 0, "results": 1, "closed": 0}
    assert drain(runner, queue) == ["dispatching:2"]  # 41063: nothing read, the next run asks again
    gw.dispatching = False
    for m in list(gw.msgs.values()):
        m.recipients = {e: 1 for e in m.recipients}
        gw.confirm(m.msgid)
    assert runner.collect(CORP)["results"] == 1
    assert drain(runner, queue) == ["read:2,final:2"]
    assert repo.open_sends(CORP) == []  # closed by the results step
    assert set(runner.sends.outcome_of(CORP, sid).values()) == {"sent"}
    assert runner.collect(CORP) == {"plan": 0, "part": 0, "results": 0, "closed": 0}


def test_collect_replans_a_lost_plan_and_re_queues_parts_whose_worker_died() -> None:
    runner, repo, gw, queue, clock = world()
    send, _ = runner.start(CORP, *send_of(BODY))
    queue.sent.clear()  # the plan message is lost
    assert runner.collect(CORP)["plan"] == 0  # not yet: it may still be on its way
    clock.t += 600
    assert runner.collect(CORP)["plan"] == 1
    runner.bus().handle(queue.sent.pop(0)[0])
    queue.sent.clear()  # the part messages are lost too
    assert runner.collect(CORP)["part"] == 2
    assert sorted(drain(runner, queue)) == ["created", "created"]
    assert gw.calls["add_msg_template"] == 2
    assert repo.open_sends(CORP) == [send["send_id"]]


def test_a_cancelled_send_closes_after_its_results() -> None:
    runner, repo, gw, queue, _ = world()
    send, _ = runner.start(CORP, *send_of(BODY))
    drain(runner, queue)
    runner.sends.cancel(CORP, send["send_id"])
    assert runner.collect(CORP)["results"] == 1
    drain(runner, queue)
    assert repo.open_sends(CORP) == []


def test_unknown_send_and_step() -> None:
    runner, _, _, _, _ = world()
    assert runner.bus().handle({"corp_id": CORP, "send_id": "nope", "step": "plan"}) == Skipped("no-send")
    send, _ = runner.start(CORP, *send_of(BODY))
    try:
        runner.bus().handle({"corp_id": CORP, "send_id": send["send_id"], "step": "what"})
    except ValueError as exc:
        assert "what" in str(exc)
    else:
        raise AssertionError("an unknown step must fail (to the DLQ)")


def test_a_plan_still_resolving_its_pages_queues_the_next_plan_step(monkeypatch) -> None:
    from scrm.mass_sends import planning

    runner, repo, gw, queue, _ = world()
    runner.sends.planning.recipients.page_size = 3  # 8 customers: 3 pages
    monkeypatch.setattr(planning, "RESOLVE_BUDGET_S", -1)
    send, _ = runner.start(CORP, *send_of(BODY))
    results = drain(runner, queue)
    assert results[:3] == ["resolving", "resolving", "planned:2"]
    assert sorted(results[3:]) == ["created", "created"]
    assert len(gw.msgs) == 2
