"""Console login (issue 18): roles and what each may do, sessions and their expiry, the login service."""

from __future__ import annotations

from typing import Any

import pytest
from scrm.kernel.errors import InvalidInput, NotAllowed, NotFound, Unauthenticated, WeComRefused
from scrm.staff_auth.errors import BadLoginCode, LastAdmin, NoConsoleRole, NotAMember, SessionEnded
from scrm.staff_auth.model import (
    ABSOLUTE_S,
    IDLE_S,
    TOUCH_S,
    RoleGrant,
    StaffRole,
    allows,
    least_role,
    open_session,
    parse_role,
    session_key,
    well_formed,
)
from scrm.staff_auth.ports import LoginIdentity
from scrm.staff_auth.service import StaffAuth
from scrm.staff_auth.wecom import StaffLoginCalls

from tests.unit.staff_auth_fakes import FakeLoginWeCom, FakeMembers, FakeRoles, FakeSessions

C = "wwcorp"
V, OP, A = StaffRole.VIEWER, StaffRole.OPERATOR, StaffRole.ADMIN


class Clock:
    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world() -> dict[str, Any]:
    return login_world()


def login_world() -> dict[str, Any]:
    """Two roles (zhangsan admin, lisi viewer), three synced members, a code for each and a non-member's."""
    clock = Clock()
    roles, sessions = FakeRoles(), FakeSessions()
    wecom = FakeLoginWeCom({"c-zhang": LoginIdentity(userid="zhangsan"), "c-li": LoginIdentity(userid="lisi"),
                            "c-out": LoginIdentity(openid="o123"), "c-wang": LoginIdentity(userid="wangwu")})
    members = FakeMembers({(C, "zhangsan"): "张三", (C, "lisi"): "李四", (C, "wangwu"): "王五"})

    def for_corp(corp_id: str) -> FakeLoginWeCom:
        if corp_id != C:
            raise LookupError(corp_id)
        return wecom

    auth = StaffAuth(roles, sessions, for_corp, members, clock)
    roles.put_role(RoleGrant(C, "zhangsan", A, 1, "cli"))
    roles.put_role(RoleGrant(C, "lisi", V, 1, "zhangsan"))
    return {"auth": auth, "roles": roles, "sessions": sessions, "wecom": wecom, "clock": clock}


# roles --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "write", "declared", "ok"), [
    (V, False, None, True), (V, True, None, False), (V, False, A, False),
    (OP, False, None, True), (OP, True, None, True), (OP, True, A, False), (OP, False, A, False),
    (A, True, None, True), (A, True, A, True), (A, False, A, True),
])  # fmt: skip
def test_what_each_role_may_do(role, write, declared, ok):
    assert allows(role, write, declared) is ok


def test_the_least_role_of_a_route():
    assert least_role(False) is V and least_role(True) is OP and least_role(False, A) is A


def test_a_role_is_one_of_three():
    assert parse_role("operator") is OP
    with pytest.raises(ValueError, match="admin, operator, viewer|viewer, operator, admin"):
        parse_role("owner")


# sessions ----------------------------------------------------------------------------------------------
def test_a_session_lives_8_hours_at_most_and_2_hours_idle():
    session_id, s = open_session(C, "u", "n", OP, 1000)
    assert well_formed(session_id) and s.key == session_key(session_id) and session_id not in s.key
    assert s.expires_at == 1000 + ABSOLUTE_S
    assert s.live(1000 + IDLE_S - 1) and not s.live(1000 + IDLE_S)
    busy = s.seen(1000 + ABSOLUTE_S - 60)
    assert busy.live(1000 + ABSOLUTE_S - 1) and not busy.live(1000 + ABSOLUTE_S)
    assert not s.due_touch(1000 + TOUCH_S - 1) and s.due_touch(1000 + TOUCH_S)


def test_the_csrf_token_must_match_exactly():
    _, s = open_session(C, "u", "n", OP, 1000)
    assert s.csrf_matches(s.csrf)
    assert not s.csrf_matches(None) and not s.csrf_matches("") and not s.csrf_matches(s.csrf + "x")


def test_two_sessions_share_nothing():
    (i1, s1), (i2, s2) = open_session(C, "u", "n", OP, 1), open_session(C, "u", "n", OP, 1)
    assert i1 != i2 and s1.csrf != s2.csrf and s1.key != s2.key


# login -------------------------------------------------------------------------------------------------
def test_a_member_with_a_role_logs_in(world):
    session_id, session = world["auth"].login(C, "c-zhang")
    assert (session.corp_id, session.userid, session.name, session.role) == (C, "zhangsan", "张三", A)
    assert world["sessions"].items == {session_key(session_id): session}


def test_a_code_works_once(world):
    world["auth"].login(C, "c-zhang")
    with pytest.raises(BadLoginCode, match="40029") as refused:
        world["auth"].login(C, "c-zhang")
    assert isinstance(refused.value, Unauthenticated) and refused.value.field == "code"


@pytest.mark.parametrize("code", [50001, 41008])
def test_codes_wecom_refuses_for_this_app_are_bad_codes(world, code):
    world["wecom"].fail = code
    with pytest.raises(BadLoginCode, match=str(code)):
        world["auth"].login(C, "c-zhang")


def test_other_wecom_refusals_say_wecom_refused(world):
    world["wecom"].fail = 60020
    with pytest.raises(WeComRefused):
        world["auth"].login(C, "c-zhang")


def test_a_non_member_is_refused(world):
    with pytest.raises(NotAMember, match="only members") as refused:
        world["auth"].login(C, "c-out")
    assert isinstance(refused.value, NotAllowed)
    assert world["sessions"].items == {}


def test_a_member_without_a_role_is_refused_with_how_to_get_one(world):
    with pytest.raises(NoConsoleRole, match="wangwu has no console role.*scrm roles grant"):
        world["auth"].login(C, "c-wang")
    assert world["sessions"].items == {}


def test_an_unknown_corp_or_an_empty_code_is_refused_before_wecom(world):
    with pytest.raises(NotFound, match="no corp"):
        world["auth"].login("wwother", "c-zhang")
    for code in ("", "  ", "x" * 513):
        with pytest.raises(InvalidInput):
            world["auth"].login(C, code)
    assert world["wecom"].used == set()


# every request ------------------------------------------------------------------------------------------
def test_a_request_carries_the_members_role_now(world):
    auth, roles = world["auth"], world["roles"]
    session_id, _ = auth.login(C, "c-li")
    p = auth.authenticate(session_id)
    assert (p.corp_id, p.userid, p.name, p.role, p.can_write) == (C, "lisi", "李四", V, False)
    roles.put_role(RoleGrant(C, "lisi", OP, 2, "zhangsan"))
    assert auth.authenticate(session_id).role is OP


def test_a_revoked_member_is_logged_out_at_their_next_request(world):
    auth = world["auth"]
    session_id, _ = auth.login(C, "c-li")
    world["roles"].delete_role(C, "lisi")
    with pytest.raises(SessionEnded, match="no longer has a console role"):
        auth.authenticate(session_id)
    assert world["sessions"].items == {}


def test_an_idle_session_ends_and_a_busy_one_ends_after_8_hours(world):
    auth, clock = world["auth"], world["clock"]
    idle, _ = auth.login(C, "c-li")
    busy, _ = auth.login(C, "c-zhang")
    for _ in range(int(ABSOLUTE_S // 3600) - 1):
        clock.now += 3600
        auth.authenticate(busy)
    with pytest.raises(SessionEnded, match="expired"):
        auth.authenticate(idle)
    clock.now += 3600
    with pytest.raises(SessionEnded, match="expired"):
        auth.authenticate(busy)
    assert world["sessions"].items == {}


def test_last_seen_is_written_at_most_every_few_minutes(world):
    auth, clock, sessions = world["auth"], world["clock"], world["sessions"]
    session_id, _ = auth.login(C, "c-li")
    for _ in range(10):
        clock.now += 10
        auth.authenticate(session_id)
    assert sessions.touches == 0
    clock.now += TOUCH_S
    auth.authenticate(session_id)
    assert sessions.touches == 1


def test_unknown_malformed_and_logged_out_sessions_are_refused(world):
    auth = world["auth"]
    for bad in ("", "short", "x" * 43):
        with pytest.raises(SessionEnded):
            auth.authenticate(bad)
    session_id, session = auth.login(C, "c-li")
    assert auth.logout(session_id) == session
    assert auth.logout(session_id) is None
    with pytest.raises(SessionEnded):
        auth.authenticate(session_id)


# the role table ----------------------------------------------------------------------------------------
def test_admins_grant_synced_members_and_the_cli_anyone(world):
    auth = world["auth"]
    with pytest.raises(NotFound, match="no member ghost"):
        auth.grant(C, "ghost", "viewer", "zhangsan")
    assert auth.grant(C, "wangwu", "operator", "zhangsan")["name"] == "王五"
    assert auth.grant(C, "ghost", "admin", "cli", operator=True)["role"] == "admin"
    assert [(r["userid"], r["role"], r["name"]) for r in auth.list_roles(C)] == [
        ("ghost", "admin", ""), ("lisi", "viewer", "李四"), ("wangwu", "operator", "王五"), ("zhangsan", "admin", "张三")]
    with pytest.raises(InvalidInput, match="role must be one of"):
        auth.grant(C, "lisi", "root", "zhangsan")
    with pytest.raises(InvalidInput):
        auth.grant(C, "x" * 65, "viewer", "zhangsan")


def test_the_last_admin_stays_unless_the_cli_says_otherwise(world):
    auth = world["auth"]
    with pytest.raises(LastAdmin):
        auth.grant(C, "zhangsan", "viewer", "zhangsan")
    with pytest.raises(LastAdmin):
        auth.revoke(C, "zhangsan")
    auth.grant(C, "lisi", "admin", "zhangsan")
    auth.revoke(C, "zhangsan")  # another admin exists now
    auth.revoke(C, "lisi", operator=True)
    assert auth.list_roles(C) == []
    with pytest.raises(NotFound, match="has no console role"):
        auth.revoke(C, "lisi")


def test_getuserinfo_answers_in_both_shapes():
    class Gateway(StaffLoginCalls):
        def __init__(self, answer: dict[str, Any]) -> None:
            self.answer, self.asked = answer, []

        def _get(self, path: str, params: dict[str, Any]) -> Any:
            self.asked.append((path, params))
            return self.answer

    g = Gateway({"errcode": 0, "userid": "zhangsan"})
    assert g.login_identity("abc") == LoginIdentity(userid="zhangsan")
    assert g.asked == [("auth/getuserinfo", {"code": "abc"})]
    assert Gateway({"openid": "o1", "external_userid": "wm1"}).login_identity("x") == LoginIdentity(openid="o1")
    assert Gateway({"UserId": "u"}).login_identity("x").userid == "u"
