"""Mass sends as aggregates: a ``MassSend`` (what to send, its state, its plan's counts) and its ``Part``s
(one WeCom task each). Their methods are the only state transitions (begin a call, record WeCom's task,
fail with WeCom's code, cancel, read results), so the service and the runner say what happens in the
domain's words instead of mutating dicts; the repository turns them to and from today's item dicts.

Also the one planner (``plan``): which member sends to whom, who the quota admits, how recipients are cut
into the fewest tasks WeCom's per-call limits allow. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Self

from scrm.mass_sends.spec import PER_TASK, MassSendSpec, spec_from_dict

LEASE_S = 300  # a calling mark older than this belongs to a worker that died
NEW, PLANNED = "new", "planned"
OPEN_STATES = (NEW, PLANNED)
REQUESTED, CREATED, FAILED, CANCELLED = "requested", "created", "failed", "cancelled"
TASK_SENT = 2  # get_groupmsg_task's status once the member sent

OVER_QUOTA = "over_quota"
NO_ACTIVE_RELATION = "no_active_relation"
SKIP_REASONS = (OVER_QUOTA, NO_ACTIVE_RELATION)

# Per-customer outcomes, from get_groupmsg_send_result's status (0 not sent, 1 sent, 2 not a friend,
# 3 over WeCom's quota). "pending" until the member's task is sent (or the send cancelled).
PENDING, NOT_SENT, SENT, NOT_A_FRIEND, WECOM_OVER_QUOTA = "-", "0", "1", "2", "3"
OUTCOME_NAMES = {PENDING: "pending", NOT_SENT: "not_sent", SENT: "sent", NOT_A_FRIEND: "not_a_friend",
                 WECOM_OVER_QUOTA: "over_quota"}  # fmt: skip

# (admitted, over quota) for candidates: the ledger's atomic reservation, or ``counted`` in tests.
Admission = Callable[[list[str]], tuple[list[str], list[str]]]


# planning -------------------------------------------------------------------------------------
def choose_senders(relations: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """external_userid → the member who sends to them: of the customer's active relations (already
    filtered), the most recently added (ties: the smaller userid). One customer gets one message."""
    best: dict[str, tuple[int, str]] = {}
    for r in relations:
        if (r.get("status") or "active") != "active":
            continue
        ext, uid, added = str(r["external_userid"]), str(r["userid"]), int(r.get("add_time") or 0)
        cur = best.get(ext)
        if cur is None or (added, _neg(uid)) > (cur[0], _neg(cur[1])):
            best[ext] = (added, uid)
    return {ext: uid for ext, (_, uid) in best.items()}


def _neg(s: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in s) + (0,)


def admit(candidates: Iterable[str], counts: Mapping[str, int], limit: int) -> tuple[list[str], list[str]]:
    """(admitted, over quota): a customer is admitted while fewer than ``limit`` sends count against them."""
    ok: list[str] = []
    over: list[str] = []
    for ext in candidates:
        (ok if counts.get(ext, 0) < limit else over).append(ext)
    return ok, over


def counted(counts: Mapping[str, int], limit: int) -> Admission:
    """An admission over known counts (what the ledger does per bucket, without its keyed writes)."""
    return lambda ids: admit(ids, counts, limit)


@dataclass(frozen=True)
class PlannedPart:
    """One add_msg_template call to be: a member and at most 10,000 of their customers (sorted)."""

    sender: str
    number: int
    external_userids: tuple[str, ...]


@dataclass
class Plan:
    parts: list[PlannedPart] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason → external_userids

    @property
    def admitted(self) -> int:
        return sum(len(p.external_userids) for p in self.parts)

    def counts(self) -> dict[str, Any]:
        """What the send records of its plan."""
        return {"recipients": self.admitted, "parts": len(self.parts),
                "skipped": {k: len(v) for k, v in self.skipped.items()}}  # fmt: skip


def cut_parts(senders: Mapping[str, str], size: int = PER_TASK) -> list[PlannedPart]:
    """Per member, their customers in the fewest calls of at most ``size``: ceil(n / size) each."""
    by_sender: dict[str, list[str]] = {}
    for ext, uid in senders.items():
        by_sender.setdefault(uid, []).append(ext)
    parts: list[PlannedPart] = []
    for uid in sorted(by_sender):
        ids = sorted(by_sender[uid])
        for n, start in enumerate(range(0, len(ids), size)):
            parts.append(PlannedPart(uid, n, tuple(ids[start : start + size])))
    return parts


def plan(senders: Mapping[str, str], listed: Sequence[str], admission: Admission, size: int = PER_TASK) -> Plan:
    """The plan: ``senders`` recipient → sending member (resolved), ``listed`` the ids an explicit list
    named (empty for a filter or a planner: no "no active relation" then), ``admission`` the quota's."""
    out = Plan()
    if listed:
        missing = [e for e in listed if e not in senders]
        if missing:
            out.skipped[NO_ACTIVE_RELATION] = missing
        senders = {e: senders[e] for e in listed if e in senders}
    ok, over = admission(sorted(senders))
    if over:
        out.skipped[OVER_QUOTA] = sorted(over)
    out.parts = cut_parts({e: senders[e] for e in ok}, size)
    return out


def outcome_of(status: int) -> str:
    """get_groupmsg_send_result's status as our one-character outcome."""
    return {0: NOT_SENT, 1: SENT, 2: NOT_A_FRIEND, 3: WECOM_OVER_QUOTA}.get(int(status), NOT_SENT)


def read_outcomes(ids: Sequence[str], before: str, status: Mapping[str, int], final: bool) -> str:
    """A part's outcomes after a results read: a customer in the fail_list stays "not a friend"; WeCom's
    answer counts once the task is final or says more than "not sent yet"; the rest wait (or, final,
    were not sent)."""
    out = []
    for e, old in zip(ids, before or PENDING * len(ids), strict=False):
        if old == NOT_A_FRIEND and e not in status:
            out.append(old)
        elif e in status and (final or status[e] != 0):
            out.append(outcome_of(status[e]))
        else:
            out.append(NOT_SENT if final else PENDING)
    return "".join(out)


def given_back(ids: Sequence[str], outcomes: str, status: Mapping[str, int]) -> list[str]:
    """Customers a final task did not reach (WeCom answered for them): their quota goes back."""
    return [e for e, o in zip(ids, outcomes, strict=False) if o in (NOT_SENT, NOT_A_FRIEND) and e in status]


def bucket_of(external_userid: str, buckets: int = 1024) -> int:
    """A stable spread of customers over the quota ledger's items (not Python's salted hash)."""
    return int.from_bytes(hashlib.sha1(external_userid.encode()).digest()[:4], "big") % buckets


# item dicts -----------------------------------------------------------------------------------
def _known(cls: type, data: Mapping[str, Any], version: int) -> dict[str, Any]:
    """Known keys as fields, unknown ones kept in ``extra`` (an item written by another version loads
    and saves back whole)."""
    names = {f.name for f in fields(cls)} - {"extra", "version"}
    known = {k: v for k, v in data.items() if k in names}
    return {**known, "extra": {k: v for k, v in data.items() if k not in names}, "version": version}


def _to_item(obj: Any, always: tuple[str, ...]) -> dict[str, Any]:
    """The fields ``always`` written, the others only once set (None: absent, as items had them)."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.name in ("extra", "version") or (value is None and f.name not in always):
            continue
        out[f.name] = value
    return {**out, **obj.extra}


# the aggregates -------------------------------------------------------------------------------
class Called(StrEnum):
    """What one run of a part's step did (a part no longer requested answers its state)."""

    CREATED = "created"  # WeCom made the task
    ADOPTED = "adopted"  # a dead worker's call had made it: found and recorded
    FAILED = "failed"  # WeCom refused for good (its code), or could not be asked where a task went
    CANCELLED = "cancelled"  # the send was cancelled before the call
    RETRY = "retry"  # WeCom busy (its code): the same step again later
    DISPATCHING = "dispatching"  # WeCom still dispatching (41063): cannot tell yet, ask later
    BUSY = "busy"  # another worker holds a live calling mark (or won the mark's write)


@dataclass(frozen=True)
class PartCall:
    """The typed answer of a part's step; ``code`` WeCom's errcode when one decided it."""

    called: Called
    code: int | None = None

    @property
    def again(self) -> bool:
        """Worth the same step again soon: WeCom was busy or still dispatching."""
        return self.called in (Called.RETRY, Called.DISPATCHING)

    @property
    def task_made(self) -> bool:
        return self.called in (Called.CREATED, Called.ADOPTED)

    def __str__(self) -> str:
        """The step's detail in logs and the bus's outcome ("retry:45033", "created")."""
        return f"{self.called}:{self.code}" if self.code is not None else str(self.called)


@dataclass
class Part:
    """One WeCom task of a send: its member, how many recipients, and where its call stands. ``calling``
    is the fence: the moment a worker began the call (0: nobody), written under ``version`` first."""

    send_id: str
    sender: str
    number: int
    size: int
    state: str = REQUESTED
    msgid: str = ""
    calling: int = 0
    fail_count: int = 0
    final: bool = False
    error: int | None = None
    reason: str | None = None
    created_at: int | None = None
    task_status: int | None = None
    wecom_cancelled_at: int | None = None
    indexed: bool | None = None  # its customers' received pointers are written (received.py)
    extra: dict[str, Any] = field(default_factory=dict)
    version: int = 0  # the stored item's; 0 before it is first written

    ALWAYS = ("send_id", "sender", "number", "size", "state", "msgid", "calling", "fail_count", "final")

    @classmethod
    def planned(cls, send_id: str, p: PlannedPart) -> Self:
        return cls(send_id, p.sender, p.number, len(p.external_userids))

    @classmethod
    def from_item(cls, data: Mapping[str, Any], version: int) -> Self:
        return cls(**_known(cls, data, version))

    def to_item(self) -> dict[str, Any]:
        return _to_item(self, self.ALWAYS)

    @property
    def requested(self) -> bool:
        return self.state == REQUESTED

    @property
    def awaiting_results(self) -> bool:
        """Its task exists and is not final: the results step still reads it."""
        return self.state == CREATED and not self.final

    @property
    def remindable(self) -> bool:
        return self.awaiting_results and int(self.task_status or 0) != TASK_SENT

    @property
    def recipients(self) -> int:
        """Customers its task holds (those in WeCom's fail_list never were)."""
        return int(self.size) - int(self.fail_count or 0)

    def call_live(self, now: int) -> bool:
        """Another worker's call is under way (a mark older than the lease belongs to a dead one)."""
        return bool(self.calling) and now - int(self.calling) < LEASE_S

    # transitions
    def begin_call(self, now: int) -> None:
        self.calling = now

    def mark_indexed(self) -> None:
        self.indexed = True

    def end_call(self) -> None:
        """The call made nothing (WeCom busy, throttled): the next step may call again."""
        self.calling = 0

    def record_task(self, msgid: str, fail_count: int, now: int) -> None:
        self.state, self.msgid, self.calling, self.fail_count, self.created_at = CREATED, msgid, 0, fail_count, now

    def fail(self, code: int, reason: str | None = None) -> None:
        self.state, self.calling, self.error = FAILED, 0, code
        if reason is not None:
            self.reason = reason

    def cancel(self) -> None:
        self.state, self.calling = CANCELLED, 0

    def read(self, task_status: int, final: bool) -> None:
        self.task_status = task_status
        if final:
            self.final = True

    def cancelled_in_wecom(self, at: int) -> None:
        self.wecom_cancelled_at = at


@dataclass(frozen=True)
class Pointer:
    """A customer's record of one send that holds them (written when its part is about to be called):
    which part, and where in the part's ids (its outcome character)."""

    at: int
    send_id: str
    sender: str
    number: int
    index: int


@dataclass
class MassSend:
    """A send: its stored spec (``spec()`` parses it), its state (new → planned, or cancelled) and, once
    planned, the quota period it counts in and its plan's counts."""

    send_id: str
    spec: dict[str, Any]
    source: dict[str, str] | None = None  # a planner's send: which SOP step, which minute
    state: str = NEW
    created_at: int = 0
    quota_setting: str | None = None
    period: str | None = None
    planned_at: int | None = None
    counts: dict[str, Any] | None = None
    cancelled_at: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    version: int = 0

    ALWAYS = ("send_id", "spec", "state", "created_at")

    @classmethod
    def from_item(cls, data: Mapping[str, Any], version: int) -> Self:
        return cls(**_known(cls, data, version))

    def to_item(self) -> dict[str, Any]:
        """The stored item's data, and what the API shows of a send."""
        return _to_item(self, self.ALWAYS)

    def parsed(self) -> MassSendSpec:
        return spec_from_dict(self.spec)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def cancelled(self) -> bool:
        return self.state == CANCELLED

    @property
    def reservation(self) -> str:
        """The ledger key of the send's quota reservation (a retried plan gets the same answer)."""
        return f"r:{self.send_id}"

    def release_key(self, part: Part, what: str) -> str:
        return f"x:{self.send_id}:{part.sender}:{part.number}:{what}"

    def listed(self) -> dict[str, Any]:
        """The send in a list: its spec's recipient lists (up to 100,000 ids) as their lengths."""
        recipients = dict(self.spec.get("recipients") or {})
        for kind in ("external_userids", "chat_ids"):
            if kind in recipients:
                recipients[kind] = len(recipients[kind])
        return {**self.to_item(), "spec": {**self.spec, "recipients": recipients}}

    # transitions
    def mark_planned(self, setting: str, period: str, planned_at: int, done: Plan) -> None:
        self.state, self.quota_setting, self.period, self.planned_at = PLANNED, setting, period, planned_at
        self.counts = done.counts()

    def cancel(self, now: int) -> None:
        self.state, self.cancelled_at = CANCELLED, now
