"""Fakes of the console-login ports (scrm.staff_auth.ports), checked against them by test_fakes.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from scrm.kernel.wecom_error import WeComError
from scrm.staff_auth.model import RoleGrant, Session
from scrm.staff_auth.ports import LoginIdentity


class FakeRoles:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], RoleGrant] = {}

    def role(self, corp_id: str, userid: str) -> RoleGrant | None:
        return self.items.get((corp_id, userid))

    def roles(self, corp_id: str) -> list[RoleGrant]:
        return [g for (c, _), g in self.items.items() if c == corp_id]

    def put_role(self, grant: RoleGrant) -> None:
        self.items[(grant.corp_id, grant.userid)] = grant

    def delete_role(self, corp_id: str, userid: str) -> bool:
        return self.items.pop((corp_id, userid), None) is not None


class FakeSessions:
    def __init__(self) -> None:
        self.items: dict[str, Session] = {}
        self.touches = 0

    def save_session(self, session: Session) -> None:
        assert session.key not in self.items
        self.items[session.key] = session

    def session(self, key: str) -> Session | None:
        return self.items.get(key)

    def touch_session(self, key: str, last_seen: int) -> None:
        self.touches += 1
        if key in self.items and self.items[key].last_seen < last_seen:
            self.items[key] = self.items[key].seen(last_seen)

    def delete_session(self, key: str) -> None:
        self.items.pop(key, None)


@dataclass
class FakeLoginWeCom:
    """Codes → who confirmed; a code works once (40029 after), as WeCom's do."""

    codes: dict[str, LoginIdentity] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    fail: int | None = None

    def login_identity(self, code: str) -> LoginIdentity:
        if self.fail is not None:
            raise WeComError(self.fail, "refused", "auth/getuserinfo")
        if code not in self.codes or code in self.used:
            raise WeComError(40029, "invalid code", "auth/getuserinfo")
        self.used.add(code)
        return self.codes[code]


@dataclass
class FakeMembers:
    names: dict[tuple[str, str], str] = field(default_factory=dict)

    def member_name(self, corp_id: str, userid: str) -> str | None:
        return self.names.get((corp_id, userid))
