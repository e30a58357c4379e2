"""Handover of customers and groups (离职继承 / 在职继承): the rules WeCom sets and the states we keep.

A transfer job moves a handover member's customers and groups to one or several takers. Its customers are
held in chunks of at most 100 (one WeCom call each, one taker each); a chunk is one record whose entries
carry each customer's state, so one conditional write moves many customers at once and progress is a sum
over a job's chunks. Everything here is pure: a service reads a chunk, calls the method that makes
the transition (begin a call, record WeCom's answer, fail it, cancel, …), which answers a typed outcome,
and writes it back under the chunk's version (transfers/fence.py). Nothing outside this module changes
an entry.

Customer states: requested → waiting (WeCom's 24 h acceptance window) → done / refused / taker_limit /
failed; requested → cancelled; refused or taker_limit → reassigned (moved to another taker's chunk, by
the corp's policy). Groups are handed over by one call: requested → done / failed, or queued → requested
later: queued for the new owner's 300-groups-a-day allowance we count ourselves (reason
``new_owner_daily_limit``, until the allowance frees up), or deferred because WeCom refused the chat with
a code that names no final reason (the counting rules WeCom's pages give no code for, a busy answer, a code
we never met): recorded with WeCom's code and asked again after GROUP_RETRY_S, failed after that many.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrm.kernel import wecom_errors as errcodes
from scrm.transfers.reasons import (
    ALREADY_IN_TRANSFER,
    GROUP_FINAL,
    GROUP_RETRY_S,
    NEW_OWNER_DAILY_LIMIT,
    STARTED,
    TAKER_AT_LIMIT,
    group_reason_of,
    reason_of,
)

RESIGNED, ONJOB = "resigned", "onjob"
KINDS = (RESIGNED, ONJOB)

CHUNK = 100  # customers per transfer_customer call, chats per groupchat/transfer call (WeCom's maximum)
SUCCESS_MSG_MAX = 200  # transfer_success_msg, characters
TAKEOVER_DELAY_S = 24 * 3600  # WeCom completes a started transfer after 24 h unless the customer refuses
POLL_AFTER_S = TAKEOVER_DELAY_S + 300  # first look at the results: just after the window closes
POLL_EVERY_S = 3600  # then hourly, until every waiting customer has an outcome
STALE_AFTER_S = 72 * 3600  # WeCom shows no outcome this long after the start: give up ("no_record")
WINDOW_90_DAYS_S = 90 * 86_400
MAX_PER_90_DAYS = 2  # WeCom: a customer (and a group, on the job) is transferred at most twice in 90 days
GROUPS_PER_OWNER_PER_DAY = 300  # groupchat/transfer: a new owner takes at most 300 groups in 24 h
DAY_S = 86_400
MAX_ATTEMPTS = 8
LEASE_S = 300  # a calling mark older than this belongs to a worker that died
BACKOFF_S = (30, 120, 600, 1800, 3600, 3600 * 3, 3600 * 6, 3600 * 12)

# Customer states
REQUESTED, WAITING, DONE, REFUSED, TAKER_LIMIT, FAILED, CANCELLED, REASSIGNED = (
    "requested", "waiting", "done", "refused", "taker_limit", "failed", "cancelled", "reassigned",
)  # fmt: skip
# Group states (besides requested, done, failed, cancelled)
QUEUED = "queued"
CUSTOMER_STATES = (REQUESTED, WAITING, DONE, REFUSED, TAKER_LIMIT, FAILED, CANCELLED, REASSIGNED)
GROUP_STATES = (REQUESTED, QUEUED, DONE, FAILED, CANCELLED)
OPEN = frozenset({REQUESTED, WAITING, QUEUED})  # a job with any of these is still running
ON_REFUSED = ("leave", "reassign")

# transfer_result statuses
RESULT_STATES = {1: DONE, 2: WAITING, 3: REFUSED, 4: TAKER_LIMIT}


def backoff_s(attempts: int) -> int:
    return BACKOFF_S[min(max(attempts, 1), len(BACKOFF_S)) - 1]


# --- a chunk ----------------------------------------------------------------------------------------
Statuses = Mapping[str, tuple[int, int]]  # transfer_result: {external_userid: (status, takeover_time)}


@dataclass
class Entry:
    state: str = REQUESTED
    reason: str = ""
    at: int = 0  # when the state was last set (our clock), takeover_time for done
    tries: int = 0  # groups: how many times WeCom refused the chat with a code that defers it

    def as_list(self) -> list[Any]:
        return [self.state, self.reason, self.at, self.tries] if self.tries else [self.state, self.reason, self.at]

    @classmethod
    def of(cls, raw: Sequence[Any]) -> Entry:
        return cls(str(raw[0]), str(raw[1] or ""), int(raw[2] or 0), int(raw[3] or 0) if len(raw) > 3 else 0)


# --- typed outcomes of a chunk's transitions ----------------------------------------------------------
@dataclass(frozen=True)
class Begun:
    """A WeCom call for the chunk may start (its mark is set). ``retried``: an earlier call may have reached
    WeCom before its answer was stored, so "already in a transfer" / "already the owner" is most likely ours."""

    retried: bool


@dataclass(frozen=True)
class Started:
    """transfer_customer's answer, recorded: how many customers went to each outcome."""

    waiting: int
    failed: int
    retrying: int  # still requested: the chunk is asked again after its back-off


@dataclass(frozen=True)
class Polled:
    """transfer_result's statuses, recorded: ``moved`` customers left the waiting state, ``done`` of them
    were taken over (their store side is to be recorded)."""

    moved: int
    done: int

    @property
    def changed(self) -> bool:
        return self.moved > 0


@dataclass(frozen=True)
class GroupsAnswered:
    """groupchat/transfer's answer, recorded: chats handed over, deferred (queued again) and failed."""

    done: int
    deferred: int
    failed: int


@dataclass
class Chunk:
    """Up to 100 customers (``kind`` "c") or chats ("g") of one job, for one taker / new owner."""

    job_id: str
    number: int
    kind: str  # "c" customers, "g" groups
    taker: str
    entries: dict[str, Entry] = field(default_factory=dict)
    attempts: int = 0
    calling: int = 0  # since when a WeCom call for it may be under way (its answer not stored yet); 0: none
    started_at: int = 0
    next_at: int = 0  # when this chunk needs attention again (retry, poll, queued groups); 0: never
    version: int = 0

    @classmethod
    def new(cls, job_id: str, number: int, kind: str, taker: str, ids: Iterable[str], now: int) -> Chunk:
        return cls(job_id, number, kind, taker, {i: Entry(REQUESTED, "", now) for i in ids}, next_at=now)

    # reading ------------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries.values():
            out[e.state] = out.get(e.state, 0) + 1
        return out

    def ids_in(self, *states: str) -> list[str]:
        return [k for k, e in self.entries.items() if e.state in states]

    def is_open(self) -> bool:
        return any(e.state in OPEN for e in self.entries.values())

    def call_live(self, now: int) -> bool:
        """A WeCom call for this chunk may be under way right now (a mark younger than LEASE_S)."""
        return bool(self.calling) and now - self.calling < LEASE_S

    def to_reassign(self, policy: str) -> list[str]:
        return self.ids_in(REFUSED, TAKER_LIMIT) if policy == "reassign" else []

    # planning -------------------------------------------------------------------------------------
    def refuse(self, reasons: Mapping[str, str], now: int) -> None:
        """Fail the named entries before any call (the plan step's two-in-90-days rule); due now only if
        anything is left to request."""
        for ident, reason in reasons.items():
            if ident in self.entries:
                self.entries[ident] = Entry(FAILED, reason, now)
        self.next_at = now if self.ids_in(REQUESTED) else 0

    # a WeCom call -------------------------------------------------------------------------------------
    def begin_call(self, now: int) -> Begun | None:
        """Set the calling mark; None while another worker's mark is live."""
        if self.call_live(now):
            return None
        retried = bool(self.calling)
        self.calling = now
        return Begun(retried)

    def end_call(self) -> None:
        """Nothing reached WeCom (the call budget was spent): the mark goes, the entries stay."""
        self.calling = 0

    def record_start(self, answers: Mapping[str, int], now: int, retried: bool) -> Started:
        """transfer_customer's per-customer answers. ``retried``: an earlier call for this chunk may have
        reached WeCom before we stored its answer, so "already in a transfer" is most likely ours."""
        for ext, code in answers.items():
            e = self.entries.get(ext)
            if e is None or e.state != REQUESTED:
                continue
            if code == STARTED or (code in ALREADY_IN_TRANSFER and retried):
                self.entries[ext] = Entry(WAITING, "", now)
            elif code == TAKER_AT_LIMIT:
                self.entries[ext] = Entry(TAKER_LIMIT, reason_of(code), now)
            elif not errcodes.bulk_retries(code):
                self.entries[ext] = Entry(FAILED, reason_of(code), now)
            # a retriable code: stays requested; the chunk is retried with back-off
        self.calling = 0
        if self.ids_in(WAITING) and not self.started_at:
            self.started_at = now
        still = self.ids_in(REQUESTED)
        if still:
            self.attempts += 1
            if self.attempts >= MAX_ATTEMPTS:
                for ext in still:
                    self.entries[ext] = Entry(FAILED, "retries_exhausted", now)
                self.next_at = now + POLL_AFTER_S if self.ids_in(WAITING) else 0
            else:
                self.next_at = now + backoff_s(self.attempts)
        else:
            self.next_at = (self.started_at or now) + POLL_AFTER_S if self.ids_in(WAITING) else 0
        n = self.counts()
        return Started(n.get(WAITING, 0), n.get(FAILED, 0), n.get(REQUESTED, 0))

    def fail_call(self, reason: str, now: int) -> None:
        """A call-level refusal (40097 the handover has not left, 60111 unknown member): every requested
        entry fails with it; no retry would change the answer."""
        for ext in self.ids_in(REQUESTED):
            self.entries[ext] = Entry(FAILED, reason, now)
        self.calling = 0
        self.next_at = self.next_at if self.ids_in(WAITING) else 0

    def back_off(self, now: int) -> None:
        """One more failed attempt for the requested entries (groups): retry later, or after MAX_ATTEMPTS
        give them up, so that a job whose calls always fail still ends. Clears the mark."""
        self.calling = 0
        self.attempts += 1
        if self.attempts < MAX_ATTEMPTS:
            self.next_at = now + backoff_s(self.attempts)
            return
        for ext in self.ids_in(REQUESTED):
            self.entries[ext] = Entry(FAILED, "retries_exhausted", now)
        self.next_at = now + POLL_EVERY_S if self.is_open() else 0

    # WeCom's results ------------------------------------------------------------------------------
    def record_results(self, statuses: Statuses, now: int) -> Polled:
        """transfer_result's statuses for this chunk's waiting customers. Waiting customers WeCom keeps
        silent about for too long fail as no_record."""
        moved = done = 0
        for ext in self.ids_in(WAITING):
            status, takeover_time = statuses.get(ext, (0, 0))
            state = RESULT_STATES.get(status)
            if state in (DONE, REFUSED, TAKER_LIMIT):
                self.entries[ext] = Entry(state, "" if state == DONE else state, takeover_time or now)
                moved, done = moved + 1, done + (state == DONE)
            elif state is None and self.started_at and now - self.started_at > STALE_AFTER_S:
                self.entries[ext] = Entry(FAILED, "no_record", now)
                moved += 1
        retry_at = self.next_at if self.ids_in(REQUESTED) else 0  # a retry in back-off keeps its time
        if self.ids_in(WAITING):
            self.next_at = min(now + POLL_EVERY_S, retry_at) if retry_at else now + POLL_EVERY_S
        else:
            self.next_at = retry_at
        return Polled(moved, done)

    def adopt_started(self, statuses: Statuses, now: int) -> None:
        """Before a cancel stops a chunk whose call died unanswered (a stale ``calling`` mark): the requested
        customers WeCom's transfer_result shows as waiting, or as ended since that call, were started by it
        and are ours; the others were not started. Clears the mark."""
        since = self.calling
        for ext in self.ids_in(REQUESTED):
            status, at = statuses.get(ext, (0, 0))
            state = RESULT_STATES.get(status)
            if state == WAITING:
                self.entries[ext] = Entry(WAITING, "", now)
            elif state is not None and since and at >= since:
                self.entries[ext] = Entry(state, "" if state == DONE else state, at)
        if self.ids_in(WAITING):
            self.started_at = self.started_at or since or now
            self.next_at = self.started_at + POLL_AFTER_S
        self.calling = 0

    def record_fail(self, ext: str, reason: str, now: int) -> str | None:
        """WeCom's transfer_fail callback (customer_refused / customer_limit_exceed) for a waiting customer:
        the state it ends in, or None if it was not waiting (a repeated callback changes nothing)."""
        e = self.entries.get(ext)
        if e is None or e.state not in (WAITING, REQUESTED):
            return None
        state = TAKER_LIMIT if reason == "customer_limit_exceed" else REFUSED
        self.entries[ext] = Entry(state, reason or state, now)
        return state

    # cancelling ---------------------------------------------------------------------------------------
    def cancel(self, now: int) -> int:
        """Cancel what has not reached WeCom yet. A started customer transfer cannot be called back (WeCom
        has no API for it): waiting customers stay waiting. Nothing while a call is marked."""
        if self.calling:
            return 0
        ids = self.ids_in(REQUESTED, QUEUED)
        for i in ids:
            self.entries[i] = Entry(CANCELLED, "cancelled", now)
        if not self.ids_in(WAITING):
            self.next_at = 0
        return len(ids)

    def stop(self, statuses: Statuses | None, now: int) -> int:
        """Cancel a chunk of a cancelled job, unless a call for it is under way (its answer decides). A stale
        mark's call died unanswered: with WeCom's ``statuses``, what it started is adopted first."""
        if self.call_live(now):
            return 0
        if self.calling and statuses is not None:
            self.adopt_started(statuses, now)
        self.calling = 0
        return self.cancel(now)

    # re-assigning -------------------------------------------------------------------------------------
    def mark_reassigned(self, moves: Sequence[tuple[str, str]], now: int) -> None:
        """(customer, where it went) for refused / taker-at-limit customers now held by a later chunk."""
        for ext, to in moves:
            e = self.entries.get(ext)
            if e is not None and e.state in (REFUSED, TAKER_LIMIT):
                self.entries[ext] = Entry(REASSIGNED, f"to:{to}", now)

    # groups ---------------------------------------------------------------------------------------------
    def release_due(self, now: int) -> list[str]:
        """Queued chats whose time has come are requested again (their tries kept); the requested ones."""
        for ident in self.ids_in(QUEUED):
            e = self.entries[ident]
            if queued_due(e, self.next_at) <= now:
                self.entries[ident] = Entry(REQUESTED, "", now, e.tries)
        return self.ids_in(REQUESTED)

    def queue_for_allowance(self, frees: int, now: int) -> None:
        """Requested chats wait for the new owner's allowance, which frees up at ``frees``."""
        for i in self.ids_in(REQUESTED):
            self.entries[i] = Entry(QUEUED, NEW_OWNER_DAILY_LIMIT, now, self.entries[i].tries)
        self.next_at = self.next_group_check(frees)

    def next_group_check(self, frees: int) -> int:
        """The earliest time a queued chat is due (0: none queued)."""
        return min((queued_due(self.entries[i], frees) for i in self.ids_in(QUEUED)), default=0)

    def record_group_answers(self, sent: Sequence[str], failed: Mapping[str, int], now: int) -> GroupsAnswered:
        """groupchat/transfer's answer: the chats sent and not in failed_chat_list are done; a final code fails
        the chat with its reason; any other code (whatever it is: WeCom names none for its counting rules)
        defers it, recorded with WeCom's code, to be asked again after GROUP_RETRY_S — then it fails."""
        done = deferred = 0
        for chat in sent:
            code = failed.get(chat)
            if code is None:
                self.entries[chat] = Entry(DONE, "", now)
                done += 1
            elif code in GROUP_FINAL:
                self.entries[chat] = Entry(FAILED, group_reason_of(code), now)
            else:
                tries = (self.entries[chat].tries if chat in self.entries else 0) + 1
                state = QUEUED if tries <= len(GROUP_RETRY_S) else FAILED
                self.entries[chat] = Entry(state, group_reason_of(code), now, tries)
                deferred += state == QUEUED
        self.calling = 0
        return GroupsAnswered(done, deferred, len(sent) - done - deferred)

    def record_groups(self, sent: Sequence[str], failed: Mapping[str, int], frees: int, now: int) -> GroupsAnswered:
        """The group step's answer: the chats' answers, and the requested chats not sent wait for the
        allowance; the chunk is due when its first queued chat is."""
        answered = self.record_group_answers(sent, failed, now)
        self.queue_for_allowance(frees, now)
        if not self.ids_in(QUEUED):
            if self.ids_in(REQUESTED):
                self.back_off(now)
            else:
                self.next_at = 0
        return answered

    # storage ---------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id, "number": self.number, "kind": self.kind, "taker": self.taker,
            "entries": {k: e.as_list() for k, e in self.entries.items()}, "attempts": self.attempts,
            "calling": self.calling, "started_at": self.started_at, "next_at": self.next_at,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], version: int = 0) -> Chunk:
        return cls(
            str(d["job_id"]), int(d["number"]), str(d["kind"]), str(d["taker"]),
            {k: Entry.of(v) for k, v in (d.get("entries") or {}).items()}, int(d.get("attempts") or 0),
            int(d.get("calling") or 0), int(d.get("started_at") or 0), int(d.get("next_at") or 0), version,
        )  # fmt: skip


def queued_due(e: Entry, allowance_frees: int) -> int:
    """When a queued group is asked for again: when the new owner's allowance frees up if it waits for our
    count, else (WeCom deferred it) its own time after the refusal."""
    if e.reason == NEW_OWNER_DAILY_LIMIT:
        return allowance_frees
    return e.at + GROUP_RETRY_S[min(max(e.tries, 1), len(GROUP_RETRY_S)) - 1]
