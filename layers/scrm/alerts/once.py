"""One paced app message to a member, sent at most once: the path the SOP and moment reminders share.

The record (in the alerts table, keyed by what it is about) is created before the send; it then takes a slot
of the member's per-minute and per-hour allowance (the same item churn alerts use, so a member never gets more
app messages than WeCom allows, whichever feature sends them), is claimed by one caller, and marked with the
outcome. A crash between send and mark sends the same card again under WeCom's duplicate check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrm.alerts.delivery import Delivery, china_day
from scrm.alerts.pacing import Caps
from scrm.alerts.ports import AlertRepo

CLAIM_S = 60  # a claim older than this belongs to a caller that died before it marked the record


@dataclass(frozen=True)
class Once:
    """``state``: "sent", "failed" (WeCom refused for good; ``reason`` says why), "full" (the member's
    allowance: try again later), "busy" (another caller holds it), or the record's state when an earlier
    call already dealt with it."""

    state: str
    reason: str = ""


def send_once(repo: AlertRepo, delivery: Delivery, caps: Caps, clock: Callable[[], float], corp_id: str,
              member: str, sk: str, fields: dict[str, Any]) -> Once:  # fmt: skip
    now = float(fields["now"])
    _, record = repo.create(corp_id, member, sk, fields)
    state = str(record.get("state"))
    if state == "new":
        state = repo.take_slot(corp_id, member, sk, now, caps, china_day(now), None)  # type: ignore[arg-type]
        if state == "full":
            return Once("full")
    if state != "sending":
        return Once(state)
    if not repo.claim(corp_id, member, sk, clock(), CLAIM_S):
        return Once("busy")
    outcome = delivery.send_marked(repo, corp_id, member, sk, record["card"], clock)
    return Once("sent") if outcome.sent else Once("failed", str(outcome.reason or ""))
