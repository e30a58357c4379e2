"""Every WeCom error code the product meets, what it means for a caller, and WeCom's reason (doc ids from
/work/shared/docs/wecom-api-facts.md: 90313 is the global code table).

Callers used to keep their own sets of "retriable" codes, and the sets differed. Each caller now asks one
named question below (``client_retries``, ``bulk_retries``, …); the questions are built from the kinds in
``CODES`` so that the differences between callers are written down in one place instead of four.
A code not in the table is ``PERMANENT``; ``None`` (an HTTP error or a timeout, no WeCom answer) is
``NO_ANSWER``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    NO_ANSWER = "no_answer"  # HTTP error or timeout: WeCom may not have seen the call
    BUSY = "busy"  # WeCom is busy: the same call later will likely pass
    VERSION_CONFLICT = "version_conflict"  # WeCom's own data changed meanwhile: retry later
    THROTTLE = "throttle"  # a rate or concurrency limit: wait for the window
    TOKEN = "token"  # the access token is invalid or expired: fetch a new one, retry once
    TOKEN_MISSING = "token_missing"  # no token was sent
    DISPATCHING = "dispatching"  # a mass send's results are not ready yet
    SENDING_ELSEWHERE = "sending_elsewhere"  # another app is sending the same welcome
    ALREADY_DONE = "already_done"  # what was asked already happened: a success
    GONE = "gone"  # the thing does not exist (for this app): final, not worth a retry
    DELETED = "deleted"  # a delete found the thing already deleted in WeCom
    PERMANENT = "permanent"  # any other refusal: the same call will fail again


@dataclass(frozen=True)
class Code:
    kind: Kind
    reason: str


_ = Code
CODES: dict[int, Code] = {
    -1: _(Kind.BUSY, "系统繁忙: retry, but no more than 3 times (90313)"),
    6000: _(Kind.VERSION_CONFLICT, "数据版本冲突: retry later (90313)"),
    45009: _(Kind.THROTTLE, "over the frequency limit: blocked for the rest of the window (90313, 90454)"),
    45033: _(Kind.THROTTLE, "over the per-corp, per-API concurrency limit: lower concurrency (90313)"),
    40014: _(Kind.TOKEN, "invalid access_token: fetch a new token and retry once (90313)"),
    42001: _(Kind.TOKEN, "expired access_token: fetch a new token and retry once (90313)"),
    41001: _(Kind.TOKEN_MISSING, "missing access_token (90313)"),
    41063: _(Kind.DISPATCHING, "mass send results asked for too soon: still dispatching (93338)"),
    41096: _(Kind.SENDING_ELSEWHERE, "another app is sending this welcome message: retry (92137)"),
    41051: _(Kind.ALREADY_DONE, "welcome already sent, or the customer already chatted: success (92137)"),
    84061: _(Kind.GONE, "no friend relation (90313)"),
    40096: _(Kind.GONE, "invalid external_userid, or the follower is outside the app's scope (90313)"),
    60111: _(Kind.GONE, "no such member userid (90313)"),
    90500: _(Kind.GONE, "group transfer: the owner has not left (90313)"),
    40050: _(Kind.GONE, "unknown group chat id (90313)"),
    40068: _(Kind.GONE, "invalid tag or tag group id (90313, 92117)"),
    60011: _(Kind.GONE, "member or department outside the app's scope (90313)"),
    40003: _(Kind.GONE, "invalid userid (90313)"),
    41044: _(Kind.DELETED, "no such contact way or join way: already deleted (92572)"),
    40037: _(Kind.DELETED, "no such welcome template: already deleted (90313)"),
    40001: _(Kind.PERMANENT, "invalid secret: do not retry (90313)"),
    40058: _(Kind.PERMANENT, "invalid parameter, including arrays that are too long (90313)"),
    40071: _(Kind.PERMANENT, "a tag of that name exists in the group (92117)"),
    40126: _(Kind.PERMANENT, "the corp has 3000 tags already (92117)"),
    41041: _(Kind.PERMANENT, "more than 100 members on one contact way (92572)"),
    41054: _(Kind.PERMANENT, "member not activated or not real-name verified (92572)"),
    41093: _(Kind.PERMANENT, "mass send task cancelled, in WeCom or through its API (90313)"),
    41094: _(Kind.PERMANENT, "3 reminders per mass send task per 24 hours (90313)"),
    48002: _(Kind.PERMANENT, "the app has no permission for this API (90313)"),
    81013: _(Kind.PERMANENT, "every recipient is invalid (90236)"),
    84074: _(Kind.PERMANENT, "no external-contact permission (90313)"),
    40097: _(Kind.PERMANENT, "transfer: the handover member has not left (94081)"),
    40099: _(Kind.PERMANENT, "transfer: the taker's customer count is at its limit (90313)"),
    40100: _(Kind.PERMANENT, "transfer: the customer is already in a transfer (90313)"),
    40128: _(Kind.PERMANENT, "transfer: 2 transfers per customer per 90 days (92125)"),
    40129: _(Kind.PERMANENT, "transfer: already in progress (90313)"),
    40130: _(Kind.PERMANENT, "transfer: the handover member is the taker (90313)"),
    40131: _(Kind.PERMANENT, "transfer: handover_userid does not follow this customer (92125)"),
    # 90313 calls these two permanent (redirect_url 未登记可信域名 / 成员不在权限范围), yet the bulk runners
    # and alert delivery have always retried them: kept as it was (see BULK_RETRIED), to revisit on purpose.
    50001: _(Kind.PERMANENT, "redirect_url is not a registered trusted domain (90313)"),
    50002: _(Kind.PERMANENT, "member outside the app's scope (90313)"),
    90501: _(Kind.PERMANENT, "group transfer: not a customer group (90313)"),
    90502: _(Kind.PERMANENT, "group transfer: the owner has left (90313)"),
    90503: _(Kind.PERMANENT, "group transfer: group full, needs confirmation in the client (90313)"),
    90504: _(Kind.PERMANENT, "group transfer: the owner did not change (90313)"),
    90507: _(Kind.PERMANENT, "group transfer: inheritance in progress (90313)"),
    90508: _(Kind.PERMANENT, "group transfer: already inherited (90313)"),
}
del _

BULK_RETRIED = frozenset({50001, 50002})  # permanent by 90313, retried by bulk work and alerts (see above)
STILL_DISPATCHING = 41063


def kind(code: int | None) -> Kind:
    if code is None:
        return Kind.NO_ANSWER
    entry = CODES.get(code)
    return entry.kind if entry else Kind.PERMANENT


def reason(code: int | None) -> str:
    entry = CODES.get(code) if code is not None else None
    return entry.reason if entry else ""


def _is(k: Kind) -> Callable[[int | None], bool]:
    """The question "is this code of kind ``k``?" (``is_gone(40096)``)."""

    def holds(code: int | None) -> bool:
        return kind(code) is k

    holds.__name__ = holds.__qualname__ = f"is_{k.value}"
    return holds


is_busy = _is(Kind.BUSY)
is_throttle = _is(Kind.THROTTLE)
is_token = _is(Kind.TOKEN)
is_dispatching = _is(Kind.DISPATCHING)
is_gone = _is(Kind.GONE)
is_deleted = _is(Kind.DELETED)
is_already_done = _is(Kind.ALREADY_DONE)


_CLIENT = frozenset({Kind.NO_ANSWER, Kind.BUSY, Kind.VERSION_CONFLICT, Kind.THROTTLE})
_BULK = frozenset({Kind.BUSY, Kind.THROTTLE})
_WELCOME = frozenset({Kind.NO_ANSWER, Kind.BUSY, Kind.THROTTLE, Kind.SENDING_ELSEWHERE})
_ALERT = _CLIENT | {Kind.TOKEN, Kind.TOKEN_MISSING}


def client_retries(code: int | None) -> bool:
    """The WeCom client's own short back-off: a lost answer, busy, a version conflict or a limit."""
    return kind(code) in _CLIENT


def bulk_retries(code: int | None) -> bool:
    """A mass send part or transfer chunk tried again later. Not a lost answer (the caller cannot know
    whether WeCom acted) and not 6000 (never met on those calls)."""
    return kind(code) in _BULK or code in BULK_RETRIED


def welcome_retries(code: int | None) -> bool:
    """A welcome message tried again within its 20 s: busy, a limit, no answer, or another app sending."""
    return kind(code) in _WELCOME


def alert_passing(code: int | None) -> bool:
    """An alert whose delivery is tried again: anything that may pass by itself, token trouble included
    (the client's refetch did not cure it this time)."""
    return kind(code) in _ALERT or code in BULK_RETRIED
