"""The message bus: a body reaches its command's handler, an unknown body fails (to the DLQ path), a throttled
step is re-sent once at the window's end, and every command writes and reads exactly today's JSON bodies
(messages in flight across a deploy are understood)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from scrm.kernel.bus import (
    MAX_DELAY_S,
    Command,
    Done,
    MalformedCommand,
    MessageBus,
    Outcome,
    Resend,
    RetryAt,
    Skipped,
    UnknownCommand,
)
from scrm.kernel.throttle import Throttled
from scrm.mass_sends.commands import CreatePart, EnrolSop, PlanSend, ReadResults, RemindMember
from scrm.sync.commands import SyncStep
from scrm.sync.plan import Step
from scrm.transfers.commands import AdvanceTransfer, PlanTransfer, RecordTransfer

from tests.unit.transfer_fakes import FakeQueue

C, S, J = "wwcorp", "ms1", "t1"


def wire(message: dict[str, Any]) -> dict[str, Any]:
    """What a body looks like after SQS (JSON both ways)."""
    return json.loads(json.dumps(message))


# Today's bodies, as the runners, the admin side and the scheduled jobs wrote them before the bus.
TODAY: list[tuple[dict[str, Any], Command]] = [
    ({"corp_id": C, "send_id": S, "step": "plan"}, PlanSend(C, S)),
    ({"corp_id": C, "send_id": S, "step": "results"}, ReadResults(C, S)),
    ({"corp_id": C, "send_id": S, "step": "part", "sender": "alice", "number": 3}, CreatePart(C, S, "alice", 3)),
    (
        {"corp_id": C, "send_id": S, "step": "part", "sender": "alice", "number": 3, "attempt": 2},
        CreatePart(C, S, "alice", 3, attempt=2),
    ),
    ({"corp_id": C, "send_id": S, "step": "notify", "sender": "bob"}, RemindMember(C, S, "bob")),
    (
        {"corp_id": C, "send_id": S, "step": "notify", "sender": "bob", "attempt": 1},
        RemindMember(C, S, "bob", attempt=1),
    ),
    ({"corp_id": C, "sop_id": "sop1", "step": "sop_enrol", "query": 0, "cursor": ""}, EnrolSop(C, "sop1")),
    (
        {"corp_id": C, "sop_id": "sop1", "step": "sop_enrol", "query": 1, "cursor": "abc"},
        EnrolSop(C, "sop1", 1, "abc"),
    ),
    ({"corp_id": C, "job_id": J, "step": "plan"}, PlanTransfer(C, J)),
    ({"corp_id": C, "job_id": J, "step": "plan", "force": True}, PlanTransfer(C, J, force=True)),
    ({"corp_id": C, "job_id": J, "step": "advance"}, AdvanceTransfer(C, J)),
    ({"corp_id": C, "job_id": J, "step": "advance", "force": True}, AdvanceTransfer(C, J, force=True)),
    (
        {"corp_id": C, "job_id": J, "step": "advance", "chunks": [["c", 1], ["g", 2]]},
        AdvanceTransfer(C, J, (("c", 1), ("g", 2))),
    ),
    ({"corp_id": C, "job_id": J, "step": "record", "chunks": [["c", 1]]}, RecordTransfer(C, J, (("c", 1),))),
    (
        {"corp_id": C, "job_id": J, "step": "record", "chunks": [["g", 4]], "only": ["wr1"], "attempt": 3},
        RecordTransfer(C, J, (("g", 4),), ("wr1",), 3),
    ),
    (
        {"corp_id": C, "job_id": J, "kind": "plan", "id": "plan", "userids": [], "cursor": "", "page": 0,
         "chat_ids": []},
        SyncStep(C, J, Step("plan", "plan")),
    ),  # fmt: skip
    (
        {"corp_id": C, "job_id": J, "kind": "customers", "id": "c0.1", "userids": ["u1", "u2"], "cursor": "x",
         "page": 1, "chat_ids": []},
        SyncStep(C, J, Step("customers", "c0.1", userids=("u1", "u2"), cursor="x", page=1)),
    ),  # fmt: skip
    (
        {"corp_id": C, "job_id": J, "kind": "group_details", "id": "g0.0.d0", "userids": [], "cursor": "",
         "page": 0, "chat_ids": ["wr1"]},
        SyncStep(C, J, Step("group_details", "g0.0.d0", chat_ids=("wr1",))),
    ),  # fmt: skip
]


@pytest.mark.parametrize(("body", "command"), TODAY, ids=lambda x: type(x).__name__ if isinstance(x, Command) else "")
def test_every_command_reads_and_writes_todays_body(body: dict[str, Any], command: Command) -> None:
    assert type(command).from_message(wire(body)) == command
    assert wire(command.to_message()) == body


def everything(queue: FakeQueue, seen: list[Command]) -> dict[str, MessageBus]:
    """A bus per queue whose handlers only note what they were given."""

    def note(command: Command) -> Outcome:
        seen.append(command)
        return Done(type(command).__name__)

    sends = (PlanSend, ReadResults, CreatePart, RemindMember, EnrolSop)
    return {
        "sends": MessageBus("mass send", queue, dict.fromkeys(sends, note)),
        "transfers": MessageBus("transfer", queue, dict.fromkeys((PlanTransfer, AdvanceTransfer, RecordTransfer), note)),
        "sync": MessageBus("sync", queue, {SyncStep: note}),
    }


@pytest.mark.parametrize(("body", "command"), TODAY)
def test_each_body_reaches_its_commands_handler(body: dict[str, Any], command: Command) -> None:
    queue, seen = FakeQueue(), []
    buses = everything(queue, seen)
    bus = buses["sync" if "kind" in body else "sends" if "send_id" in body or "sop_id" in body else "transfers"]
    assert bus.handle(wire(body)) == Done(type(command).__name__)
    assert seen == [command] and queue.sent == []


def test_an_unknown_step_fails_with_a_clear_error() -> None:
    bus = everything(FakeQueue(), [])["transfers"]
    with pytest.raises(UnknownCommand, match="unknown transfer step .*'later'"):
        bus.handle({"corp_id": C, "job_id": J, "step": "later"})
    with pytest.raises(ValueError, match="unknown transfer step"):  # what process_batch reports as failed
        bus.handle({"corp_id": C, "job_id": J})
    with pytest.raises(UnknownCommand, match="no sync handler for PlanSend"):
        everything(FakeQueue(), [])["sync"].dispatch(PlanSend(C, S))


def test_a_body_without_a_field_its_command_needs_fails() -> None:
    bus = everything(FakeQueue(), [])["sends"]
    with pytest.raises(MalformedCommand, match="'part' step without 'sender'"):
        bus.handle({"corp_id": C, "send_id": S, "step": "part", "number": 1})
    with pytest.raises(MalformedCommand, match="send_id"):
        bus.handle({"corp_id": C, "step": "plan"})


def test_an_unknown_body_goes_down_the_redelivery_path_to_the_dlq() -> None:
    from scrm.adapters.sqs_batch import process_batch

    bus = everything(FakeQueue(), [])["sends"]
    records = [
        {"messageId": "m1", "body": json.dumps({"corp_id": C, "send_id": S, "step": "what"})},
        {"messageId": "m2", "body": json.dumps({"corp_id": C, "send_id": S, "step": "plan"})},
    ]
    for r in records:
        r.update(receiptHandle="h", attributes={"ApproximateReceiveCount": "1"}, messageAttributes={},
                 md5OfBody="", eventSource="aws:sqs", eventSourceARN="arn:aws:sqs:x:1:q", awsRegion="x")  # fmt: skip
    result = process_batch({"Records": records}, None, bus.handle, required=("corp_id", "step"), id_field="send_id")
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def throttling(after_s: float) -> MessageBus:
    def spent(command: Command) -> Outcome:
        raise Throttled("externalcontact/add_msg_template", after_s)

    return MessageBus("mass send", FakeQueue(), {CreatePart: spent})


@pytest.mark.parametrize(("after_s", "delay"), [(42.0, 43), (42.4, 43), (0.2, 1), (3599.5, MAX_DELAY_S)])
def test_a_throttled_step_is_re_sent_once_just_after_the_window(after_s: float, delay: int) -> None:
    bus = throttling(after_s)
    body = {"corp_id": C, "send_id": S, "step": "part", "sender": "alice", "number": 1, "attempt": 2}
    assert bus.handle(body) == RetryAt(delay, "throttled")
    assert bus.queue.sent == [(body, delay)]  # type: ignore[attr-defined]


def test_a_resend_outcome_queues_its_command_and_a_skip_or_done_queues_nothing() -> None:
    queue = FakeQueue()
    again = CreatePart(C, S, "alice", 1, attempt=1)
    answers: list[Outcome] = [Resend(again, 60, "retry:-1"), Skipped("no-send"), Done("created")]
    bus = MessageBus("mass send", queue, {CreatePart: lambda c: answers.pop(0)})
    body = CreatePart(C, S, "alice", 1).to_message()
    assert [str(bus.handle(body)) for _ in range(3)] == ["retry:-1", "no-send", "created"]
    assert queue.sent == [(again.to_message(), 60)]


def test_two_commands_reading_the_same_tag_are_refused() -> None:
    with pytest.raises(ValueError, match="two commands read step='plan'"):
        MessageBus("mixed", FakeQueue(), {PlanSend: print, PlanTransfer: print})  # type: ignore[dict-item]
