"""Tenant isolation for every route of the admin API, not a sample: the test walks the API's own route table.

Corp A owns one object of every kind a route can name (customer, channel and group code, group, mass send,
SOP, sync job, transfer job, tag, statistics, console role, API key). For each route whose path names an object, and
each of its methods, corp B's admin key — and then corp B's admin logged in to the console, with the session
cookie and CSRF token; for the sidebar's routes, corp B's admin in the sidebar, who reads B corp-wide — asks for corp A's object with a body the route would accept: the answer must be 404,
and nothing of corp A may change — not an item of its data in DynamoDB, not a WeCom call made on its behalf.
A route added later without a case here fails the test, so isolation cannot be forgotten.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from scrm import bootstrap, resources
from scrm.corps.api_key import Role

from tests.conftest import new_corp
from tests.integration.console import Console
from tests.integration.sidebar import Sidebar
from tests.integration.test_admin_api import Admin
from tests.support.syncing import sync_and_wait
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

# Tables whose items change on their own (clocks, budgets, tokens, de-dup records, sessions' last-seen
# times), not through a request.
UNSTABLE_TABLES = {"tokens", "rate_limits", "idempotency", "parked_events", "staff_sessions"}


def _routes() -> list[tuple[str, str]]:
    from devstack.app_server import load_admin

    return sorted((path, method) for path, methods in load_admin().routes.items() for method in methods
                  if "{" in path)


@pytest.fixture(scope="module")
def corps(stack, sandbox) -> dict[str, Any]:
    a = new_corp(stack, sandbox, seed={"employees": 4, "customers_per_employee": 3, "groups": 2, "tags": 3,
                                       "tag_groups": 1})
    b = new_corp(stack, sandbox, seed={"employees": 2, "customers_per_employee": 1})
    for corp in (a, b):
        sync_and_wait(corp["corp_id"])
    sandbox.set_groupmsg_dispatch(a["corp_id"], 0)
    keys = bootstrap.api_keys()
    admin_a = Admin(stack.admin_url, keys.create(a["corp_id"], Role.ADMIN, "isolation")["key"])
    admin_b = Admin(stack.admin_url, keys.create(b["corp_id"], Role.ADMIN, "isolation")["key"])
    world = sandbox.corp(a["corp_id"])
    staff = sorted(e["userid"] for e in world["employees"])
    customer = world["customers"][0]
    ext, follower = customer["external_userid"], customer["follow_users"][0]["userid"]
    chat = world["groups"][0]["chat_id"]
    tag = world["tag_groups"][0]["tag"][0]["id"]

    def created(method: str, path: str, body: dict[str, Any], *keys: str) -> str:
        r = admin_a(method, path, body)
        assert r.status_code in (200, 201, 202), (path, r.text)
        value: Any = r.json()
        for k in keys:
            value = value[k]
        return str(value)

    code = created("POST", "/admin/channel-codes", {"name": "隔离", "staff": [staff[0]]}, "code_id")
    group_code = created("POST", "/admin/group-codes", {"name": "隔离群", "chat_ids": [chat]}, "code_id")
    send = created("POST", "/admin/mass-sends", {"name": "隔离", "text": "hi",
                                                  "recipients": {"external_userids": [ext]}}, "send", "send_id")
    sop = created("POST", "/admin/sops", {"name": "隔离", "targets": {}, "steps": [
        {"id": "d1", "after_added_days": 1, "at": "10:00", "text": "hi"}]}, "sop_id")
    job = created("POST", "/admin/sync", {}, "job", "job_id")
    script = created("POST", "/admin/scripts", {"title": "隔离", "text": "{name}"}, "script_id")
    material = created("POST", "/admin/materials", {"kind": "text", "title": "隔离", "text": "x"}, "material_id")
    moment = created("POST", "/admin/moments", {"name": "隔离", "text": "hi", "senders": [staff[0]]},
                     "moment", "moment_task_id")
    created("POST", "/admin/stores/import", {"rows": [{"store_id": "iso1", "name": "隔离店", "city": "上海",
                                                       "latitude": 31.23, "longitude": 121.47,
                                                       "assistants": [staff[0]]}]}, "imported")
    assert created("POST", "/admin/stores/codes", {}, "pending") == "0"
    poster_bg = created("POST", "/admin/materials", {"kind": "image", "title": "隔离海报", "filename": "bg.png",
                                                     "content": base64.b64encode(_png()).decode()}, "material_id")  # fmt: skip
    campaign = created("POST", "/admin/fission", {"name": "隔离", "background": poster_bg, "threshold": 2,
                                                   "keep_days": 0, "reward_text": "{code}", "members": [staff[0]],
                                                   "start_at": int(time.time()) - 60,
                                                   "end_at": int(time.time()) + 86_400}, "campaign_id")  # fmt: skip
    others = [c["external_userid"] for c in world["customers"] if c["follow_users"][0]["userid"] == staff[1]]
    transfer = created("POST", "/admin/transfers", {"kind": "onjob", "handover_userid": staff[1],
                                                    "takeover_userid": staff[2], "customers": others[:1],
                                                    "groups": []}, "job", "job_id")
    wait_for(lambda: admin_a("GET", f"/admin/sync/{job}").json().get("state") == "done", timeout_s=60,
             what="corp A's sync done")
    wait_for(lambda: admin_a("GET", f"/admin/mass-sends/{send}").json().get("parts", {}).get("created"),
             timeout_s=60, what="corp A's send created in WeCom")
    # Console roles: corp A's admin (a member corp B does not have, so B cannot grant it a role of its own)
    # and corp B's admin, logged in to the console as a browser is.
    from scrm.staff_auth.wiring import staff_auth

    b_staff = {e["userid"] for e in sandbox.corp(b["corp_id"])["employees"]}
    a_member = next(u for u in staff if u not in b_staff)
    staff_auth().grant(a["corp_id"], a_member, "admin", "cli", operator=True)
    b_member = sorted(b_staff)[0]
    staff_auth().grant(b["corp_id"], b_member, "admin", "cli", operator=True)
    session_b = Console.log_in(stack.admin_url, sandbox, b["corp_id"], b_member)
    sidebar_b = Sidebar.open(stack.admin_url, b["corp_id"], b_member)  # an admin: corp-wide in its own corp
    a_key = keys.create(a["corp_id"], Role.VIEWER, "isolation target")["key_id"]
    ids = {"external_userid": ext, "code_id": code, "chat_id": chat, "send_id": send, "sop_id": sop,
           "job_id": job, "tag_id": tag, "userid": a_member, "key_id": a_key, "script_id": script,
           "material_id": material, "moment_task_id": moment, "store_id": "iso1",
           "campaign_id": campaign}
    return {"a": a, "b": b, "admin_a": admin_a, "admin_b": admin_b, "ids": ids, "group_code": group_code,
            "transfer": transfer, "follower": follower, "staff": staff, "session_b": session_b,
            "sidebar_b": sidebar_b}


def _bodies(c: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """A body each route would accept from its own corp: a refusal must be the 404, not a 400."""
    staff = c["staff"]
    return {
        ("/admin/channel-codes/{code_id}", "PUT"): {"name": "改名"},
        ("/admin/customers/{external_userid}/remark", "PUT"): {"userid": c["follower"], "remark": "hijack"},
        ("/admin/customers/{external_userid}/tags", "POST"): {"userid": c["follower"], "add": [c["ids"]["tag_id"]]},
        ("/admin/customers/{external_userid}/stage", "PUT"): {"stage": "new", "userid": c["follower"]},
        ("/admin/customers/{external_userid}/notes", "POST"): {"text": "hijack", "userid": c["follower"]},
        ("/admin/group-codes/{code_id}", "PUT"): {"name": "改名"},
        ("/admin/groups/{chat_id}/tags", "PUT"): {"tags": ["hijack"]},
        ("/admin/sops/{sop_id}", "PATCH"): {"name": "hijack"},
        ("/admin/tags/{tag_id}", "PUT"): {"name": "hijack"},
        ("/admin/mass-sends/{send_id}/remind", "POST"): {"userids": [staff[0]]},
        ("/admin/roles/{userid}", "PUT"): {"role": "viewer"},
        ("/admin/sidebar/customers/{external_userid}/tags", "POST"): {"add": [c["ids"]["tag_id"]]},
        ("/admin/sidebar/customers/{external_userid}/stage", "PUT"): {"stage": "deal"},
        ("/admin/sidebar/customers/{external_userid}/notes", "POST"): {"text": "hijack"},
        ("/admin/scripts/{script_id}", "PATCH"): {"text": "hijack"},
        ("/admin/materials/{material_id}", "PATCH"): {"title": "hijack"},
        ("/admin/sidebar/scripts/{script_id}", "PATCH"): {"text": "hijack"},
        ("/admin/stores/{store_id}", "PUT"): {"name": "hijack"},
        ("/admin/fission/{campaign_id}/coupons", "POST"): {"codes": ["HIJACK-1"]},
    }


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (375, 667), "#fde2c8").save(out, "PNG")
    return out.getvalue()


def _ids_for(path: str, c: dict[str, Any]) -> dict[str, str]:
    ids = dict(c["ids"])
    if path.startswith("/admin/group-codes/"):
        ids["code_id"] = c["group_code"]
    if path.startswith("/admin/transfers/"):
        ids["job_id"] = c["transfer"]
    return ids


def _binary(value: object) -> str:
    """A binary attribute (a sealed month's data) as text: compared, never read."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    raise TypeError(f"{type(value).__name__} in a DynamoDB item")


def _corp_items(corp_id: str) -> Iterator[tuple[str, str]]:
    ddb = boto3.client("dynamodb")
    for logical, table in resources.TABLES.items():
        if logical in UNSTABLE_TABLES:
            continue
        for page in ddb.get_paginator("scan").paginate(TableName=table.name):
            for item in page["Items"]:
                text = json.dumps(item, sort_keys=True, default=_binary)
                if corp_id in text:
                    yield logical, text


# The scheduled jobs are held during a walk: their own writes (the SOP planner's minute cursor, the results
# collector's task states, the transfer checks) would otherwise land between the before and the after.
def test_every_route_naming_an_object_refuses_another_corps_key(stack, sandbox, corps):
    with stack.schedules_held():
        _walk(sandbox, corps, corps["admin_b"])


def test_every_route_naming_an_object_refuses_another_corps_console_session(stack, sandbox, corps):
    session_b = corps["session_b"]
    assert session_b("GET", "/admin/auth/me").json()["corp_id"] == corps["b"]["corp_id"]
    with stack.schedules_held():
        _walk(sandbox, corps, session_b)


def _walk(sandbox: Any, corps: dict[str, Any], b_admin: Any) -> None:
    a = corps["a"]
    bodies = _bodies(corps)
    routes = _routes()
    assert len(routes) >= 25  # the walk found the table, not nothing
    time.sleep(2)  # corp A's sync, send and transfer have settled: what follows must change nothing
    items_before = sorted(_corp_items(a["corp_id"]))
    calls_before = sandbox.call_counts(a["corp_id"])["last_seq"]
    answers = {}
    for path, method in routes:
        filled = re.sub(r"\{(\w+)\}", lambda m, p=path: _ids_for(p, corps)[m.group(1)], path)
        body = bodies.get((path, method), {} if method in ("POST", "PUT", "PATCH") else None)
        # the sidebar's routes take only a sidebar session: corp B's admin member, who reads B corp-wide
        r = (corps["sidebar_b"] if path.startswith("/admin/sidebar/") else b_admin)(method, filled, body)
        answers[(method, path)] = (r.status_code, r.text[:200])
    wrong = {k: v for k, v in answers.items() if v[0] != 404}
    assert not wrong, f"routes that did not answer another corp's object with 404: {wrong}"
    # Nothing of corp A changed, and nobody asked WeCom anything on its behalf.
    assert sorted(_corp_items(a["corp_id"])) == items_before
    assert sandbox.call_counts(a["corp_id"], since=calls_before)["total"] == 0


def test_the_walk_covers_every_object_route_with_a_body_where_one_is_needed(corps):
    """A new route that needs a body and has none here would be refused with a 400 before the corp check
    could be seen: the test above would then not test it. Keep this table complete."""
    bodies = _bodies(corps)
    for path, method in _routes():
        if method in ("PUT", "PATCH") or (path, method) in bodies:
            assert (path, method) in bodies, f"no sample body for {method} {path}"


def test_statistics_and_alerts_naming_another_corps_member_show_nothing_of_it(sandbox, corps):
    """Statistics and alerts name their objects in the query (a member, a day): another corp's key gets its
    own corp's figures, which for that member are none."""
    a, admin_a, admin_b = corps["a"], corps["admin_a"], corps["admin_b"]
    member = corps["staff"][3]
    sandbox.do(a["corp_id"], "customers/add", {"userid": member, "wait": True})

    def adds(admin: Admin) -> int:
        r = admin("GET", "/admin/stats/customers", userid=member, by="employee")
        assert r.status_code == 200, r.text
        return sum(int(i.get("adds") or 0) for i in r.json()["items"])

    wait_for(lambda: adds(admin_a) >= 1, timeout_s=30, what="corp A's add counted")
    assert adds(admin_b) == 0
    alerts = admin_b("GET", "/admin/alerts", recipient=member)
    assert alerts.status_code == 200 and alerts.json()["alerts"] == []
