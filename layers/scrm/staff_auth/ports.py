"""What console login needs from the tables and from WeCom. The DynamoDB adapters are repository.py, the
WeCom call is wecom.py (mixed into the shared gateway); tests/unit/staff_auth_fakes.py fakes each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from scrm.staff_auth.model import RoleGrant, Session, StaffRole


@dataclass(frozen=True)
class LoginIdentity:
    """WeCom's answer to a login code: a member's userid, or a non-member's openid."""

    userid: str = ""
    openid: str = ""


class RoleRepo(Protocol):
    """The per-corp role table: one role per member."""

    def role(self, corp_id: str, userid: str) -> RoleGrant | None: ...

    def roles(self, corp_id: str) -> list[RoleGrant]: ...

    def put_role(self, grant: RoleGrant) -> None: ...

    def delete_role(self, corp_id: str, userid: str) -> bool:
        """False if the member had no role."""
        ...


class SessionRepo(Protocol):
    """Sessions by key (the SHA-256 of the cookie's id); stored ones expire by TTL at ``expires_at``."""

    def save_session(self, session: Session) -> None: ...

    def session(self, key: str) -> Session | None: ...

    def touch_session(self, key: str, last_seen: int) -> None: ...

    def delete_session(self, key: str) -> None: ...


class LoginWeCom(Protocol):
    """One corp's app, asked who a login code belongs to; failures raise WeComError."""

    def login_identity(self, code: str) -> LoginIdentity: ...


class Members(Protocol):
    """The corp's synced members: a member's name, None if the last sync did not see them."""

    def member_name(self, corp_id: str, userid: str) -> str | None: ...


__all__ = ["LoginIdentity", "LoginWeCom", "Members", "RoleRepo", "SessionRepo", "StaffRole"]
