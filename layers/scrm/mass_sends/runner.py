"""Mass sends on the queue: the admin's create starts a "plan" step; the plan fans out one "part" step per
WeCom task to create; the scheduled job gives sends whose tasks are not final a "results" step.

Every step is a repeatable method of MassSends (fenced parts, keyed ledger), so a redelivered or
duplicated message changes nothing. The steps are typed commands (mass_sends/commands.py) on the queue's
message bus (kernel/bus.py), which re-sends a step that finds the shared bulk call budget spent, delayed
until the window turns, and acknowledges it, so throttling never counts toward the DLQ. An "open#" marker per send lets the scheduled job read only sends with work left.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scrm.kernel.bus import Command, Done, Handler, MessageBus, Outcome, Resend, Skipped
from scrm.kernel.bus import send as send_commands
from scrm.mass_sends.commands import CreatePart, PlanSend, ReadResults, RemindMember, SendCommand
from scrm.mass_sends.model import CANCELLED, CREATED, NEW, PLANNED, REQUESTED, Part
from scrm.mass_sends.planning import Resolving
from scrm.mass_sends.ports import MassSendRepo, Notify, Queue
from scrm.mass_sends.service import MassSends
from scrm.mass_sends.spec import MassSendSpec

log = logging.getLogger("scrm.mass_sends")
RETRY_DELAY_S = 60  # WeCom busy (-1, 45009, …) or still dispatching (41063): ask again in a minute
MAX_ATTEMPTS = 10  # then the scheduled job's next pass picks the part up again
REMIND_ATTEMPTS = 60  # a member's reminder waits for a pacing slot for up to an hour
REPLAN_AFTER_S = 600  # a send still "new" this long after creation lost its plan message


def _again(command: CreatePart | RemindMember, attempts: int, detail: str) -> Outcome:
    """The same step in a minute, counted, until ``attempts`` of it have run."""
    if command.attempt + 1 < attempts:
        return Resend(command.again(), RETRY_DELAY_S, detail)
    return Done(detail)


@dataclass(eq=False)
class MassSendRunner:
    sends: MassSends
    queue: Queue
    clock: Callable[[], float] = time.time
    # A planned send (a SOP step) tells each member it handed a task to: (corp, send, member, count).
    notify: Notify | None = None
    repo: MassSendRepo = field(init=False)

    def __post_init__(self) -> None:
        self.repo = self.sends.repo

    def start(self, corp_id: str, spec: MassSendSpec, request_id: str = "") -> tuple[dict[str, Any], bool]:
        """Create (or find the same request's send) and queue its plan. A repeat of a send still "new"
        queues the plan again: the first message may have been lost, and planning twice plans once.
        Answers the send as the API shows it."""
        send, created = self.sends.create(corp_id, spec, request_id)
        if send.state == NEW:
            self.repo.mark_open(corp_id, send.send_id)
            send_commands(self.queue, [PlanSend(corp_id, send.send_id)])
        return send.to_item(), created

    def queue_plan(self, corp_id: str, send_id: str) -> None:
        """A planner's send (created with its recipients' source): open it and queue its plan."""
        self.repo.mark_open(corp_id, send_id)
        send_commands(self.queue, [PlanSend(corp_id, send_id)])

    def list(self, corp_id: str, limit: int) -> list[dict[str, Any]]:
        """The corp's sends, newest first, without their specs' recipient lists (up to 100,000 ids)."""
        sends = sorted(self.repo.list_sends(corp_id, limit), key=lambda s: -int(s.created_at or 0))
        return [s.listed() for s in sends]

    # the consumer ------------------------------------------------------------------------------
    def handlers(self) -> dict[type[Command], Handler]:
        """The queue's steps and what runs each; a step of a send that is gone does nothing."""
        return {
            PlanSend: self._of_a_send(self.plan),
            CreatePart: self._of_a_send(self.part),
            ReadResults: self._of_a_send(self.results),
            RemindMember: self._of_a_send(self.remind_member),
        }

    def bus(self, more: Mapping[type[Command], Handler] | None = None) -> MessageBus:
        """The mass-send queue's bus (``more``: the other steps sharing the queue, SOP enrolment)."""
        return MessageBus("mass send", self.queue, {**self.handlers(), **(more or {})})

    def _of_a_send(self, handler: Callable[[Any], Outcome]) -> Handler:
        def run(command: SendCommand) -> Outcome:
            if self.repo.get_send(command.corp_id, command.send_id) is None:
                return Skipped("no-send")
            return handler(command)

        return run

    def plan(self, command: PlanSend) -> Outcome:
        corp_id, send_id = command.corp_id, command.send_id
        send = self.sends.plan(corp_id, send_id)
        if isinstance(send, Resolving):  # a large filter: its pages go on in the next step, from where this one stopped
            return Resend(command, 0, "resolving")
        todo = self._requested(corp_id, send_id, stale_only=False)
        send_commands(self.queue, [CreatePart(corp_id, send_id, s, n) for s, n in todo])
        if send.state != NEW and not todo:
            self._close_if_done(corp_id, send_id)
        return Done(f"planned:{len(todo)}")

    def part(self, command: CreatePart) -> Outcome:
        corp_id, send_id = command.corp_id, command.send_id
        result = self.sends.run_part(corp_id, send_id, command.sender, command.number)
        if result.again:
            return _again(command, MAX_ATTEMPTS, str(result))
        if result.task_made and self.notify is not None:
            send = self.repo.get_send(corp_id, send_id)
            if send is not None and send.source:
                send_commands(self.queue, [RemindMember(corp_id, send_id, command.sender)])
        return Done(str(result))

    def remind_member(self, command: RemindMember) -> Outcome:
        """The member's app message for a planned send's tasks; a full pacing window tries again in a
        minute (for up to an hour), so a burst of due steps reaches every member, never over WeCom's cap."""
        assert self.notify is not None
        corp_id, send_id, member = command.corp_id, command.send_id, command.sender
        found = self.repo.get_send(corp_id, send_id)
        if found is None:
            return Skipped("no-send")
        send = found
        # Every part the plan gave the member (the plan wrote them all before any was called), so the count
        # is the member's whole share even when this notify runs before their other parts are created.
        parts = [p for p in self.repo.parts(corp_id, send_id) if p.sender == member and p.state in (CREATED, REQUESTED)]
        count = sum(p.recipients for p in parts)
        name = str((send.source or {}).get("name") or send.spec.get("name") or "")
        result = self.notify(corp_id, send.to_item(), member, count, name)
        if result in ("full", "busy"):
            return _again(command, REMIND_ATTEMPTS, f"notify:{result}")
        return Done(f"notify:{result}")

    def results(self, command: ReadResults) -> Outcome:
        summary = self.sends.results(command.corp_id, command.send_id)
        self._close_if_done(command.corp_id, command.send_id)
        return Done(",".join(f"{k}:{v}" for k, v in summary.items() if v) or "nothing")

    # the scheduled job -------------------------------------------------------------------------
    def collect(self, corp_id: str) -> dict[str, int]:
        """Each open send gets what it lacks: a lost plan again, its requested parts (not under a live
        call), and one results step while a created task is not final. Sends with nothing left close."""
        counts = {"plan": 0, "part": 0, "results": 0, "closed": 0}
        now = int(self.clock())
        for send_id in self.repo.open_sends(corp_id):
            found = self.repo.get_send(corp_id, send_id)
            if found is None:
                self.repo.close(corp_id, send_id)
                counts["closed"] += 1
                continue
            if found.state == NEW:
                if now - int(found.created_at or 0) >= REPLAN_AFTER_S:
                    send_commands(self.queue, [PlanSend(corp_id, send_id)])
                    counts["plan"] += 1
                continue
            parts = self.repo.parts(corp_id, send_id)
            todo = self._requested(corp_id, send_id, stale_only=True, parts=parts)
            send_commands(self.queue, [CreatePart(corp_id, send_id, s, n) for s, n in todo])
            counts["part"] += len(todo)
            if any(p.awaiting_results for p in parts):
                send_commands(self.queue, [ReadResults(corp_id, send_id)])
                counts["results"] += 1
            elif not any(p.requested for p in parts):
                self.repo.close(corp_id, send_id)
                counts["closed"] += 1
        return counts

    def _requested(
        self, corp_id: str, send_id: str, stale_only: bool, parts: list[Part] | None = None
    ) -> list[tuple[str, int]]:
        """Parts to call: every requested one, or (``stale_only``) those not under a live call."""
        now = int(self.clock())
        rows = parts if parts is not None else self.repo.parts(corp_id, send_id)
        return [(p.sender, p.number) for p in rows if p.requested and not (stale_only and p.call_live(now))]

    def _close_if_done(self, corp_id: str, send_id: str) -> None:
        found = self.repo.get_send(corp_id, send_id)
        if found is None or found.state not in (PLANNED, CANCELLED):
            return
        parts = self.repo.parts(corp_id, send_id)
        if not any(p.requested or p.awaiting_results for p in parts):
            self.repo.close(corp_id, send_id)
            log.info("mass send closed", extra={"send_id": send_id, "parts": len(parts)})
