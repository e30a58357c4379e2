"""The sidebar's sessions (issue 19): any active member logs in, console and sidebar sessions never stand in
for each other, and a member who leaves the directory is out at the next touch."""

from __future__ import annotations

import pytest
from scrm.kernel.errors import Unauthenticated
from scrm.staff_auth.errors import NotAMember, NotInDirectory, SessionEnded
from scrm.staff_auth.model import SIDEBAR, TOUCH_S, StaffRole

from tests.unit import test_staff_auth as staff


@pytest.fixture(name="world")
def sidebar_world() -> dict:
    return staff.login_world()


C = staff.C


def test_a_member_without_a_console_role_opens_the_sidebar(world):
    sid, session = world["auth"].member_login(C, "c-wang")
    assert session.kind == SIDEBAR and session.role is None and session.name == "王五"
    who = world["auth"].authenticate_member(sid)
    assert (who.userid, who.role, who.corp_wide) == ("wangwu", None, False)


def test_an_admin_reads_corp_wide_and_a_viewer_does_not(world):
    admin_sid, _ = world["auth"].member_login(C, "c-zhang")
    viewer_sid, _ = world["auth"].member_login(C, "c-li")
    assert world["auth"].authenticate_member(admin_sid).corp_wide is True
    assert world["auth"].authenticate_member(viewer_sid).role is StaffRole.VIEWER
    assert world["auth"].authenticate_member(viewer_sid).corp_wide is False
    world["roles"].delete_role(C, "zhangsan")  # the role is read per request: no longer corp-wide at once
    assert world["auth"].authenticate_member(admin_sid).corp_wide is False


def test_the_two_kinds_never_stand_in_for_each_other(world):
    sidebar_sid, _ = world["auth"].member_login(C, "c-zhang")
    console_sid, _ = world["auth"].login(C, "c-li")
    with pytest.raises(SessionEnded):
        world["auth"].authenticate(sidebar_sid)  # an admin's sidebar cookie does not open the console
    with pytest.raises(SessionEnded):
        world["auth"].authenticate_member(console_sid)


def test_a_non_member_and_a_member_the_sync_did_not_see_are_refused(world):
    with pytest.raises(NotAMember):
        world["auth"].member_login(C, "c-out")
    world["wecom"].codes["c-new"] = type(world["wecom"].codes["c-wang"])(userid="newcomer")
    with pytest.raises(NotInDirectory, match="scrm sync start"):
        world["auth"].member_login(C, "c-new")
    assert world["sessions"].items == {}


def test_a_member_who_left_is_out_at_the_next_touch_not_before(world):
    sid, _ = world["auth"].member_login(C, "c-wang")
    del world["auth"].members.names[(C, "wangwu")]
    assert world["auth"].authenticate_member(sid).userid == "wangwu"  # within TOUCH_S: no directory read
    world["clock"].now += TOUCH_S
    with pytest.raises(Unauthenticated, match="no longer an active member"):
        world["auth"].authenticate_member(sid)
    assert world["sessions"].items == {}


def test_a_sidebar_session_is_touched_at_most_every_touch_interval(world):
    sid, _ = world["auth"].member_login(C, "c-wang")
    for _ in range(5):
        world["auth"].authenticate_member(sid)
    assert world["sessions"].touches == 0
    world["clock"].now += TOUCH_S
    world["auth"].authenticate_member(sid)
    world["auth"].authenticate_member(sid)
    assert world["sessions"].touches == 1
