"""A time-ordered log of customer-group changes, replayed to answer groupchat/statistic (92133).

WeCom's 「群聊数据统计」 reports per owner and per China day: new groups (new_chat_cnt), groups
owned at the end of the day (chat_total), members who joined that day (new_member_cnt) and
members at the end of the day (member_total).  Those totals depend on every creation, join, quit,
owner change and dismissal before the day, so the sandbox appends one small entry per change
(seed, groups/create|update|dismiss, join-way scans, group handovers) and replays the log up to
the last asked day.  Changes may be back-dated (create_time, seeds), so the log is sorted by time
on the first read after a write; replay costs one pass over the log, which stays far below a
second for the largest seeded corps.

Counting rules (documented in docs/sandbox.md): the owner and the members a group is created with
join on its creation day; members of a dismissed group leave member_total with it; quits are kept
(`quit`) for control reads although the API does not report them; a group's new members count
for the owner it had when they joined.  Message figures (chat_has_msg, member_has_msg, msg_total)
are 0: the sandbox does not simulate group chat, and migrate_trainee_chat_cnt (教培 only) is 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .days import DAY_S, day_start

KINDS = ("create", "join", "quit", "owner", "dismiss")


@dataclass(slots=True)
class DayFigures:
    new_chat: int = 0
    new_member: int = 0
    quit_member: int = 0
    dismissed: int = 0
    chat_total: int = 0
    member_total: int = 0

    def add_new(self, other: DayFigures) -> None:
        self.new_chat += other.new_chat
        self.new_member += other.new_member
        self.quit_member += other.quit_member
        self.dismissed += other.dismissed

    def to_api(self) -> dict[str, int]:
        return {
            "new_chat_cnt": self.new_chat,
            "chat_total": self.chat_total,
            "chat_has_msg": 0,
            "new_member_cnt": self.new_member,
            "member_total": self.member_total,
            "member_has_msg": 0,
            "msg_total": 0,
            "migrate_trainee_chat_cnt": 0,
        }

    def to_control(self) -> dict[str, int]:
        return {
            "new_chat": self.new_chat,
            "chat_total": self.chat_total,
            "new_member": self.new_member,
            "quit_member": self.quit_member,
            "member_total": self.member_total,
            "dismissed": self.dismissed,
        }


@dataclass
class GroupHistory:
    entries: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    """(time, order, kind, chat_id, userid): userid is the owner (create, owner) or the member."""
    _sorted: bool = True

    def record(self, when: int, kind: str, chat_id: str, userid: str = "") -> None:
        if self.entries and when < self.entries[-1][0]:
            self._sorted = False
        self.entries.append((int(when), len(self.entries), kind, chat_id, userid))

    def created(self, when: int, chat_id: str, owner: str, members: Iterable[str]) -> None:
        """A group and its first members (the owner first) appeared at `when`."""
        self.record(when, "create", chat_id, owner)
        for member in members:
            self.record(when, "join", chat_id, member)

    def _ordered(self) -> list[tuple[int, int, str, str, str]]:
        if not self._sorted:
            self.entries.sort()
            self._sorted = True
        return self.entries

    def replay(self, first_day: int, last_day: int) -> dict[int, dict[str, DayFigures]]:
        """Figures per day in [first_day, last_day] per owner (only owners with any figure)."""
        run = _Replay(first_day, last_day)
        end = last_day + DAY_S
        for when, _order, kind, chat_id, userid in self._ordered():
            if when >= end:
                break
            if when >= first_day:
                run.close_days_until(day_start(when))
            run.apply(kind, chat_id, userid, counting=when >= first_day)
        run.close_days_until(end)
        return run.out


class _Replay:
    """The state of one replay: who owns which group, its members, per-owner totals, the open day."""

    def __init__(self, first_day: int, last_day: int) -> None:
        self.day = first_day
        self.last_day = last_day
        self.owner_of: dict[str, str] = {}
        self.members: dict[str, set[str]] = {}
        self.chats: defaultdict[str, int] = defaultdict(int)
        self.heads: defaultdict[str, int] = defaultdict(int)
        self.out: dict[int, dict[str, DayFigures]] = {}
        self.current: defaultdict[str, DayFigures] = defaultdict(DayFigures)

    def close_days_until(self, limit: int) -> None:
        """Snapshot every day before `limit` (totals as of its end) and start the next one."""
        while self.day < limit and self.day <= self.last_day:
            snapshot: dict[str, DayFigures] = {}
            for owner in set(self.current) | {o for o, n in self.chats.items() if n}:
                fig = self.current.get(owner) or DayFigures()
                fig.chat_total, fig.member_total = self.chats[owner], self.heads[owner]
                snapshot[owner] = fig
            self.out[self.day] = snapshot
            self.current = defaultdict(DayFigures)
            self.day += DAY_S

    def apply(self, kind: str, chat_id: str, userid: str, *, counting: bool) -> None:
        if kind == "create":
            self.owner_of[chat_id] = userid
            self.members[chat_id] = set()
            self.chats[userid] += 1
            if counting:
                self.current[userid].new_chat += 1
            return
        owner = self.owner_of.get(chat_id)
        if owner is None:
            return  # a change to a group created outside the log's knowledge
        group = self.members[chat_id]
        if kind == "join" and userid not in group:
            group.add(userid)
            self.heads[owner] += 1
            if counting:
                self.current[owner].new_member += 1
        elif kind == "quit" and userid in group:
            group.discard(userid)
            self.heads[owner] -= 1
            if counting:
                self.current[owner].quit_member += 1
        elif kind == "owner" and userid != owner:
            self._change_owner(chat_id, owner, userid, len(group))
        elif kind == "dismiss":
            self.chats[owner] -= 1
            self.heads[owner] -= len(group)
            del self.owner_of[chat_id], self.members[chat_id]
            if counting:
                self.current[owner].dismissed += 1

    def _change_owner(self, chat_id: str, old: str, new: str, size: int) -> None:
        self.owner_of[chat_id] = new
        self.chats[old] -= 1
        self.heads[old] -= size
        self.chats[new] += 1
        self.heads[new] += size


def owner_figures(
    per_day: dict[int, dict[str, DayFigures]], owners: Iterable[str], last_day: int
) -> dict[str, DayFigures]:
    """statistic's by-owner view: new figures summed over the days, totals as of the last day."""
    out: dict[str, DayFigures] = {}
    for owner in owners:
        fig = DayFigures()
        seen = False
        for figures in per_day.values():
            day_fig = figures.get(owner)
            if day_fig is not None:
                fig.add_new(day_fig)
                seen = True
        last = per_day.get(last_day, {}).get(owner)
        if last is not None:
            fig.chat_total, fig.member_total = last.chat_total, last.member_total
        if seen:
            out[owner] = fig
    return out


def day_figures(per_day: dict[int, dict[str, DayFigures]], owners: set[str], day: int) -> dict[str, Any]:
    """statistic_group_by_day's view of one day: every figure summed over the owners."""
    fig = DayFigures()
    for owner, day_fig in per_day.get(day, {}).items():
        if owner in owners:
            fig.add_new(day_fig)
            fig.chat_total += day_fig.chat_total
            fig.member_total += day_fig.member_total
    return {"stat_time": day, "data": fig.to_api()}
