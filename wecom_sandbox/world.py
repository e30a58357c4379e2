"""In-memory model of many WeCom corps, guarded by one lock.

One re-entrant lock for the whole world keeps handlers simple and correct: every API or control
call holds it only while reading or mutating dicts (never while sleeping or sending callbacks),
so contention stays negligible even with parallel tests.  The records (records.py) use __slots__ so a
corp of 500 employees x 200 customers (100k relations) stays in the tens of megabytes.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .contact_history import ContactHistory
from .group_history import GroupHistory
from .groupmsgs import GroupMsgLog
from .js_tickets import TicketState
from .logins import LoginState
from .media import MediaState
from .moments import MomentLog
from .pacing import MessagePacing
from .records import (
    Customer,
    Employee,
    Fault,
    GroupChat,
    GroupMember,
    Relation,
    Tag,
    TagGroup,
    Transfer,
)
from .ways import ContactWay, GroupWelcomeTemplate, JoinWay, ScanStats
from .welcomes import WelcomeLog

__all__ = [
    "Corp",
    "Customer",
    "Employee",
    "Fault",
    "GroupChat",
    "GroupMember",
    "Relation",
    "Tag",
    "TagGroup",
    "Transfer",
    "World",
]


@dataclass(eq=False)
class Corp:
    """One simulated company (corp) with its credentials, settings and world state."""

    corp_id: str
    token: str
    aes_key: str
    secret: str
    agent_id: int
    callback_url: str = ""
    token_expires_in: int = 7200
    gettoken_expires_in: str = "remaining"
    """What a repeated gettoken's expires_in is while the token lives: "remaining" or "full" (tokens.py)."""
    callback_timeout_s: float = 5.0
    callback_retry_delays: list[float] = field(default_factory=lambda: [1.0, 2.0, 4.0])
    callback_retry_on_status: bool = False
    """WeCom retries only on a connection failure or a timeout (90930 §3.2); True also retries a non-200
    answer, for tests of the older (wrong) assumption."""
    rate_limit_per_min: int | None = None
    rate_limit_per_hour: int | None = None
    group_member_limit: int = 200
    """Members a customer group holds before a join-way scan moves on to the next group."""
    groupmsg_quota: str = "month_days"
    """Mass messages a customer/group may receive: month_days (WeCom's default), week_7 or day_1."""
    groupmsg_dispatch_s: float = 2.0
    """World seconds after add_msg_template during which its results answer 41063 (dispatching)."""
    moment_job_s: float = 2.0
    """World seconds an add_moment_task job runs (status 1 for the first half, 2 for the second, then 3)."""
    medical_industry: bool = False
    """Temporary contact ways (is_temp, 96348) are for medical-industry corps only."""
    rng: random.Random = field(default_factory=random.Random)
    employees: dict[str, Employee] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    relations_by_user: dict[str, dict[str, Relation]] = field(default_factory=dict)
    relations_by_customer: dict[str, dict[str, Relation]] = field(default_factory=dict)
    tag_groups: dict[str, TagGroup] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)
    groups: dict[str, GroupChat] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    """access token -> expiry (world clock); invalidated tokens are removed (40014), expired ones kept (42001)."""
    revoked_tokens: dict[str, float] = field(default_factory=dict)
    """Tokens invalidated early (control tokens/invalidate) -> when: they answer 40014, under this corp."""
    current_token: str = ""
    """The token a repeated gettoken hands out again while it lives (91039)."""
    faults: list[Fault] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    welcomes: WelcomeLog = field(default_factory=WelcomeLog)
    contact_ways: dict[str, ContactWay] = field(default_factory=dict)
    live_temp_ways: int = 0
    """Temporary ways among contact_ways (they do not count towards the 500,000 cap)."""
    temp_ways_by_day: dict[int, int] = field(default_factory=dict)
    """China day start -> temporary ways created that day (100,000 a day)."""
    join_ways: dict[str, JoinWay] = field(default_factory=dict)
    group_welcome_templates: dict[str, GroupWelcomeTemplate] = field(default_factory=dict)
    scan_stats: ScanStats = field(default_factory=ScanStats)
    callbacks: dict[int, Any] = field(default_factory=dict)
    rate_usage: dict[str, Any] = field(default_factory=dict)
    transfers: list[Transfer] = field(default_factory=list)
    """Customer handovers (在职 and 离职), oldest first; transfers.py settles waiting ones lazily."""
    takers_at_limit: set[str] = field(default_factory=set)
    departed: dict[str, int] = field(default_factory=dict)
    """userid -> dimission time of deleted employees (their relations wait for 离职继承)."""
    group_transfers: list[dict[str, Any]] = field(default_factory=list)
    """{chat_id, old_owner, new_owner, kind, time} of each group handover that succeeded."""
    group_inherits: dict[str, tuple[str, float]] = field(default_factory=dict)
    """chat_id -> (new owner, when it completes) of resigned group handovers in status 2 (离职继承中)."""
    """path -> ratelimit.Usage: calls admitted in the current minute/hour windows."""
    pacing: MessagePacing = field(default_factory=MessagePacing)
    """message/send deliveries per member (30/min, 1000/h) and contents for the duplicate check."""
    contact_history: ContactHistory = field(default_factory=ContactHistory)
    """Relations gained and lost per member and day (get_user_behavior_data)."""
    group_history: GroupHistory = field(default_factory=GroupHistory)
    """Group creations, joins, quits, owner changes, dismissals (groupchat/statistic)."""
    groupmsgs: GroupMsgLog = field(default_factory=GroupMsgLog)
    """Enterprise mass sends (add_msg_template), quota receipts and last interactions."""
    login: LoginState = field(default_factory=LoginState)
    js_tickets: TicketState = field(default_factory=TicketState)
    """Apps, their trusted domains and the staff-login codes they issued (logins.py)."""
    media: MediaState = field(default_factory=MediaState)
    """Temporary media uploaded (media/upload), valid 3 days on the world clock (media.py)."""
    moments: MomentLog = field(default_factory=MomentLog)
    """Enterprise moments (add_moment_task): jobs, moments, each member's post (moments.py)."""
    _seq: int = 0

    def next_seq(self) -> int:
        """Monotonic per-corp counter: orders relations and groups so cursors stay stable."""
        self._seq += 1
        return self._seq

    def config(self) -> dict[str, Any]:
        return {
            "corp_id": self.corp_id,
            "token": self.token,
            "aes_key": self.aes_key,
            "secret": self.secret,
            "agent_id": self.agent_id,
            "callback_url": self.callback_url,
            "token_expires_in": self.token_expires_in,
            "gettoken_expires_in": self.gettoken_expires_in,
            "callback_timeout_s": self.callback_timeout_s,
            "callback_retry_delays": list(self.callback_retry_delays),
            "callback_retry_on_status": self.callback_retry_on_status,
            "rate_limit_per_min": self.rate_limit_per_min,
            "rate_limit_per_hour": self.rate_limit_per_hour,
            "group_member_limit": self.group_member_limit,
            "groupmsg_quota": self.groupmsg_quota,
            "groupmsg_dispatch_s": self.groupmsg_dispatch_s,
            "moment_job_s": self.moment_job_s,
            "medical_industry": self.medical_industry,
        }

    def counts(self) -> dict[str, int]:
        return {
            "employees": len(self.employees),
            "customers": len(self.customers),
            "relations": sum(len(r) for r in self.relations_by_user.values()),
            "tag_groups": len(self.tag_groups),
            "tags": len(self.tags),
            "groups": len(self.groups),
        }

    # --- relations -------------------------------------------------------------------------
    def relation(self, userid: str, external_userid: str) -> Relation | None:
        return self.relations_by_user.get(userid, {}).get(external_userid)

    def add_relation(self, rel: Relation) -> None:
        self.relations_by_user.setdefault(rel.userid, {})[rel.external_userid] = rel
        self.relations_by_customer.setdefault(rel.external_userid, {})[rel.userid] = rel

    def remove_relation(self, userid: str, external_userid: str) -> Relation | None:
        rel = self.relations_by_user.get(userid, {}).pop(external_userid, None)
        if rel is not None:
            by_customer = self.relations_by_customer.get(external_userid, {})
            by_customer.pop(userid, None)
            if not by_customer:
                self.relations_by_customer.pop(external_userid, None)
            if not self.relations_by_user.get(userid):
                self.relations_by_user.pop(userid, None)
        return rel

    def customer_relations(self, external_userid: str) -> list[Relation]:
        """Relations of one customer, oldest first (the order follow_user is paged in)."""
        return sorted(self.relations_by_customer.get(external_userid, {}).values(), key=lambda r: r.seq)

    def user_relations(self, userid: str) -> Iterator[Relation]:
        """Relations of one employee in creation order (dict insertion order == seq order)."""
        return iter(self.relations_by_user.get(userid, {}).values())

    # --- tags -----------------------------------------------------------------------------
    def tag_or_group(self, some_id: str) -> Tag | TagGroup | None:
        return self.tags.get(some_id) or self.tag_groups.get(some_id)

    def remove_tag(self, tag_id: str) -> Tag | None:
        """Remove a tag; relations keep the dangling id and readers skip it (cheaper than a scan)."""
        tag = self.tags.pop(tag_id, None)
        if tag is not None:
            group = self.tag_groups.get(tag.group_id)
            if group is not None:
                group.tags.pop(tag_id, None)
        return tag

    def remove_tag_group(self, group_id: str) -> TagGroup | None:
        group = self.tag_groups.pop(group_id, None)
        if group is not None:
            for tid in group.tags:
                self.tags.pop(tid, None)
        return group

    # --- groups ---------------------------------------------------------------------------
    def bump_member_version(self, chat: GroupChat) -> tuple[str, str]:
        """Give the group a new member_version (32 hex chars like WeCom's); return (old, new)."""
        old = chat.member_version
        chat.member_version = f"{self.rng.getrandbits(128):032x}"
        return old, chat.member_version


class World:
    """All corps plus the global access-token index; `lock` guards everything inside.

    The world clock is `clock()` plus `offset`.  Every expiry (tokens, welcome codes) and every
    timestamp the sandbox hands out (CreateTime, envelope timestamps, recorded calls) reads it, so
    a test can make 20 s or 24 h pass at once with advance() instead of sleeping.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.offset = 0.0
        self.corps: dict[str, Corp] = {}
        self.token_index: dict[str, str] = {}
        self._fault_ids = 0

    def now(self) -> float:
        return self.clock() + self.offset

    def now_int(self) -> int:
        return int(self.now())

    def advance(self, seconds: float) -> float:
        """Move the world clock forward (never back: expiries must stay monotonic); returns now()."""
        if seconds < 0:
            raise ValueError("the world clock only moves forward")
        with self.lock:
            self.offset += seconds
            return self.now()

    def corp(self, corp_id: str) -> Corp | None:
        return self.corps.get(corp_id)

    def add_corp(self, corp: Corp) -> None:
        self.corps[corp.corp_id] = corp

    def delete_corp(self, corp_id: str) -> Corp | None:
        corp = self.corps.pop(corp_id, None)
        if corp is not None:
            for token in [*corp.tokens, *corp.revoked_tokens]:
                self.token_index.pop(token, None)
        return corp

    def next_fault_id(self) -> int:
        self._fault_ids += 1
        return self._fault_ids
