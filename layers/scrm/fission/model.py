"""A fission campaign and an inviter as aggregates, with the transitions that move them. Pure: no storage,
no WeCom.

A campaign goes ``draft → active → ended``; ending leaves ``ways_left`` True until every inviter's contact
way is deleted in WeCom (a resumable clean-up: WeCom's 500,000 ways a corp are shared with every code).

An inviter is one existing customer of the corp in one campaign: their contact way (made lazily, on their
first poster request, under the ``calling`` fence as mass sends' parts are), the friends they brought (each
``pending`` until K days passed, then ``confirmed``, or ``lost`` when the friend deleted the member before)
and their reward (``calling`` → ``sent``; ``pool_empty`` when no coupon code was left: the inviter is told,
and waits for the next upload: ``pool_empty`` → ``calling`` → ``sent`` with the code then).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Self

from scrm.kernel.errors import Conflict, InvalidInput

DRAFT, ACTIVE, ENDED = "draft", "active", "ended"
PENDING, CONFIRMED, LOST = "pending", "confirmed", "lost"
LEASE_S = 120  # a calling mark older than this belongs to a worker that died
STATE_PREFIX = "fi:"
COLOR_RE = re.compile(r"#[0-9a-fA-F]{6}")
MAX_MEMBERS = 100  # a contact way's user list (add_contact_way: at most 100 members)
MAX_FRIENDS_KEPT = 5000  # friends listed on one inviter's item (their counters go on past it)


def inviter_key(external_userid: str) -> str:
    """A short, stable key of a customer within a corp: 10 base32 characters of SHA-256 (50 bits; a
    collision among a campaign's inviters is one in 10^6 at 30,000 inviters and is refused, not merged)."""
    import base64

    return base64.b32encode(hashlib.sha256(external_userid.encode()).digest()).decode()[:10].lower()


def state_of(campaign_id: str, key: str) -> str:
    """The contact way's state: ``fi:<campaign>:<inviter key>`` (3 + 8 + 1 + 10 = 22 ≤ WeCom's 30)."""
    return f"{STATE_PREFIX}{campaign_id}:{key}"


def parse_state(state: str) -> tuple[str, str] | None:
    """(campaign id, inviter key) of a fission state, None for any other state."""
    if not state.startswith(STATE_PREFIX):
        return None
    parts = state[len(STATE_PREFIX) :].split(":")
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


@dataclass(frozen=True)
class Spot:
    """Where something goes on the poster: its top-left corner and size in pixels (text: the font's size)."""

    x: int
    y: int
    size: int
    color: str = "#000000"

    @classmethod
    def parse(cls, value: Any, field_name: str, width: int, height: int) -> Spot:
        if not isinstance(value, Mapping):
            raise InvalidInput(field_name, f"{field_name}: an object with x, y, size")
        out: dict[str, Any] = {}
        for name in ("x", "y", "size"):
            v = value.get(name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise InvalidInput(f"{field_name}.{name}", f"{field_name}.{name}: a whole number of pixels ≥ 0")
            out[name] = v
        if out["size"] < 8:
            raise InvalidInput(f"{field_name}.size", f"{field_name}.size: at least 8 pixels")
        if out["x"] >= width or out["y"] >= height:
            raise InvalidInput(f"{field_name}.x", f"{field_name}: must lie on the {width}×{height} poster")
        color = value.get("color", "#000000")
        if not isinstance(color, str) or not COLOR_RE.fullmatch(color):
            raise InvalidInput(f"{field_name}.color", f"{field_name}.color: #rrggbb")
        return cls(out["x"], out["y"], out["size"], color)


@dataclass
class Campaign:
    campaign_id: str
    name: str
    background: str  # a corp-wide image material of the content library
    width: int
    height: int
    name_spot: Spot
    avatar_spot: Spot
    qr_spot: Spot
    threshold: int  # N friends
    keep_days: int  # K days each must stay
    reward_text: str  # with {code} where the coupon code goes
    members: tuple[str, ...]
    start_at: int
    end_at: int
    status: str = DRAFT
    created_at: int = 0
    created_by: str = ""
    ended_at: int = 0
    ways_left: bool = False  # ended, with inviters' contact ways still to delete in WeCom
    pool_size: int = 0  # codes uploaded (drawn ones included)
    pool_alerted: bool = False  # the pool ran out and the admins were told; cleared by an upload that adds codes
    pool_refilled_at: int = 0  # the last upload that added codes after a run-out: a later run-out is a new notice
    version: int = 0

    # transitions -------------------------------------------------------------------------------
    def activate(self, now: int) -> None:
        if self.status != DRAFT:
            raise Conflict(f"campaign is {self.status}: only a draft can be activated", "status")
        if self.end_at <= now:
            raise InvalidInput("end_at", "end_at: the campaign's end has passed")
        self.status = ACTIVE

    def end(self, now: int) -> bool:
        """False when it had ended already (a repeated end changes nothing)."""
        if self.status == ENDED:
            return False
        self.status, self.ended_at, self.ways_left = ENDED, now, True
        return True

    def running(self, now: int) -> bool:
        """Counting and posters: active and within its start and end."""
        return self.status == ACTIVE and self.start_at <= now < self.end_at

    def confirm_after_s(self) -> int:
        return self.keep_days * 86_400

    def reward(self, code: str) -> str:
        return self.reward_text.replace("{code}", code)

    # storage ------------------------------------------------------------------------------------
    def to_item(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "version"}
        for name in ("name_spot", "avatar_spot", "qr_spot"):
            data[name] = asdict(data[name])
        data["members"] = list(self.members)
        return data

    @classmethod
    def from_item(cls, data: Mapping[str, Any], version: int) -> Self:
        names = {f.name for f in fields(cls)} - {"version"}
        values = {k: v for k, v in data.items() if k in names}
        for name in ("name_spot", "avatar_spot", "qr_spot"):
            values[name] = Spot(**values[name])
        values["members"] = tuple(values.get("members") or ())
        for name in ("width", "height", "threshold", "keep_days", "start_at", "end_at", "created_at",
                     "ended_at", "pool_size", "pool_refilled_at"):  # fmt: skip
            values[name] = int(values.get(name) or 0)
        return cls(**values, version=version)

    def shown(self) -> dict[str, Any]:
        return {**self.to_item(), "version": self.version}


@dataclass
class Inviter:
    campaign_id: str
    key: str
    external_userid: str
    name: str = ""
    state: str = ""
    config_id: str = ""
    qr_code: str = ""
    calling: int = 0  # when a worker began add_contact_way (0: nobody is calling)
    way_deleted: bool = False
    friends: dict[str, dict[str, Any]] = field(default_factory=dict)  # friend → {at, userid, state}
    pending: int = 0
    confirmed: int = 0
    lost: int = 0
    reward_state: str = ""  # "", calling, sent, pool_empty, failed
    reward_calling: int = 0
    reward_code: str = ""
    reward_msgid: str = ""
    reward_member: str = ""
    reward_error: str = ""
    created_at: int = 0
    version: int = 0

    # the contact way's fence ------------------------------------------------------------------
    def begin_call(self, now: int) -> bool:
        """Take the fence before add_contact_way: False when the way exists or a live mark is held."""
        if self.config_id or (self.calling and now - self.calling < LEASE_S):
            return False
        self.calling = now
        return True

    def stale_mark(self) -> int:
        """The time of a dead worker's mark this worker just replaced (its call may have made a way)."""
        return self.calling

    def made(self, config_id: str, qr_code: str) -> None:
        self.config_id, self.qr_code, self.calling = config_id, qr_code, 0

    # counting ---------------------------------------------------------------------------------
    def credit(self, friend: str, userid: str, at: int) -> bool:
        """A friend who came through the way: False when already counted here (a redelivery)."""
        if friend in self.friends:
            return False
        if len(self.friends) < MAX_FRIENDS_KEPT:
            self.friends[friend] = {"at": at, "userid": userid, "state": PENDING}
        self.pending += 1
        return True

    def uncredit(self, friend: str) -> bool:
        """The friend left within K days: pending → lost; False when not pending here."""
        entry = self.friends.get(friend)
        if entry is None or entry.get("state") != PENDING:
            return False
        entry["state"] = LOST
        self.pending -= 1
        self.lost += 1
        return True

    def confirm_due(self, now: int, keep_s: int) -> list[str]:
        """Pending friends who stayed K days, confirmed now."""
        done = []
        for friend, entry in self.friends.items():
            if entry.get("state") == PENDING and int(entry.get("at") or 0) + keep_s <= now:
                entry["state"] = CONFIRMED
                done.append(friend)
        self.pending -= len(done)
        self.confirmed += len(done)
        return done

    def next_due(self, keep_s: int) -> int:
        """When the next pending friend is due (0: none pending)."""
        due = [int(e.get("at") or 0) + keep_s for e in self.friends.values() if e.get("state") == PENDING]
        return min(due) if due else 0

    # the reward's fence -------------------------------------------------------------------------
    def earned(self, threshold: int) -> bool:
        return self.confirmed >= threshold

    def begin_reward(self, now: int, code: str) -> bool:
        """Take the reward's fence: False once sent, once told the pool was empty (until a code is there for
        them: then the code goes out), or while a live mark holds."""
        if self.reward_state == "sent" or (self.reward_state == "pool_empty" and not code):
            return False
        if self.reward_state == "calling" and now - self.reward_calling < LEASE_S:
            return False
        self.reward_state, self.reward_calling, self.reward_code = "calling", now, code
        return True

    def rewarded(self, state: str, msgid: str = "", member: str = "", error: str = "") -> None:
        self.reward_state, self.reward_calling = state, 0
        self.reward_msgid, self.reward_member, self.reward_error = msgid, member, error

    # storage ------------------------------------------------------------------------------------
    def to_item(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "version"}

    @classmethod
    def from_item(cls, data: Mapping[str, Any], version: int) -> Self:
        names = {f.name for f in fields(cls)} - {"version"}
        values = {k: v for k, v in data.items() if k in names}
        for name in ("calling", "pending", "confirmed", "lost", "reward_calling", "created_at"):
            values[name] = int(values.get(name) or 0)
        values["friends"] = {k: dict(v) for k, v in (values.get("friends") or {}).items()}
        return cls(**values, version=version)

    def progress(self, campaign: Campaign) -> dict[str, Any]:
        """What the inviter's page shows (no friend's id: the page is the inviter's, reached by a link)."""
        return {
            "campaign_id": campaign.campaign_id,
            "campaign": campaign.name,
            "status": campaign.status,
            "threshold": campaign.threshold,
            "keep_days": campaign.keep_days,
            "end_at": campaign.end_at,
            "pending": self.pending,
            "confirmed": self.confirmed,
            "lost": self.lost,
            "reward": {"": "not_yet", "calling": "sending"}.get(self.reward_state, self.reward_state),
        }
