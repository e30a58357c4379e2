"""Handover of customers and groups (离职继承 / 在职继承): the rules WeCom sets and the states we keep.

A transfer job moves a handover member's customers and groups to one or several takers. Its customers are
held in chunks of at most 100 (one WeCom call each, one taker each); a chunk is one record whose entries
carry each customer's state, so one conditional write moves many customers at once and progress is a sum
over a job's chunks. Everything here is pure: the service reads a chunk, asks these functions what
changes, and writes it back under the chunk's version.

Customer states: requested → waiting (WeCom's 24 h acceptance window) → done / refused / taker_limit /
failed; requested → cancelled; refused or taker_limit → reassigned (moved to another taker's chunk, by
the corp's policy). Groups are handed over by one call: requested → done / failed, or queued → requested
later: queued for the new owner's 300-groups-a-day allowance we count ourselves (reason
``new_owner_daily_limit``, until the allowance frees up), or deferred because WeCom refused the chat with
a code that names no final reason (the counting rules WeCom's pages give no code for, a busy answer, a code
we never met): recorded with WeCom's code and asked again after GROUP_RETRY_S, failed after that many.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.errors import InvalidInput

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

# transfer_customer's per-customer answers (the call itself answers 0)
STARTED = 0
ALREADY_IN_TRANSFER = frozenset({40129, 40100})
TAKER_AT_LIMIT = 40099
REASONS = {
    # 40131: the handover member does not follow this customer (92125 / 90313). WeCom does not answer 84061
    # ("no friend relation") here; if it ever did, the customer fails as wecom_84061 like any other code.
    40131: "not_a_customer_of_handover",
    40096: "invalid_external_userid",  # malformed or unknown, or the follower is outside the app's scope
    40130: "handover_is_taker",
    40128: "transferred_twice_in_90_days",
    40129: "already_in_transfer",
    40100: "already_in_transfer",
    40099: "taker_at_customer_limit",
    40097: "handover_has_not_left",
    60111: "unknown_member",
    # groupchat/transfer and onjob_transfer, per chat (90313, as crawled by go-workwx errcodes/mod.go). WeCom's
    # pages name no code for the new owner's 300 a day nor for on-job's twice in 90 days: we key nothing on one.
    90500: "owner_has_not_left",  # 群主并未离职
    90501: "not_a_customer_group",  # 该群不是客户群
    90502: "owner_has_left",  # 群主已经离职
    90503: "group_full_needs_client_confirmation",  # 满人 & 99个微信成员，没办法踢，要客户端确认
    90504: "already_owner",  # 群主没变
    90507: "inheritance_in_progress",  # 离职群正在继承处理中
    90508: "already_inherited",  # 离职群已经继承
}
NEW_OWNER_DAILY_LIMIT = "new_owner_daily_limit"  # queued for our own count of the new owner's 300 a day
# Per-chat answers that no later call changes: failed with their reason (90504 / 90508 after a call of ours
# that may have reached WeCom, and 90500 / 90508 when the taker owns the group, are our handover: the
# service filters them out first).
GROUP_FINAL = frozenset({90500, 90501, 90502, 90503, 90504, 90508})
# After a call of ours that may have reached WeCom, these mean that call handed the group over.
GROUP_HANDED_OVER_ON_RETRY = frozenset({90504, 90507, 90508})
GROUP_RETRY_S = (3600, 6 * 3600, 24 * 3600)  # any other per-chat code: asked again after these, then failed
# transfer_result statuses
RESULT_STATES = {1: DONE, 2: WAITING, 3: REFUSED, 4: TAKER_LIMIT}


def reason_of(errcode: int) -> str:
    return REASONS.get(errcode, f"wecom_{errcode}")


GROUP_CODES = frozenset({90500, 90501, 90502, 90503, 90504, 90507, 90508})


def group_reason_of(errcode: int) -> str:
    """A group's reason: the group-transfer codes by name, any other code as WeCom's code (a customer code
    such as 40128 may mean something else for a group: WeCom's pages name no code for groups' limits)."""
    return REASONS[errcode] if errcode in GROUP_CODES else f"wecom_{errcode}"


def backoff_s(attempts: int) -> int:
    return BACKOFF_S[min(max(attempts, 1), len(BACKOFF_S)) - 1]


# --- the request ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TransferRequest:
    """What an admin asked for. ``customers`` / ``groups``: ``None`` means all of the handover's, an empty
    tuple none. ``split``: "even" shares them out across ``takers`` in turn, "one" needs a single taker."""

    kind: str
    handover_userid: str
    takers: tuple[str, ...]
    customers: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None
    transfer_success_msg: str = ""
    on_refused: str = ""  # "" = the corp's policy
    request_id: str = ""

    def key(self) -> str:
        """Identifies a repeat of the same request (the admin pressed twice, a client retried)."""
        if self.request_id:
            return "r:" + self.request_id
        body = json.dumps(
            [self.kind, self.handover_userid, list(self.takers),
             sorted(self.customers) if self.customers is not None else None,
             sorted(self.groups) if self.groups is not None else None, self.transfer_success_msg],
            ensure_ascii=False,
        )  # fmt: skip
        return "h:" + hashlib.sha256(body.encode()).hexdigest()[:32]


class InvalidTransfer(InvalidInput):
    """A transfer request that cannot be run; the line is shown as it is (it names the field itself)."""


def _ids(value: Any, name: str, limit: int) -> tuple[str, ...] | None:
    if value is None or value == "all":
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidTransfer(name, f"{name} must be \"all\" or a list of ids")
    ids = tuple(dict.fromkeys(value))
    if len(ids) > limit:
        raise InvalidTransfer(name, f"{name}: at most {limit} ids in one request")
    return ids


def parse_request(body: dict[str, Any]) -> TransferRequest:
    """An admin's request, checked field by field (the error names the field)."""
    allowed = {"kind", "handover_userid", "takeover_userid", "takeover_userids", "customers", "groups",
               "transfer_success_msg", "on_refused", "request_id"}  # fmt: skip
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidTransfer(unknown[0], f"unknown field {unknown[0]}")
    kind = body.get("kind", RESIGNED)
    if kind not in KINDS:
        raise InvalidTransfer("kind", "kind must be resigned (离职继承) or onjob (在职继承)")
    handover = body.get("handover_userid")
    if not isinstance(handover, str) or not handover:
        raise InvalidTransfer("handover_userid", "handover_userid is required")
    takers_raw = body.get("takeover_userids")
    if takers_raw is None and body.get("takeover_userid") is not None:
        takers_raw = [body["takeover_userid"]]
    if not isinstance(takers_raw, list) or not takers_raw or not all(isinstance(t, str) and t for t in takers_raw):
        raise InvalidTransfer("takeover_userids", "takeover_userid or takeover_userids (a non-empty list) is required")
    takers = tuple(dict.fromkeys(takers_raw))
    if len(takers) > 100:
        raise InvalidTransfer("takeover_userids", "at most 100 takers")
    if handover in takers:
        raise InvalidTransfer("takeover_userids", f"{handover} cannot take over their own customers")
    customers = _ids(body.get("customers", "all"), "customers", 100_000)
    groups = _ids(body.get("groups", "all"), "groups", 10_000)
    if customers == () and groups == ():
        raise InvalidTransfer("customers", "nothing to transfer: customers and groups are both empty")
    msg = body.get("transfer_success_msg", "")
    if not isinstance(msg, str) or len(msg) > SUCCESS_MSG_MAX:
        raise InvalidTransfer("transfer_success_msg", f"transfer_success_msg: a string of at most {SUCCESS_MSG_MAX} characters")
    if msg and kind != ONJOB:
        raise InvalidTransfer("transfer_success_msg", "transfer_success_msg applies to onjob transfers only")
    on_refused = body.get("on_refused", "")
    if on_refused not in ("", *ON_REFUSED):
        raise InvalidTransfer("on_refused", "on_refused must be leave or reassign")
    request_id = body.get("request_id", "")
    if not isinstance(request_id, str) or len(request_id) > 64:
        raise InvalidTransfer("request_id", "request_id: a string of at most 64 characters")
    return TransferRequest(kind, handover, takers, customers, groups, msg, on_refused, request_id)


def split(ids: Sequence[str], takers: Sequence[str]) -> dict[str, list[str]]:
    """An even split, in turn (counts differ by at most one); one taker takes all."""
    out: dict[str, list[str]] = {t: [] for t in takers}
    for i, ext in enumerate(ids):
        out[takers[i % len(takers)]].append(ext)
    return out


def chunked(ids: Sequence[str], size: int = CHUNK) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


# --- a chunk ----------------------------------------------------------------------------------------
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

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries.values():
            out[e.state] = out.get(e.state, 0) + 1
        return out

    def ids_in(self, *states: str) -> list[str]:
        return [k for k, e in self.entries.items() if e.state in states]

    def is_open(self) -> bool:
        return any(e.state in OPEN for e in self.entries.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id, "number": self.number, "kind": self.kind, "taker": self.taker,
            "entries": {k: e.as_list() for k, e in self.entries.items()}, "attempts": self.attempts,
            "calling": self.calling, "started_at": self.started_at, "next_at": self.next_at,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any], version: int = 0) -> Chunk:
        return cls(
            str(d["job_id"]), int(d["number"]), str(d["kind"]), str(d["taker"]),
            {k: Entry.of(v) for k, v in (d.get("entries") or {}).items()}, int(d.get("attempts") or 0),
            int(d.get("calling") or 0), int(d.get("started_at") or 0), int(d.get("next_at") or 0), version,
        )  # fmt: skip


def new_chunk(job_id: str, number: int, kind: str, taker: str, ids: Iterable[str], now: int) -> Chunk:
    return Chunk(job_id, number, kind, taker, {i: Entry(REQUESTED, "", now) for i in ids}, next_at=now)


def apply_start(chunk: Chunk, answers: dict[str, int], now: int, retried: bool) -> None:
    """transfer_customer's per-customer answers. ``retried``: an earlier call for this chunk may have
    reached WeCom before we stored its answer, so "already in a transfer" is most likely ours."""
    for ext, code in answers.items():
        e = chunk.entries.get(ext)
        if e is None or e.state != REQUESTED:
            continue
        if code == STARTED or (code in ALREADY_IN_TRANSFER and retried):
            chunk.entries[ext] = Entry(WAITING, "", now)
        elif code == TAKER_AT_LIMIT:
            chunk.entries[ext] = Entry(TAKER_LIMIT, reason_of(code), now)
        elif errcodes.bulk_retries(code):
            continue  # stays requested; the chunk is retried with back-off
        else:
            chunk.entries[ext] = Entry(FAILED, reason_of(code), now)
    chunk.calling = 0
    if chunk.ids_in(WAITING) and not chunk.started_at:
        chunk.started_at = now
    still = chunk.ids_in(REQUESTED)
    if still:
        chunk.attempts += 1
        if chunk.attempts >= MAX_ATTEMPTS:
            for ext in still:
                chunk.entries[ext] = Entry(FAILED, "retries_exhausted", now)
            chunk.next_at = now + POLL_AFTER_S if chunk.ids_in(WAITING) else 0
        else:
            chunk.next_at = now + backoff_s(chunk.attempts)
    else:
        chunk.next_at = (chunk.started_at or now) + POLL_AFTER_S if chunk.ids_in(WAITING) else 0


def fail_all(chunk: Chunk, reason: str, now: int) -> None:
    """A call-level refusal (40097 the handover has not left, 60111 unknown member): every requested
    entry fails with it; no retry would change the answer."""
    for ext in chunk.ids_in(REQUESTED):
        chunk.entries[ext] = Entry(FAILED, reason, now)
    chunk.calling = 0
    chunk.next_at = chunk.next_at if chunk.ids_in(WAITING) else 0


def apply_results(chunk: Chunk, statuses: dict[str, tuple[int, int]], now: int) -> bool:
    """transfer_result's statuses ({ext: (status, takeover_time)}) for this chunk's waiting customers;
    True if anything changed. Waiting customers WeCom keeps silent about for too long fail as no_record."""
    changed = False
    for ext in chunk.ids_in(WAITING):
        status, takeover_time = statuses.get(ext, (0, 0))
        state = RESULT_STATES.get(status)
        if state in (DONE, REFUSED, TAKER_LIMIT):
            chunk.entries[ext] = Entry(state, "" if state == DONE else state, takeover_time or now)
            changed = True
        elif state is None and chunk.started_at and now - chunk.started_at > STALE_AFTER_S:
            chunk.entries[ext] = Entry(FAILED, "no_record", now)
            changed = True
    retry_at = chunk.next_at if chunk.ids_in(REQUESTED) else 0  # a retry in back-off keeps its time
    if chunk.ids_in(WAITING):
        chunk.next_at = min(now + POLL_EVERY_S, retry_at) if retry_at else now + POLL_EVERY_S
    else:
        chunk.next_at = retry_at
    return changed


def adopt_started(chunk: Chunk, statuses: dict[str, tuple[int, int]], now: int) -> None:
    """Before a cancel stops a chunk whose call died unanswered (a stale ``calling`` mark): the requested
    customers WeCom's transfer_result shows as waiting, or as ended since that call, were started by it
    and are ours; the others were not started. Clears the mark."""
    since = chunk.calling
    for ext in chunk.ids_in(REQUESTED):
        status, at = statuses.get(ext, (0, 0))
        state = RESULT_STATES.get(status)
        if state == WAITING:
            chunk.entries[ext] = Entry(WAITING, "", now)
        elif state is not None and since and at >= since:
            chunk.entries[ext] = Entry(state, "" if state == DONE else state, at)
    if chunk.ids_in(WAITING):
        chunk.started_at = chunk.started_at or since or now
        chunk.next_at = chunk.started_at + POLL_AFTER_S
    chunk.calling = 0


def back_off(chunk: Chunk, now: int) -> None:
    """One more failed attempt for the requested entries (groups): retry later, or after MAX_ATTEMPTS
    give them up, so that a job whose calls always fail still ends."""
    chunk.attempts += 1
    if chunk.attempts < MAX_ATTEMPTS:
        chunk.next_at = now + backoff_s(chunk.attempts)
        return
    for ext in chunk.ids_in(REQUESTED):
        chunk.entries[ext] = Entry(FAILED, "retries_exhausted", now)
    chunk.next_at = now + POLL_EVERY_S if chunk.is_open() else 0


def apply_fail(chunk: Chunk, ext: str, reason: str, now: int) -> bool:
    """WeCom's transfer_fail callback (customer_refused / customer_limit_exceed) for a waiting customer."""
    e = chunk.entries.get(ext)
    if e is None or e.state not in (WAITING, REQUESTED):
        return False
    state = TAKER_LIMIT if reason == "customer_limit_exceed" else REFUSED
    chunk.entries[ext] = Entry(state, reason or state, now)
    return True


def cancel(chunk: Chunk, now: int) -> int:
    """Cancel what has not reached WeCom yet. A started customer transfer cannot be called back (WeCom
    has no API for it): waiting customers stay waiting."""
    if chunk.calling:
        return 0
    ids = chunk.ids_in(REQUESTED, QUEUED)
    for i in ids:
        chunk.entries[i] = Entry(CANCELLED, "cancelled", now)
    if not chunk.ids_in(WAITING):
        chunk.next_at = 0
    return len(ids)


def to_reassign(chunk: Chunk, policy: str) -> list[str]:
    if policy != "reassign":
        return []
    return chunk.ids_in(REFUSED, TAKER_LIMIT)


def next_taker(takers: Sequence[str], tried: Sequence[str]) -> str | None:
    for t in takers:
        if t not in tried:
            return t
    return None


# --- groups: the new owner's daily allowance -----------------------------------------------------------
def allowance(taken: Sequence[Sequence[int]], now: int) -> tuple[int, int]:
    """(groups the owner may still take now, when the oldest of the last 24 h frees up) from the
    ``[time, count]`` takes of the last 24 h."""
    recent = [(int(t), int(n)) for t, n in taken if now - int(t) < DAY_S]
    left = GROUPS_PER_OWNER_PER_DAY - sum(n for _, n in recent)
    frees = min((t for t, _ in recent), default=now) + DAY_S
    return max(0, left), frees


def prune(taken: Sequence[Sequence[int]], now: int) -> list[list[int]]:
    return [[int(t), int(n)] for t, n in taken if now - int(t) < DAY_S]


def apply_group_results(chunk: Chunk, sent: Sequence[str], failed: dict[str, int], now: int) -> None:
    """groupchat/transfer's answer: the chats sent and not in failed_chat_list are done; a final code fails
    the chat with its reason; any other code (whatever it is: WeCom names none for its counting rules)
    defers it, recorded with WeCom's code, to be asked again after GROUP_RETRY_S — then it fails."""
    for chat in sent:
        code = failed.get(chat)
        if code is None:
            chunk.entries[chat] = Entry(DONE, "", now)
        elif code in GROUP_FINAL:
            chunk.entries[chat] = Entry(FAILED, group_reason_of(code), now)
        else:
            tries = (chunk.entries[chat].tries if chat in chunk.entries else 0) + 1
            state = QUEUED if tries <= len(GROUP_RETRY_S) else FAILED
            chunk.entries[chat] = Entry(state, group_reason_of(code), now, tries)
    chunk.calling = 0


def queued_due(e: Entry, allowance_frees: int) -> int:
    """When a queued group is asked for again: when the new owner's allowance frees up if it waits for our
    count, else (WeCom deferred it) its own time after the refusal."""
    if e.reason == NEW_OWNER_DAILY_LIMIT:
        return allowance_frees
    return e.at + GROUP_RETRY_S[min(max(e.tries, 1), len(GROUP_RETRY_S)) - 1]


# --- the 90-day rule ---------------------------------------------------------------------------------
def frees_at(transfer_times: Iterable[int], now: int) -> int | None:
    """None if one more transfer is allowed now, else when it will be (the oldest counted + 90 days)."""
    recent = sorted(t for t in transfer_times if now - t < WINDOW_90_DAYS_S)
    if len(recent) < MAX_PER_90_DAYS:
        return None
    return recent[-MAX_PER_90_DAYS] + WINDOW_90_DAYS_S


# --- progress ----------------------------------------------------------------------------------------
def summarize(job: dict[str, Any], chunks: Iterable[Chunk]) -> dict[str, Any]:
    customers = {s: 0 for s in CUSTOMER_STATES}
    groups = {s: 0 for s in GROUP_STATES}
    by_taker: dict[str, dict[str, int]] = {}
    next_at = 0
    for c in chunks:
        target = customers if c.kind == "c" else groups
        for state, n in c.counts().items():
            target[state] = target.get(state, 0) + n
            if c.kind == "c" and state != REASSIGNED:
                row = by_taker.setdefault(c.taker, {})
                row[state] = row.get(state, 0) + n
        if c.next_at and c.is_open():
            next_at = min(next_at, c.next_at) if next_at else c.next_at
    c_total = sum(v for k, v in customers.items() if k != REASSIGNED)
    g_total = sum(groups.values())
    settled = sum(v for k, v in customers.items() if k not in OPEN and k != REASSIGNED) + sum(
        v for k, v in groups.items() if k not in OPEN
    )
    requested = c_total - customers[REQUESTED] + g_total - groups[REQUESTED] - groups[QUEUED]
    total = c_total + g_total
    return {
        "job_id": job["job_id"],
        "kind": job["kind"],
        "state": job["state"],
        "handover_userid": job["handover_userid"],
        "takeover_userids": job["takers"],
        "on_refused": job.get("on_refused", "leave"),
        "created_at": job.get("created_at"),
        "error": job.get("error") or None,
        "customers": {"total": c_total, **customers},
        "groups": {"total": g_total, **groups},
        "by_taker": by_taker,
        "requested_percent": round(100.0 * requested / total, 1) if total else (100.0 if job["state"] != "planning" else 0.0),
        "settled_percent": round(100.0 * settled / total, 1) if total else (100.0 if job["state"] != "planning" else 0.0),
        "next_check_at": next_at or None,
    }


def job_state(chunks: Sequence[Chunk], cancelled: bool) -> str:
    if any(c.is_open() for c in chunks):
        return "cancelling" if cancelled else "running"
    return "cancelled" if cancelled else "finished"

