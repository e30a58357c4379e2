"""Who may use the console and as what, and what a session is: pure rules, no I/O.

Roles (a per-corp table, granted to WeCom members):
- ``viewer`` reads everything a corp's API serves;
- ``operator`` also runs the work: channel and group codes, mass sends, SOPs, transfers, syncs, tag and
  customer edits;
- ``admin`` also the corp's settings and who may do what (roles; API keys stay an operator command).
A route declares the least role it needs; a write needs ``operator`` unless it says more.

The sidebar (issue 19) logs in any active member through WeCom's OAuth (91022) into a session of its own
kind (``SIDEBAR``): it calls only the sidebar's routes, acting as that member; a console role, if the member
has one, only widens what the member may read there (an admin reads the corp's customers, others their own).

A session lives at most ``ABSOLUTE_S`` (8 h, a working day) from login and ends after ``IDLE_S`` (2 h)
without a request; the last-seen time is written at most every ``TOUCH_S`` so that reads stay reads.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from enum import StrEnum

ABSOLUTE_S = 8 * 3600
IDLE_S = 2 * 3600
TOUCH_S = 300
SESSION_ID_RE = re.compile(r"[A-Za-z0-9_-]{43}")
USERID_MAX = 64  # WeCom userids are 1..64 characters
CODE_MAX = 512  # WeCom's login codes are at most 512 bytes (91023)
CONSOLE, SIDEBAR = "console", "sidebar"  # a session's kind: the cookie it travels in and the routes it may call


class StaffRole(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {StaffRole.VIEWER: 0, StaffRole.OPERATOR: 1, StaffRole.ADMIN: 2}


def parse_role(value: object) -> StaffRole:
    """A role from input; ValueError naming the roles for anything else."""
    try:
        return StaffRole(str(value))
    except ValueError:
        raise ValueError(f"role must be one of {', '.join(r.value for r in StaffRole)}") from None


def least_role(write: bool, declared: StaffRole | None = None) -> StaffRole:
    """The least role a route needs: what it declares, else operator for a write and viewer for a read."""
    if declared is not None:
        return declared
    return StaffRole.OPERATOR if write else StaffRole.VIEWER


def allows(role: StaffRole, write: bool, declared: StaffRole | None = None) -> bool:
    return role.rank >= least_role(write, declared).rank


@dataclass(frozen=True)
class Session:
    """A console session. Only the SHA-256 of its id is stored (``key``): the id travels in the cookie
    alone. ``csrf`` is the token every write must echo in the X-CSRF-Token header."""

    key: str
    corp_id: str
    userid: str
    name: str
    role: StaffRole | None  # None: a sidebar session of a member without a console role
    csrf: str
    created_at: int
    last_seen: int
    kind: str = CONSOLE

    @property
    def expires_at(self) -> int:
        """The absolute end (the table's TTL); idleness may end it sooner (``live``)."""
        return self.created_at + ABSOLUTE_S

    def ends_at(self) -> int:
        return min(self.expires_at, self.last_seen + IDLE_S)

    def live(self, now: float) -> bool:
        return now < self.ends_at()

    def due_touch(self, now: float) -> bool:
        return now - self.last_seen >= TOUCH_S

    def seen(self, now: float) -> Session:
        return replace(self, last_seen=int(now))

    def csrf_matches(self, header: str | None) -> bool:
        return bool(header) and hmac.compare_digest(self.csrf.encode(), str(header).encode())


def session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def well_formed(session_id: str) -> bool:
    return SESSION_ID_RE.fullmatch(session_id) is not None


def open_session(
    corp_id: str, userid: str, name: str, role: StaffRole | None, now: float, kind: str = CONSOLE
) -> tuple[str, Session]:
    """(the id for the cookie, shown once; the session to store)."""
    session_id = secrets.token_urlsafe(32)
    session = Session(session_key(session_id), corp_id, userid, name, role, secrets.token_urlsafe(24),
                      int(now), int(now), kind)  # fmt: skip
    return session_id, session


@dataclass(frozen=True)
class StaffPrincipal:
    """The caller of an admin request made with a session cookie: the member, their corp and their role
    now (read on every request, so a changed or revoked role applies at once)."""

    corp_id: str
    userid: str
    name: str
    role: StaffRole
    session: Session

    @property
    def key_id(self) -> str:
        """What the per-caller request limit counts under (an API key's id for key callers)."""
        return f"staff:{self.corp_id}:{self.userid}"

    @property
    def can_write(self) -> bool:
        return allows(self.role, write=True)


@dataclass(frozen=True)
class MemberPrincipal:
    """The caller of a sidebar request: a member acting in a chat. ``role`` is their console role now, if
    any: an admin reads every customer of the corp, anyone else only the customers they serve."""

    corp_id: str
    userid: str
    name: str
    role: StaffRole | None
    session: Session

    @property
    def key_id(self) -> str:
        return f"member:{self.corp_id}:{self.userid}"

    @property
    def corp_wide(self) -> bool:
        return self.role is StaffRole.ADMIN


@dataclass(frozen=True)
class RoleGrant:
    corp_id: str
    userid: str
    role: StaffRole
    granted_at: int
    granted_by: str

    def as_dict(self) -> dict[str, object]:
        return {"userid": self.userid, "role": self.role.value, "granted_at": self.granted_at,
                "granted_by": self.granted_by}  # fmt: skip
