"""How the application builds console login (``scrm.bootstrap.reset`` drops what is built here).

Login asks WeCom through the event-driven clients (``admin_gateways``: not the bulk budget, so a spent
budget never locks staff out); an unknown corp is looked up once and then remembered as unknown for a while
(the login route is open to anyone, like the callback route).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrm.adapters.lazy import lazy

if TYPE_CHECKING:
    from scrm.staff_auth.ports import LoginWeCom
    from scrm.staff_auth.service import StaffAuth


def _login_wecom(corp_id: str) -> LoginWeCom:
    from scrm import bootstrap

    bootstrap.corp_registry().get(corp_id, cache_unknown=True)  # CorpNotFound (a LookupError) if unknown
    return bootstrap.admin_gateways().for_corp(corp_id)


@lazy
def staff_auth() -> StaffAuth:
    from scrm.staff_auth.repository import DynamoMembers, DynamoStaffRoles, DynamoStaffSessions
    from scrm.staff_auth.service import StaffAuth

    return StaffAuth(DynamoStaffRoles(), DynamoStaffSessions(), _login_wecom, DynamoMembers())


def reset() -> None:
    staff_auth.cache_clear()
