"""Enterprise mass sends (企业群发, add_msg_template): tasks, the member's confirm step and the receive quota.

add_msg_template never sends anything: it creates one task per member (the sender, or for a
customer list without sender each customer's last-interacting member), and the message reaches a
customer or group only when that member confirms (the control endpoint stands in for the tap in
the WeCom client).  At that moment each recipient gets its send_result status:

  1 sent, 2 not a friend any more (relation gone or one-way; for groups: chat dismissed or the
  member no longer owns it), 3 over the receive quota (每位客户/每个客户群 … 接收上限).

The quota counts the mass messages a customer (or a group) received from this corp in the current
China-time period of the corp's setting: "month_days" (as many as the month has days, WeCom's
default), "week_7" (7 per Monday-to-Sunday week) or "day_1" (1 per day).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from .days import CHINA_OFFSET_S, day_start

QUOTA_MODES = ("month_days", "week_7", "day_1")
CHINA = timezone(timedelta(seconds=CHINA_OFFSET_S))

NOT_SENT, SENT, NOT_FRIEND, OVER_QUOTA = 0, 1, 2, 3
"""send_result statuses (get_groupmsg_send_result)."""
TASK_NOT_SENT, TASK_SENT = 0, 2
"""Member task statuses (get_groupmsg_task): WeCom answers 0 or 2, never 1."""

REMIND_WINDOW_S = 86_400
MAX_REMINDERS = 3


@dataclass(slots=True)
class Recipient:
    """One customer (single) or customer group (group) of a member's task."""

    target: str
    status: int = NOT_SENT
    send_time: int = 0


@dataclass(slots=True)
class MemberTask:
    """The part of a mass send one member has to confirm."""

    userid: str
    recipients: dict[str, Recipient] = field(default_factory=dict)
    status: int = TASK_NOT_SENT
    send_time: int = 0
    declined: bool = False

    def to_control(self) -> dict[str, Any]:
        return {
            "userid": self.userid,
            "status": self.status,
            "send_time": self.send_time,
            "declined": self.declined,
            "recipients": [
                {"target": r.target, "status": r.status, "send_time": r.send_time}
                for r in self.recipients.values()
            ],
        }


@dataclass(slots=True)
class GroupMsg:
    """One add_msg_template call (one msgid)."""

    msgid: str
    chat_type: str
    created_at: float
    seq: int
    text: str
    attachments: list[Any]
    allow_select: bool
    member_selects: bool
    """True when the member may pick the recipients at confirm (allow_select, or groups left to the owner)."""
    sender: str = ""
    creator: str = ""
    """Only messages made in the admin console carry a creator; API-made ones do not (93338)."""
    create_type: int = 0
    fail_list: list[str] = field(default_factory=list)
    tasks: dict[str, MemberTask] = field(default_factory=dict)
    cancelled_at: int = 0
    reminders: list[dict[str, Any]] = field(default_factory=list)

    @property
    def create_time(self) -> int:
        return int(self.created_at)

    def to_control(self) -> dict[str, Any]:
        return {
            "msgid": self.msgid,
            "chat_type": self.chat_type,
            "create_time": self.create_time,
            "sender": self.sender,
            "creator": self.creator,
            "create_type": self.create_type,
            "text": self.text,
            "attachments": self.attachments,
            "allow_select": self.allow_select,
            "member_selects": self.member_selects,
            "fail_list": list(self.fail_list),
            "cancelled_at": self.cancelled_at,
            "reminders": [dict(r) for r in self.reminders],
            "tasks": [t.to_control() for t in self.tasks.values()],
        }


@dataclass(slots=True)
class GroupMsgLog:
    """A corp's mass sends, the receipts the quota counts and the last interaction per customer."""

    msgs: dict[str, GroupMsg] = field(default_factory=dict)
    received: dict[str, list[int]] = field(default_factory=dict)
    """external_userid or chat_id -> times it received a mass message (status 1)."""
    last_interaction: dict[str, tuple[int, str]] = field(default_factory=dict)
    """external_userid -> (time, userid) of the member who last chatted with the customer."""

    def received_in(self, target: str, since: int) -> int:
        return sum(1 for t in self.received.get(target, ()) if t >= since)


def quota_window(mode: str, now: float) -> tuple[int, int]:
    """(start of the current period, how many messages a recipient may receive in it), China time."""
    if mode == "day_1":
        return day_start(now), 1
    today = day_start(now)
    local = datetime.fromtimestamp(today, UTC).astimezone(CHINA)
    if mode == "week_7":
        return today - local.weekday() * 86_400, 7
    if mode != "month_days":
        raise ValueError(f"unknown quota mode {mode!r}")
    first = today - (local.day - 1) * 86_400
    return first, calendar.monthrange(local.year, local.month)[1]


def deliver(log: GroupMsgLog, mode: str, recipient: Recipient, reachable: bool, now: int) -> None:
    """Settle one recipient at the member's send: not a friend (2), over the quota (3) or sent (1)."""
    if not reachable:
        recipient.status = NOT_FRIEND
        return
    start, limit = quota_window(mode, now)
    if log.received_in(recipient.target, start) >= limit:
        recipient.status = OVER_QUOTA
        return
    recipient.status = SENT
    recipient.send_time = now
    log.received.setdefault(recipient.target, []).append(now)


def reminders_in_window(msg: GroupMsg, now: float) -> int:
    return sum(1 for r in msg.reminders if now - r["time"] < REMIND_WINDOW_S)
