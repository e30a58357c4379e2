"""Console login and roles: a WeCom login code becomes a session; every console request is checked against
its session and the member's role now; admins (and the operator's CLI) grant and revoke roles.

Login (WeCom 98176 / 91023): the browser comes back from WeCom's login page with ``code``; the corp's app
asks ``auth/getuserinfo`` once (a code is single use and lives 5 minutes). A member's ``userid`` with a
role in the corp's table opens a session; a non-member (``openid``) or a member without a role is refused.

The sidebar (OAuth 91022 inside the WeCom client, same ``auth/getuserinfo``) opens a session of kind
``sidebar`` for any member the last sync saw active, role or not. The two kinds never stand in for each
other: each is authenticated only by its own method, so a sidebar cookie cannot open the console.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from scrm.kernel.errors import InvalidInput, NotFound, WeComRefused
from scrm.kernel.wecom_error import WeComError
from scrm.staff_auth.errors import (
    BadLoginCode,
    LastAdmin,
    NoConsoleRole,
    NotAMember,
    NotInDirectory,
    SessionEnded,
)
from scrm.staff_auth.model import (
    CODE_MAX,
    CONSOLE,
    SIDEBAR,
    USERID_MAX,
    MemberPrincipal,
    RoleGrant,
    Session,
    StaffPrincipal,
    StaffRole,
    open_session,
    parse_role,
    session_key,
    well_formed,
)
from scrm.staff_auth.ports import LoginWeCom, Members, RoleRepo, SessionRepo

LOGIN_CODE_ERRORS = frozenset({40029, 50001, 41008})


class StaffAuth:
    def __init__(
        self,
        roles: RoleRepo,
        sessions: SessionRepo,
        wecom_for_corp: Callable[[str], LoginWeCom],
        members: Members,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.roles = roles
        self.sessions = sessions
        self.wecom_for_corp = wecom_for_corp
        self.members = members
        self.clock = clock

    # login, the per-request check, logout ----------------------------------------------------------
    def login(self, corp_id: str, code: str) -> tuple[str, Session]:
        """(the session id for the cookie, the session). Refusals: BadLoginCode (401), NotAMember and
        NoConsoleRole (403), NotFound for an unknown corp, WeComRefused for any other WeCom answer."""
        userid = self._member_of(corp_id, code)
        grant = self.roles.role(corp_id, userid)
        if grant is None:
            raise NoConsoleRole(corp_id, userid)
        name = self.members.member_name(corp_id, userid) or ""
        session_id, session = open_session(corp_id, userid, name, grant.role, self.clock())
        self.sessions.save_session(session)
        return session_id, session

    def member_login(self, corp_id: str, code: str) -> tuple[str, Session]:
        """The sidebar's login: any member the last directory sync saw active (NotInDirectory, 403, for
        one it did not: the sidebar could show them nothing); refusals otherwise as ``login``'s."""
        userid = self._member_of(corp_id, code)
        name = self.members.member_name(corp_id, userid)
        if name is None:
            raise NotInDirectory(corp_id, userid)
        grant = self.roles.role(corp_id, userid)
        session_id, session = open_session(
            corp_id, userid, name, grant.role if grant else None, self.clock(), kind=SIDEBAR
        )
        self.sessions.save_session(session)
        return session_id, session

    def _member_of(self, corp_id: str, code: object) -> str:
        """The userid WeCom says a login code belongs to (single use: asked once)."""
        if not isinstance(code, str) or not code.strip() or len(code) > CODE_MAX:
            raise InvalidInput("code", f"code: the login code WeCom appended to the redirect (1..{CODE_MAX} characters)")
        try:
            wecom = self.wecom_for_corp(corp_id)
        except LookupError:
            raise NotFound(f"no corp {corp_id} is registered", "corp_id") from None
        try:
            who = wecom.login_identity(code.strip())
        except WeComError as exc:
            if exc.errcode in LOGIN_CODE_ERRORS:
                raise BadLoginCode(exc.errcode) from None
            raise WeComRefused(exc.errcode, exc.errmsg) from None
        if not who.userid:
            raise NotAMember(corp_id)
        return who.userid

    def _live_session(self, session_id: str, kind: str) -> tuple[Session, float]:
        if not well_formed(session_id):
            raise SessionEnded("not logged in: the session cookie is missing or malformed")
        key = session_key(session_id)
        session = self.sessions.session(key)
        if session is None or session.kind != kind:
            raise SessionEnded()
        now = self.clock()
        if not session.live(now):
            self.sessions.delete_session(key)
            raise SessionEnded("the session expired (8 h after login, or 2 h without a request): log in again")
        return session, now

    def authenticate_member(self, session_id: str) -> MemberPrincipal:
        """The member behind a sidebar request, with their console role now (if any). Whether they are
        still an active member is checked when the session is touched (every ``TOUCH_S``): a member who
        left is out within 5 minutes without a directory read on every request."""
        session, now = self._live_session(session_id, SIDEBAR)
        if session.due_touch(now):
            if self.members.member_name(session.corp_id, session.userid) is None:
                self.sessions.delete_session(session.key)
                raise SessionEnded(f"{session.userid} is no longer an active member of the corp: the session has ended")
            self.sessions.touch_session(session.key, int(now))
            session = session.seen(now)
        grant = self.roles.role(session.corp_id, session.userid)
        return MemberPrincipal(session.corp_id, session.userid, session.name, grant.role if grant else None, session)

    def authenticate(self, session_id: str) -> StaffPrincipal:
        """The caller of a request bearing the session cookie, with the member's role now; SessionEnded
        (401) if the session is unknown, over (idle or absolute) or the member's role was revoked."""
        session, now = self._live_session(session_id, CONSOLE)
        key = session.key
        grant = self.roles.role(session.corp_id, session.userid)
        if grant is None:
            self.sessions.delete_session(key)
            raise SessionEnded(f"member {session.userid} no longer has a console role: the session has ended")
        if session.due_touch(now):
            self.sessions.touch_session(key, int(now))
            session = session.seen(now)
        return StaffPrincipal(session.corp_id, session.userid, session.name, grant.role, session)

    def logout(self, session_id: str) -> Session | None:
        """End the session; the one ended, or None if there was none."""
        if not well_formed(session_id):
            return None
        key = session_key(session_id)
        session = self.sessions.session(key)
        if session is not None:
            self.sessions.delete_session(key)
        return session

    # the role table ----------------------------------------------------------------------------------
    def list_roles(self, corp_id: str) -> list[dict[str, object]]:
        grants = sorted(self.roles.roles(corp_id), key=lambda g: g.userid)
        return [{**g.as_dict(), "name": self.members.member_name(corp_id, g.userid) or ""} for g in grants]

    def grant(
        self, corp_id: str, userid: str, role: object, granted_by: str, operator: bool = False
    ) -> dict[str, object]:
        """Give ``userid`` ``role`` (replacing their role). Through the API the member must be in the corp's
        synced directory and the last admin cannot be demoted; ``operator`` (the CLI, with AWS
        credentials) skips both: it grants the first admin, before any sync, and repairs mistakes."""
        userid = _userid(userid)
        try:
            wanted = parse_role(role)
        except ValueError as exc:
            raise InvalidInput("role", str(exc)) from None
        name = self.members.member_name(corp_id, userid)
        if not operator and name is None:
            raise NotFound(f"no member {userid} in corp {corp_id} (as of the last sync)", "userid")
        current = self.roles.role(corp_id, userid)
        if not operator and current is not None and current.role is StaffRole.ADMIN and wanted is not StaffRole.ADMIN:
            self._keep_an_admin(corp_id, userid)
        grant = RoleGrant(corp_id, userid, wanted, int(self.clock()), granted_by)
        self.roles.put_role(grant)
        return {**grant.as_dict(), "name": name or ""}

    def revoke(self, corp_id: str, userid: str, operator: bool = False) -> None:
        """Take ``userid``'s role away (their sessions end on their next request). NotFound if they have
        none; LastAdmin for the corp's last admin, unless by the ``operator`` (the CLI)."""
        userid = _userid(userid)
        current = self.roles.role(corp_id, userid)
        if current is None:
            raise NotFound(f"member {userid} has no console role in corp {corp_id}", "userid")
        if not operator and current.role is StaffRole.ADMIN:
            self._keep_an_admin(corp_id, userid)
        self.roles.delete_role(corp_id, userid)

    def _keep_an_admin(self, corp_id: str, userid: str) -> None:
        admins = {g.userid for g in self.roles.roles(corp_id) if g.role is StaffRole.ADMIN}
        if admins <= {userid}:
            raise LastAdmin(corp_id, userid)


def _userid(userid: str) -> str:
    if not isinstance(userid, str) or not userid or len(userid) > USERID_MAX:
        raise InvalidInput("userid", f"userid: a member's WeCom userid (1..{USERID_MAX} characters)")
    return userid
