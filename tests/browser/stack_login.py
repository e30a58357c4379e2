"""Logging a member into the console on the local stack, in the browser (not a test module).

``staffed_corp``: a synced sandbox corp whose first three members are admin, operator and viewer (granted as
`scrm roles grant` does). ``log_in``: the one-click path `make dev` prints — the sandbox's login page for the
corp's app confirms as the member at once (``auto_confirm_userid``), the rest is the real flow: the console's
login page, GET /admin/auth/login-url, the sandbox's /wwlogin/sso/login, the callback, POST /admin/auth/login.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import new_corp
from tests.support.syncing import sync_and_wait

ROLES = ("admin", "operator", "viewer")


def staffed_corp(stack: Any, sandbox: Any, **seed: Any) -> dict[str, Any]:
    from scrm.staff_auth.wiring import staff_auth

    corp = new_corp(stack, sandbox, seed={"employees": 3, "customers_per_employee": 2, "tags": 3, "tag_groups": 2,
                                          **seed})  # fmt: skip
    sync_and_wait(corp["corp_id"])
    world = sandbox.corp(corp["corp_id"])
    members = [e["userid"] for e in world["employees"]]
    corp["members"] = {e["userid"]: e["name"] for e in world["employees"]}
    corp["by_role"] = dict(zip(ROLES, members, strict=False))
    for role, userid in corp["by_role"].items():
        staff_auth().grant(corp["corp_id"], userid, role, "cli", operator=True)
    return corp


def auto_confirm(sandbox: Any, corp: dict[str, Any], userid: str) -> None:
    sandbox._call("PATCH", f"/corps/{corp['corp_id']}/apps/{corp['agent_id']}", {"auto_confirm_userid": userid})


def log_in(watched: Any, stack: Any, sandbox: Any, corp: dict[str, Any], role: str) -> str:
    userid = corp["by_role"][role]
    auto_confirm(sandbox, corp, userid)
    stack.set_console_corp(corp["corp_id"])
    page = watched.page
    page.goto(stack.console_url + "login?start=1")
    page.wait_for_url("**/console/dashboard")
    page.get_by_test_id("who").wait_for()
    assert page.get_by_test_id("role").get_attribute("data-role") == role
    return userid
