"""Scripts and materials on the local stack, against the sandbox: the admin API's corp-wide libraries (create,
search, 400s naming the field, 404s), a member's own items seen only by that member, sendChatMessage params
with the customer's name, media/upload once per material and corp (20 instances sending at once upload once),
again when the media_id is 2.5 days old on the sandbox's clock (never an expired one handed out), and exact
send counts per item and member.

The module runs its own stack (tests/support/transfer_stack.py): it moves the sandbox's world clock 3 days."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from scrm import bootstrap
from scrm.adapters.wecom.gateway import WeComGateways
from scrm.content.model import REUPLOAD_AFTER_S
from scrm.content.repository import DynamoContent
from scrm.content.service import ContentService
from scrm.corps.api_key import Role

from tests.conftest import new_corp
from tests.integration.test_admin_api import Admin
from tests.support.transfer_stack import transfer_stack_fixtures

pytestmark = pytest.mark.stack
tstack, tsandbox = transfer_stack_fixtures("content-stack")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000 + b"IEND"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.fixture(scope="module")
def office(tstack, tsandbox) -> dict[str, Any]:
    corp = new_corp(tstack, tsandbox, seed={"employees": 2, "customers_per_employee": 1, "groups": 0})
    keys = bootstrap.api_keys()
    return {
        "corp": corp, "cid": corp["corp_id"],
        "admin": Admin(tstack.admin_url, keys.create(corp["corp_id"], Role.ADMIN, "content")["key"]),
        "viewer": Admin(tstack.admin_url, keys.create(corp["corp_id"], Role.VIEWER, "content")["key"]),
    }  # fmt: skip


def _instance(tsandbox) -> ContentService:
    """One Lambda instance: its own WeCom clients, the shared tables; its clock the sandbox's world clock."""
    return ContentService(DynamoContent(), WeComGateways(bootstrap.corp_registry(), bootstrap.settings()).for_corp,
                          clock=lambda: float(tsandbox.clock()["now"]))  # fmt: skip


def test_the_admin_api_keeps_corp_wide_scripts_and_materials(office) -> None:
    admin, viewer = office["admin"], office["viewer"]
    made = [admin("POST", "/admin/scripts", {"group": g, "title": t, "text": x}).json() for g, t, x in (
        ("开场", "问候", "{name}您好，我是您的专属顾问"), ("售后", "退货", "退货请在7天内"), ("开场", "活动", "本周满300减50"))]
    assert all(m["scope"] == "corp" and m["owner"] == "" and m["created_by"].startswith("key:") for m in made)
    assert [s["title"] for s in admin("GET", "/admin/scripts").json()["items"]] == ["退货", "活动", "问候"]  # by group, then title (code points)
    assert [s["title"] for s in viewer("GET", "/admin/scripts", q="满300").json()["items"]] == ["活动"]
    page = admin("GET", "/admin/scripts", group="开场", limit=1).json()
    assert len(page["items"]) == 1 and page["next_cursor"] and page["groups"] == ["开场"]
    sid = made[0]["script_id"]
    assert admin("PATCH", f"/admin/scripts/{sid}", {"text": "{name}，您好"}).json()["text"] == "{name}，您好"
    assert viewer("PATCH", f"/admin/scripts/{sid}", {"text": "x"}).status_code == 403
    # 400s name the field; 404s for what is not there.
    for path, body, field in (
        ("/admin/scripts", {"title": "t"}, "text"),
        ("/admin/scripts", {"title": "t", "text": "x" * 2001}, "text"),
        ("/admin/scripts", {"title": "t", "text": "x", "color": "red"}, "color"),
        ("/admin/materials", {"kind": "gif", "title": "t"}, "kind"),
        ("/admin/materials", {"kind": "link", "title": "t", "url": "javascript:x"}, "url"),
        ("/admin/materials", {"kind": "image", "title": "t", "filename": "a.png", "content": "%%"}, "content"),
        ("/admin/materials", {"kind": "image", "title": "t", "filename": "a.png", "content": _b64(b"GIF89a....")}, "content"),
        ("/admin/materials", {"kind": "miniprogram", "title": "t", "appid": "wx0123456789abcdef", "page": "a.html"}, "cover_url"),
    ):
        r = admin("POST", path, body)
        assert r.status_code == 400 and r.json()["field"] == field, (body, r.text)
    assert admin("PATCH", f"/admin/materials/{made[0]['script_id']}", {"title": "x"}).status_code == 404
    assert admin("GET", "/admin/scripts/snonesuch").status_code == 404
    assert admin("DELETE", "/admin/materials/mnonesuch").status_code == 404
    # A file within 700 KiB fits the 1 MB body as base64; one byte more is refused naming content.
    big = admin("POST", "/admin/materials", {"kind": "file", "title": "手册", "filename": "m.pdf",
                                             "content": _b64(b"%PDF" + b"x" * (700 * 1024 - 4))})  # fmt: skip
    assert big.status_code == 201 and big.json()["size"] == 700 * 1024
    over = admin("POST", "/admin/materials", {"kind": "file", "title": "手册", "filename": "m.pdf",
                                              "content": _b64(b"x" * (700 * 1024 + 1))})  # fmt: skip
    assert over.status_code == 400 and over.json()["field"] == "content"
    assert admin("DELETE", f"/admin/materials/{big.json()['material_id']}").status_code == 200
    assert admin("DELETE", f"/admin/scripts/{made[2]['script_id']}").json() == {"deleted": made[2]["script_id"]}


def test_a_members_own_items_are_theirs_alone(office, tsandbox) -> None:
    cid = office["cid"]
    alice, bob = [e["userid"] for e in tsandbox.corp(cid)["employees"][:2]]
    svc = _instance(tsandbox)
    own = svc.create_script(cid, alice, {"group": "我的", "title": "私房话", "text": "{name}，给您留了一件"}, personal=True)
    mine = svc.list_scripts(cid, alice, q="私房")["items"]
    assert [s["script_id"] for s in mine] == [own["script_id"]]
    assert svc.list_scripts(cid, bob, q="私房")["items"] == []
    assert own["script_id"] not in {s["script_id"] for s in office["admin"]("GET", "/admin/scripts").json()["items"]}
    assert office["admin"]("GET", f"/admin/scripts/{own['script_id']}").status_code == 404  # not corp-wide
    sent = svc.payload_for_send(cid, alice, script_id=own["script_id"], customer_name="王芳")
    assert sent == {"msgtype": "text", "text": {"content": "王芳，给您留了一件"}}
    from scrm.kernel.errors import NotFound

    for attempt in (lambda: svc.payload_for_send(cid, bob, script_id=own["script_id"]),
                    lambda: svc.update_script(cid, own["script_id"], bob, {"text": "x"}, personal=True),
                    lambda: svc.record_send(cid, "script", own["script_id"], bob)):  # fmt: skip
        with pytest.raises(NotFound):
            attempt()
    assert svc.delete_script(cid, own["script_id"], alice, personal=True) == {"deleted": own["script_id"]}


def test_an_image_is_uploaded_once_for_the_corp_and_again_after_two_and_a_half_days(office, tsandbox) -> None:
    cid, admin = office["cid"], office["admin"]
    mid = admin("POST", "/admin/materials", {"kind": "image", "title": "新品海报", "filename": "poster.png",
                                             "content": _b64(PNG)}).json()["material_id"]  # fmt: skip
    assert tsandbox.media(cid) == []  # nothing uploaded before a send
    instances = [_instance(tsandbox) for _ in range(20)]
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda n: instances[n].payload_for_send(cid, f"u{n}", material_id=mid), range(20)))
    uploads = tsandbox.media(cid)
    assert len(uploads) == 1 and len(tsandbox.calls(cid, path="media/upload")) == 1
    first = uploads[0]
    assert first["type"] == "image" and first["size"] == len(PNG) and first["filename"] == "poster.png"
    assert all(a == {"msgtype": "image", "image": {"mediaid": first["media_id"]}} for a in answers)
    # Later sends reuse it; the API shows when it was uploaded.
    for n in range(5):
        assert instances[n].payload_for_send(cid, "u1", material_id=mid)["image"]["mediaid"] == first["media_id"]
    kept = admin("GET", f"/admin/materials/{mid}").json()["media_uploaded_at"]
    assert 0 <= first["created_at"] - kept <= 10  # when the upload started: never later than WeCom's own time
    assert len(tsandbox.media(cid)) == 1

    # Just under 2.5 days on the sandbox's clock: still the same media_id, still valid on WeCom's side.
    tsandbox.advance_clock(REUPLOAD_AFTER_S - 120)
    assert instances[0].payload_for_send(cid, "u1", material_id=mid)["image"]["mediaid"] == first["media_id"]
    # Past 2.5 days: uploaded again once (10 sends at once), before WeCom's 3 days end.
    tsandbox.advance_clock(240)
    with ThreadPoolExecutor(10) as pool:
        again = list(pool.map(lambda n: instances[n].payload_for_send(cid, "u2", material_id=mid), range(10)))
    uploads = tsandbox.media(cid)
    assert len(uploads) == 2 and uploads[0]["expired"] is False
    second = uploads[1]["media_id"]
    assert {a["image"]["mediaid"] for a in again} == {second} and second != first["media_id"]
    # 3 days after the first upload WeCom drops it; every send hands out the live one.
    tsandbox.advance_clock(86_400)
    assert tsandbox.media(cid, first["media_id"])["expired"] is True
    mediaid = instances[3].payload_for_send(cid, "u3", material_id=mid)["image"]["mediaid"]
    assert mediaid == second and tsandbox.media(cid, mediaid)["expired"] is False
    # New bytes: the kept media_id is dropped and the next send uploads the new file.
    admin("PATCH", f"/admin/materials/{mid}", {"content": _b64(PNG + b"v2")})
    third = instances[4].payload_for_send(cid, "u3", material_id=mid)["image"]["mediaid"]
    assert third not in (first["media_id"], second) and tsandbox.media(cid, third)["size"] == len(PNG) + 2


def test_sends_are_counted_exactly(office, tsandbox) -> None:
    cid, admin = office["cid"], office["admin"]
    sid = admin("POST", "/admin/scripts", {"title": "计数", "text": "x"}).json()["script_id"]
    mid = admin("POST", "/admin/materials", {"kind": "link", "title": "{name}的专属链接", "url": "https://shop.example.com/a",
                                             "desc": "满减"}).json()["material_id"]  # fmt: skip
    link = _instance(tsandbox).payload_for_send(cid, "u1", material_id=mid, customer_name="李雷")
    assert link == {"msgtype": "news", "news": {"link": "https://shop.example.com/a", "title": "李雷的专属链接", "desc": "满减"}}
    instances = [_instance(tsandbox) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: instances[n % 8].record_send(cid, "script", sid, f"m{n % 3}"), range(60)))
        list(pool.map(lambda n: instances[n % 8].record_send(cid, "material", mid, "m0"), range(7)))
    by_item = {r["item_id"]: r for r in admin("GET", "/admin/content/usage").json()["items"]}
    assert by_item[sid]["sends"] == 60 and by_item[sid]["title"] == "计数" and by_item[mid]["sends"] == 7
    members = {r["userid"]: r["sends"] for r in admin("GET", "/admin/content/usage", by="member").json()["items"]}
    assert members == {"m0": 27, "m1": 20, "m2": 20}
    m0 = admin("GET", "/admin/content/usage", by="member", userid="m0").json()["items"]
    assert [(r["kind"], r["sends"]) for r in m0] == [("script", 20), ("material", 7)]
    r = admin("GET", "/admin/content/usage", by="day")
    assert r.status_code == 400 and r.json()["field"] == "by"


def test_the_cli_manages_both_libraries(office, tstack, tsandbox, capsys, tmp_path) -> None:
    from tests.integration.cli_api import as_corp
    from tests.integration.test_cli import run

    cid = office["cid"]
    poster = tmp_path / "poster.png"
    poster.write_bytes(PNG)
    with as_corp(tstack, cid):
        code, out, err = run(capsys, "scripts", "add", cid, "--group", "CLI", "--title", "开场白", "--text", "{name}您好")
        assert code == 0 and out.startswith("added script s"), err
        sid = out.split()[-1]
        code, out, _ = run(capsys, "scripts", "list", cid, "--group", "CLI")
        assert code == 0 and sid in out and "开场白" in out and "{name}您好" in out
        assert run(capsys, "scripts", "edit", cid, sid, "--text", "{name}，早上好")[0] == 0
        assert "{name}，早上好" in run(capsys, "scripts", "show", cid, sid)[1]
        code, out, err = run(capsys, "materials", "add", cid, "--kind", "image", "--title", "CLI海报", "--file", str(poster))
        assert code == 0 and out.startswith("added image material m"), err
        mid = out.split()[-1]
        code, out, _ = run(capsys, "materials", "list", cid, "--kind", "image", "--q", "cli海报")
        assert code == 0 and mid in out and "poster.png" in out and str(len(PNG)) in out
        code, out, err = run(capsys, "materials", "add", cid, "--kind", "link", "--title", "x", "--url", "ftp://x")
        assert code != 0 and "url" in err
        code, _, err = run(capsys, "materials", "add", cid, "--kind", "file", "--title", "x", "--file", str(tmp_path / "none"))
        assert code != 0 and "cannot read" in err
        assert run(capsys, "materials", "delete", cid, mid)[0] == 0
        assert run(capsys, "scripts", "delete", cid, sid)[0] == 0
        code, out, _ = run(capsys, "scripts", "usage", cid, "--by", "member")
        assert code == 0 and "send(s) counted" in out
