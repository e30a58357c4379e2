"""Per-employee, per-day counts of customer relations gained and lost (get_user_behavior_data).

WeCom's 「联系客户统计」 (92132) reports, per China day, how many customers the given members
gained (new_contact_cnt), how many of those they asked for themselves (new_apply_cnt) and how many
customers deleted or blocked them (negative_feedback_cnt).  The sandbox counts those as relations
change (seed, customers/add, scans, handovers, deletions), keyed by (userid, day): a counter
bump per change keeps a corp of 100k relations cheap, and answering a 30-day query reads at most
30 x 100 keys.  Losses the API does not report (the member deleted the customer, or the customer
was handed over) are counted too, for control reads.

Chat activity (chat_cnt, message_cnt, reply_percentage, avg_reply_time) is not simulated: it is
zero unless a test sets it for a member-day with POST /control/corps/{corp}/stats/activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .days import day_start

COUNTERS = ("new_contact", "new_apply", "negative_feedback", "deleted_by_employee", "transferred_out")
_INDEX = {name: i for i, name in enumerate(COUNTERS)}


@dataclass(slots=True)
class Activity:
    """Single-chat activity of one member on one day, as a test declared it."""

    chat_cnt: int = 0
    message_cnt: int = 0
    reply_percentage: float = 0.0
    avg_reply_time: int = 0


@dataclass
class ContactHistory:
    counts: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    activity: dict[tuple[str, int], Activity] = field(default_factory=dict)

    def bump(self, userid: str, when: float, counter: str) -> None:
        key = (userid, day_start(when))
        row = self.counts.get(key)
        if row is None:
            row = self.counts[key] = [0] * len(COUNTERS)
        row[_INDEX[counter]] += 1

    def gained(self, userid: str, when: float, *, applied: bool) -> None:
        """A relation userid -> customer started; applied: the member sent the friend request."""
        self.bump(userid, when, "new_contact")
        if applied:
            self.bump(userid, when, "new_apply")

    def day(self, userid: str, day: int) -> dict[str, int]:
        row = self.counts.get((userid, day))
        return dict(zip(COUNTERS, row or [0] * len(COUNTERS), strict=True))

    def behavior(self, userids: list[str], day: int) -> dict[str, Any]:
        """One behavior_data entry: the day's figures summed over the members.

        reply_percentage and avg_reply_time are averages weighted by each member's chat_cnt, so
        several members aggregate as one team would.
        """
        totals = [0] * len(COUNTERS)
        chats = messages = 0
        reply_weighted = 0.0
        time_weighted = 0
        for userid in userids:
            row = self.counts.get((userid, day))
            if row is not None:
                totals = [a + b for a, b in zip(totals, row, strict=True)]
            act = self.activity.get((userid, day))
            if act is not None:
                chats += act.chat_cnt
                messages += act.message_cnt
                reply_weighted += act.reply_percentage * act.chat_cnt
                time_weighted += act.avg_reply_time * act.chat_cnt
        return {
            "stat_time": day,
            "chat_cnt": chats,
            "message_cnt": messages,
            "reply_percentage": round(reply_weighted / chats, 2) if chats else 0,
            "avg_reply_time": round(time_weighted / chats) if chats else 0,
            "negative_feedback_cnt": totals[_INDEX["negative_feedback"]],
            "new_apply_cnt": totals[_INDEX["new_apply"]],
            "new_contact_cnt": totals[_INDEX["new_contact"]],
        }
