"""Real answers of every admin route, on the local stack with a valid request, match the OpenAPI document
built from the models (admin/openapi.py): the status is one the operation documents as a success, and the
body validates against that status's schema. The fuzz test (test_admin_api_fuzz.py) sends generated input;
this one sends what a client would, so the success schemas are checked on answers with content."""

from __future__ import annotations

import base64
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from scrm import bootstrap
from scrm.corps.api_key import Role

from tests.integration.test_admin_api import Admin, _synced_corp

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions"))
from admin.openapi import SPEC  # noqa: E402

pytestmark = pytest.mark.stack


def _check(seen: set[tuple[str, str]], a: Admin, method: str, template: str, body: Any = None, **kw: Any) -> Any:
    """Call the route, assert a documented success whose JSON body matches its schema; the body."""
    path = template.format(**kw.pop("ids", {}))
    r = a(method, path, body, **kw)
    op = SPEC["paths"][template][method.lower()]
    assert str(r.status_code) in op["responses"] and r.status_code < 300, (method, path, r.status_code, r.text[:300])
    content = op["responses"][str(r.status_code)]["content"]
    if "application/json" not in content:  # a binary answer (the fission poster): its documented type, not empty
        assert r.headers["Content-Type"] in content and r.content, (method, path, r.headers["Content-Type"])
        seen.add((template, method.lower()))
        return r.content
    schema = op["responses"][str(r.status_code)]["content"]["application/json"]["schema"]
    errors = list(Draft202012Validator({**schema, "components": SPEC["components"]}).iter_errors(r.json()))
    assert not errors, (method, path, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:3]])
    seen.add((template, method.lower()))
    return r.json()


def test_every_route_answers_as_documented(stack, sandbox):
    corp = _synced_corp(stack, sandbox, employees=3, customers_per_employee=3, tags=4, tag_groups=2, groups=2)
    cid = corp["corp_id"]
    a = Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.ADMIN, "answers")["key"])
    world = sandbox.corp(cid)
    seen: set[tuple[str, str]] = set()
    c = lambda *args, **kw: _check(seen, a, *args, **kw)  # noqa: E731
    ext = world["customers"][0]["external_userid"]
    uid = world["customers"][0]["follow_users"][0]["userid"]
    staff = sorted({f["userid"] for cu in world["customers"] for f in cu["follow_users"]})
    chats = [g["chat_id"] for g in world["groups"]]

    c("GET", "/admin/whoami")
    c("GET", "/admin/customers", limit=2)
    c("GET", "/admin/customers/{external_userid}", ids={"external_userid": ext})
    c("PUT", "/admin/customers/{external_userid}/remark", {"userid": uid, "remark": "r"}, ids={"external_userid": ext})
    c("GET", "/admin/employees")
    library = c("GET", "/admin/tags")
    created = c("POST", "/admin/tags", {"group_name": "answers", "tags": ["a1", "a2"]})
    tag_ids = [t["id"] for t in created.get("tag_group", {}).get("tag", [])] or [
        t["tag_id"] for g in library["groups"] for t in g.get("tags", [])
    ]
    c("POST", "/admin/customers/{external_userid}/tags", {"userid": uid, "add": tag_ids[:1]}, ids={"external_userid": ext})
    c("PUT", "/admin/tags/{tag_id}", {"name": "a1b"}, ids={"tag_id": tag_ids[0]})
    c("DELETE", "/admin/tags/{tag_id}", ids={"tag_id": tag_ids[-1]})
    job = c("POST", "/admin/sync")["job"]
    c("GET", "/admin/sync")
    c("GET", "/admin/sync/{job_id}", ids={"job_id": job["job_id"]})

    code = c("POST", "/admin/channel-codes", {"name": "answers", "staff": staff[:1], "welcome": {"text": "hi"}})
    ids = {"code_id": code["code_id"]}
    c("GET", "/admin/channel-codes")
    c("GET", "/admin/channel-codes/{code_id}", ids=ids)
    c("PUT", "/admin/channel-codes/{code_id}", {"name": "answers 2"}, ids=ids)
    c("GET", "/admin/channel-codes/{code_id}/stats", ids=ids)
    c("DELETE", "/admin/channel-codes/{code_id}", ids=ids)
    c("PUT", "/admin/welcome-default", {"welcome": {"text": "hello {name}"}})
    c("GET", "/admin/welcome-default")
    group_code = c("POST", "/admin/group-codes", {"name": "answers", "chat_ids": chats[:1]})
    ids = {"code_id": group_code["code_id"]}
    c("GET", "/admin/group-codes")
    c("GET", "/admin/group-codes/{code_id}", ids=ids)
    c("PUT", "/admin/group-codes/{code_id}", {"name": "answers 2"}, ids=ids)
    c("DELETE", "/admin/group-codes/{code_id}", ids=ids)
    c("GET", "/admin/stats/customers")
    c("GET", "/admin/stats/groups")
    board = c("GET", "/admin/dashboard")
    assert len(board["series"]["days"]) == 30 and board["to"] == board["series"]["days"][-1]
    c("GET", "/admin/alert-settings")
    c("PUT", "/admin/alert-settings", {"employee_alerts": True})
    c("GET", "/admin/alerts")
    c("GET", "/admin/groups", limit=1)
    c("GET", "/admin/groups/{chat_id}", ids={"chat_id": chats[0]})
    c("PUT", "/admin/groups/{chat_id}/tags", {"tags": ["VIP"]}, ids={"chat_id": chats[0]})
    stages = c("GET", "/admin/stages")
    c("PUT", "/admin/stages", {"stages": [{"id": s["id"], "name": s["name"]} for s in stages["stages"]]})
    c("PUT", "/admin/customers/{external_userid}/stage", {"stage": "intent", "userid": uid}, ids={"external_userid": ext})
    c("GET", "/admin/customers/{external_userid}/stage", ids={"external_userid": ext})
    c("POST", "/admin/customers/{external_userid}/notes", {"text": "跟进", "userid": uid}, ids={"external_userid": ext})
    c("GET", "/admin/customers/{external_userid}/notes", ids={"external_userid": ext})
    c("GET", "/admin/notes", q="跟进")
    c("GET", "/admin/stats/stages", days=7)

    _sends_sops_and_transfers(c, ext, staff)
    _content(c)
    _stores(c, cid, staff)
    _fission(c, a, staff, ext)
    _console(seen, c, a, sandbox, cid, staff)
    _sidebar(seen, a, cid, ext, uid, chats, world, tag_ids)
    documented = {(p, m) for p, ops in SPEC["paths"].items() for m in ops if p != "/admin/openapi.json"}
    assert documented - seen == set()


def _sends_sops_and_transfers(c: Any, ext: str, staff: list[str]) -> None:
    c("POST", "/admin/mass-sends/preview", {"recipients": {"filter": {}}})
    send = c("POST", "/admin/mass-sends", {"name": "answers", "text": "hi", "recipients": {"external_userids": [ext]}})
    ids = {"send_id": send["send"]["send_id"]}
    c("GET", "/admin/mass-sends")
    c("GET", "/admin/mass-sends/{send_id}", ids=ids)
    c("GET", "/admin/mass-sends/{send_id}", ids=ids, items="1")
    c("GET", "/admin/mass-send-quota")
    c("PUT", "/admin/mass-send-quota", {"msg_quota": "month_days"})
    c("POST", "/admin/mass-sends/{send_id}/remind", ids=ids)
    c("POST", "/admin/mass-sends/{send_id}/cancel", ids=ids)

    step = {"after_added_days": 1, "at": "10:00", "text": "hi"}
    sop = c("POST", "/admin/sops", {"name": "answers", "steps": [step]})
    ids = {"sop_id": sop["sop_id"]}
    c("GET", "/admin/sops")
    c("GET", "/admin/sops/{sop_id}", ids=ids)
    c("PATCH", "/admin/sops/{sop_id}", {"name": "answers 2"}, ids=ids)
    c("POST", "/admin/sops/{sop_id}/pause", ids=ids)
    c("POST", "/admin/sops/{sop_id}/resume", ids=ids)
    c("GET", "/admin/sops/{sop_id}/progress", ids=ids)
    c("DELETE", "/admin/sops/{sop_id}", ids=ids)

    job = c("POST", "/admin/transfers", {"kind": "onjob", "handover_userid": staff[0], "takeover_userid": staff[1]})
    ids = {"job_id": job["job"]["job_id"]}
    c("GET", "/admin/transfers")
    c("GET", "/admin/transfers/{job_id}", ids=ids)
    c("GET", "/admin/transfers/{job_id}", ids=ids, items="1")
    c("POST", "/admin/transfers/{job_id}/refresh", ids=ids)
    c("POST", "/admin/transfers/{job_id}/cancel", ids=ids)
    c("GET", "/admin/transfers/unassigned")
    c("GET", "/admin/transfer-policy")
    c("PUT", "/admin/transfer-policy", {"on_refused": "leave"})


def _content(c: Any) -> None:
    script = c("POST", "/admin/scripts", {"group": "开场", "title": "问候", "text": "{name}您好"})
    ids = {"script_id": script["script_id"]}
    c("GET", "/admin/scripts", q="问候")
    c("GET", "/admin/scripts/{script_id}", ids=ids)
    c("PATCH", "/admin/scripts/{script_id}", {"text": "{name}，您好"}, ids=ids)
    c("DELETE", "/admin/scripts/{script_id}", ids=ids)
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()
    material = c("POST", "/admin/materials", {"kind": "image", "title": "海报", "filename": "p.png", "content": png})
    ids = {"material_id": material["material_id"]}
    c("GET", "/admin/materials", kind="image")
    c("GET", "/admin/materials/{material_id}", ids=ids)
    c("PATCH", "/admin/materials/{material_id}", {"title": "海报 2"}, ids=ids)
    c("DELETE", "/admin/materials/{material_id}", ids=ids)
    c("GET", "/admin/content/usage", by="member")
    moment = c("POST", "/admin/moments", {"name": "朋友圈", "text": "秋季新品"})["moment"]
    ids = {"moment_task_id": moment["moment_task_id"]}
    c("GET", "/admin/moments")
    deadline = time.monotonic() + 30
    while c("GET", "/admin/moments/{moment_task_id}", ids=ids)["state"] != "created":  # WeCom's job (2 s)
        assert time.monotonic() < deadline
        time.sleep(0.5)
    c("POST", "/admin/moments/{moment_task_id}/refresh", ids=ids)
    c("GET", "/admin/moments/{moment_task_id}/progress", ids=ids)
    c("GET", "/admin/moments/{moment_task_id}/members", posted="no", ids=ids)
    c("POST", "/admin/moments/{moment_task_id}/cancel", ids=ids)


def _fission(c: Any, a: Admin, staff: list[str], ext: str) -> None:
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (375, 667), "#fde2c8").save(png, "PNG")
    bg = c("POST", "/admin/materials", {"kind": "image", "title": "裂变", "filename": "bg.png",
                                        "content": base64.b64encode(png.getvalue()).decode()})["material_id"]  # fmt: skip
    now = int(time.time())
    made = c("POST", "/admin/fission", {"name": "答案", "background": bg, "threshold": 2, "keep_days": 0,
                                        "reward_text": "券码 {code}", "members": staff[:1], "start_at": now - 60,
                                        "end_at": now + 86_400})  # fmt: skip
    ids = {"campaign_id": made["campaign_id"]}
    c("POST", "/admin/fission/{campaign_id}/coupons", {"codes": ["A-1", "A-2"]}, ids=ids)
    c("POST", "/admin/fission/{campaign_id}/activate", ids=ids)
    c("GET", "/admin/fission")
    c("GET", "/admin/fission/{campaign_id}", ids=ids)
    token = c("GET", "/admin/fission/{campaign_id}/link", external_userid=ext, ids=ids)["token"]
    c("GET", "/admin/public/fission/poster", t=token)
    c("GET", "/admin/public/fission/progress", t=token)
    c("GET", "/admin/fission/{campaign_id}/progress", ids=ids)
    c("POST", "/admin/fission/{campaign_id}/end", ids=ids)


def _stores(c: Any, cid: str, staff: list[str]) -> None:
    """Store codes (issue 21): the admin routes, then the landing page's public ones (no key needed)."""
    c("PUT", "/admin/stores/settings", {"radius_km": 5, "code": {"daily_cap": 50}})
    c("GET", "/admin/stores/settings")
    c("POST", "/admin/stores/import", {"csv": "store_id,name,city,latitude,longitude,assistants\n"
                                              f"a1,静安店,上海,31.2304,121.4737,{staff[0]}\n"})
    c("POST", "/admin/stores/codes")
    ids = {"store_id": "a1"}
    c("GET", "/admin/stores", city="上海")
    c("GET", "/admin/stores/{store_id}", ids=ids)
    c("PUT", "/admin/stores/{store_id}", {"address": "南京西路1号", "hours": "1-7 00:00-24:00"}, ids=ids)
    c("GET", "/admin/public/stores/nearest", corp=cid, lat="31.2310", lng="121.4745")
    c("GET", "/admin/public/stores/cities", corp=cid)
    c("GET", "/admin/public/stores/in-city", corp=cid, city="上海")
    c("POST", "/admin/public/stores/scans", {"corp": cid, "store_id": "a1"})
    c("GET", "/admin/stores/stats", by="city")
    c("DELETE", "/admin/stores/{store_id}", ids=ids)


def _console(seen: set[tuple[str, str]], c: Any, a: Admin, sandbox: Any, cid: str, staff: list[str]) -> None:
    """Roles and keys (with the key), then a member's login, me and logout (with the session)."""
    from tests.integration.console import Console, issue_code

    c("PUT", "/admin/roles/{userid}", {"role": "admin"}, ids={"userid": staff[0]})
    c("PUT", "/admin/roles/{userid}", {"role": "viewer"}, ids={"userid": staff[1]})
    c("GET", "/admin/roles")
    c("DELETE", "/admin/roles/{userid}", ids={"userid": staff[1]})
    made = c("POST", "/admin/keys", {"role": "viewer", "name": "answers"})
    c("GET", "/admin/keys")
    c("DELETE", "/admin/keys/{key_id}", ids={"key_id": made["key_id"]})
    c("GET", "/admin/auth/login-url", corp_id=cid, redirect_uri="http://127.0.0.1:5173/login")
    me = c("POST", "/admin/auth/login", {"corp_id": cid, "code": issue_code(sandbox, cid, userid=staff[0])})
    assert me["role"] == "admin"
    c("GET", "/admin/auth/me")
    session = Console.log_in(a.base, sandbox, cid, staff[0])
    assert _check(seen, session, "GET", "/admin/auth/me")["via"] == "session"
    _check(seen, session, "POST", "/admin/auth/logout")


def _sidebar(seen: set[tuple[str, str]], a: Admin, cid: str, ext: str, uid: str, chats: list[str],
             world: dict[str, Any], tag_ids: list[str]) -> None:
    """The sidebar's routes, with a member's sidebar session (uid serves ext)."""
    from tests.integration.sidebar import PAGE, Sidebar, oauth_code

    _check(seen, a, "GET", "/admin/sidebar/auth/login-url", corp_id=cid, redirect_uri=PAGE)
    code, state, _ = oauth_code(a.base, cid, uid)
    me = _check(seen, Admin(a.base, ""), "POST", "/admin/sidebar/auth/login", {"corp_id": cid, "code": code, "state": state})
    assert me["userid"] == uid
    s = Sidebar.open(a.base, cid, uid)
    _check(seen, s, "GET", "/admin/sidebar/me")
    _check(seen, s, "GET", "/admin/sidebar/js-config", url=PAGE)
    _check(seen, s, "GET", "/admin/sidebar/customers/{external_userid}", ids={"external_userid": ext})
    _check(seen, s, "POST", "/admin/sidebar/customers/{external_userid}/tags", {"remove": tag_ids[:1]},
           ids={"external_userid": ext})
    _check(seen, s, "GET", "/admin/sidebar/tags")
    ids = {"external_userid": ext}
    _check(seen, s, "PUT", "/admin/sidebar/customers/{external_userid}/stage", {"stage": "intent"}, ids=ids)
    _check(seen, s, "POST", "/admin/sidebar/customers/{external_userid}/notes", {"text": "想要面霜小样"}, ids=ids)
    page = _check(seen, s, "GET", "/admin/sidebar/customers/{external_userid}/notes", ids=ids)
    assert page["items"][0]["text"] == "想要面霜小样" and page["items"][0]["by_userid"] == uid
    script = a("POST", "/admin/scripts", {"title": "问候", "text": "{name}您好"}).json()
    _check(seen, s, "GET", "/admin/sidebar/scripts")
    _check(seen, s, "GET", "/admin/sidebar/materials")
    own = _check(seen, s, "POST", "/admin/sidebar/scripts", {"title": "我的", "text": "hi {name}"})
    _check(seen, s, "POST", "/admin/sidebar/send", {"script_id": script["script_id"], "external_userid": ext})
    _check(seen, s, "POST", "/admin/sidebar/sent", {"kind": "script", "item_id": script["script_id"]})
    _check(seen, s, "PATCH", "/admin/sidebar/scripts/{script_id}", {"text": "hello {name}"},
           ids={"script_id": own["script_id"]})
    _check(seen, s, "DELETE", "/admin/sidebar/scripts/{script_id}", ids={"script_id": own["script_id"]})
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()
    mine = _check(seen, s, "POST", "/admin/sidebar/materials", {"kind": "image", "title": "我的图", "filename": "a.png",
                                                                 "content": png})  # fmt: skip
    assert mine["scope"] == "personal" and mine["owner"] == uid
    _check(seen, s, "DELETE", "/admin/sidebar/materials/{material_id}", ids={"material_id": mine["material_id"]})
    owner = next(g["owner"] for g in world["groups"] if g["chat_id"] == chats[0])
    _check(seen, Sidebar.open(a.base, cid, owner), "GET", "/admin/sidebar/groups/{chat_id}", ids={"chat_id": chats[0]})
    _check(seen, s, "POST", "/admin/sidebar/auth/logout")
