"""The console login's refusals, as the kernel's error types (the admin API maps them: 401, 403, 409)."""

from __future__ import annotations

from scrm.kernel.errors import Conflict, NotAllowed, Unauthenticated


class BadLoginCode(Unauthenticated):
    """WeCom does not know the code (40029: unknown, used or older than 5 minutes) or it is not this app's
    (50001: issued for another app, or its redirect domain is not one the app trusts)."""

    def __init__(self, errcode: int | None) -> None:
        why = {
            40029: "the login code is unknown, already used or expired (WeCom 40029): log in again",
            50001: "the login code was issued for another app or an untrusted redirect domain (WeCom 50001)",
            41008: "no login code was given (WeCom 41008)",
        }.get(errcode or 0, f"WeCom refused the login code ({errcode})")
        super().__init__(why, "code")
        self.errcode = errcode


class NotAMember(NotAllowed):
    """WeCom answered an openid: the person is not a member of the corp."""

    def __init__(self, corp_id: str) -> None:
        super().__init__(f"only members of corp {corp_id} may use the console; WeCom says this person is not one")


class NoConsoleRole(NotAllowed):
    def __init__(self, corp_id: str, userid: str) -> None:
        super().__init__(
            f"member {userid} has no console role in corp {corp_id}: an admin grants one "
            f"(console 角色 page, PUT /admin/roles/{userid}, or scrm roles grant)"
        )


class NotInDirectory(NotAllowed):
    """A member the last directory sync did not see (or saw leave): the sidebar would have nobody to act as."""

    def __init__(self, corp_id: str, userid: str) -> None:
        super().__init__(
            f"member {userid} is not an active member of corp {corp_id} as of the last directory sync: "
            "an operator runs a sync (scrm sync start) and the member opens the sidebar again"
        )


class SessionEnded(Unauthenticated):
    def __init__(self, why: str = "the session has ended: log in again") -> None:
        super().__init__(why)


class LastAdmin(Conflict):
    def __init__(self, corp_id: str, userid: str) -> None:
        super().__init__(
            f"{userid} is the last admin of corp {corp_id}: grant admin to another member first", "userid"
        )
