"""What a customer received through mass sends and SOP steps (a SOP's due step is a planned mass send), and
which of those tasks the member looking still has to send: the sidebar portrait's part (issue 19, item 1).

Each customer of a part to customers has a pointer written before the part's task is created
(``PartCalls.run_part``); the portrait reads the customer's newest pointers (one Query) and their sends,
parts and outcome characters (one BatchGetItem), and says per send where it stands *for this customer*.
The member's waiting tasks are found among those newest pointers: a task older than the newest
``SHOWN`` sends to the customer is not listed (WeCom's tasks are long expired by then for any corp that
sends that often).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scrm.mass_sends.model import (
    CANCELLED,
    CREATED,
    FAILED,
    NOT_A_FRIEND,
    NOT_SENT,
    PENDING,
    SENT,
    TASK_SENT,
    WECOM_OVER_QUOTA,
    MassSend,
    Part,
)
from scrm.mass_sends.ports import ReceivedReads

SHOWN = 20
TEXT_SHOWN = 200  # characters of a send's text in the portrait

# Where a send stands for one customer (the sidebar words each).
PLANNED = "planned"  # the task is being created
WAITING = "waiting"  # the task exists; its member has not sent it yet
SENDING = "sending"  # the member sent; WeCom's per-customer result not read yet
DELIVERED = "sent"
NOT_DELIVERED = "not_sent"  # the task ended without reaching this customer
NOT_FRIEND = "not_a_friend"
OVER_QUOTA = "over_quota"  # WeCom's own limit: the customer had received too many mass messages
DROPPED = "cancelled"
REFUSED = "failed"  # WeCom refused to create the task

_BY_OUTCOME = {
    SENT: DELIVERED,
    NOT_SENT: NOT_DELIVERED,
    NOT_A_FRIEND: NOT_FRIEND,
    WECOM_OVER_QUOTA: OVER_QUOTA,
}


def standing(send: MassSend, part: Part, outcomes: str, index: int) -> str:
    """The send for the customer at ``index`` of ``part``: its part's state, then their outcome character."""
    if send.cancelled or part.state == CANCELLED:
        return DROPPED
    if part.state == FAILED:
        return REFUSED
    if part.state != CREATED:
        return PLANNED
    outcome = outcomes[index] if index < len(outcomes) else PENDING
    if outcome != PENDING:
        return _BY_OUTCOME.get(outcome, NOT_DELIVERED)
    if part.final:
        return NOT_DELIVERED
    return SENDING if int(part.task_status or 0) == TASK_SENT else WAITING


def _content(spec: Mapping[str, Any]) -> dict[str, Any]:
    attachments = [a for a in spec.get("attachments") or () if isinstance(a, Mapping)]
    return {
        "text": str(spec.get("text") or "")[:TEXT_SHOWN],
        "attachments": [str(a.get("msgtype") or "") for a in attachments],
    }


@dataclass
class Received:
    reads: ReceivedReads

    def portrait_part(self, corp_id: str, external_userid: str, userid: str) -> dict[str, Any]:
        """``received``: the customer's newest sends, each with where it stands for them; ``tasks``: those
        of ``userid``'s still waiting for them to send (what the member can do about this customer now)."""
        pointers = self.reads.received(corp_id, external_userid, SHOWN)
        if not pointers:
            return {"received": [], "tasks": []}
        sends, parts, outcomes = self.reads.details(
            corp_id, [(p.send_id, p.sender, p.number) for p in pointers]
        )
        rows: list[dict[str, Any]] = []
        for p in pointers:
            key = (p.send_id, p.sender, p.number)
            send, part = sends.get(p.send_id), parts.get(key)
            if send is None or part is None:
                continue  # a send deleted, or a pointer ahead of its part (never the case: parts come first)
            rows.append({
                "send_id": p.send_id,
                "name": str(send.spec.get("name") or ""),
                "kind": "sop" if send.source else "mass_send",
                **_content(send.spec),
                "at": p.at,
                "sender": p.sender,
                "status": standing(send, part, outcomes.get(key, ""), p.index),
            })  # fmt: skip
        tasks = [r for r in rows if r["sender"] == userid and r["status"] == WAITING]
        return {"received": rows, "tasks": tasks}
