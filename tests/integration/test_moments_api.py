"""Moment tasks through the admin API against the session's stack and WeCom sandbox (issue 20): a task with two
image materials is checked, its images uploaded with media/upload_attachment and created once with
add_moment_task; a read finds WeCom's job done and keeps the moment_id and the senders WeCom could not take;
a repeat request returns the same task; bad input is a 400 naming the field and nothing reaches WeCom; a
cancel reaches WeCom once the moment exists."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.integration.test_admin_api import Admin, _synced_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000 + b"IEND"


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    corp = _synced_corp(stack, sandbox, employees=3, customers_per_employee=2, groups=0)
    cid = corp["corp_id"]
    admin = Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.ADMIN, "moments")["key"])
    world = sandbox.corp(cid)
    images = [admin("POST", "/admin/materials", {"kind": "image", "title": f"海报{i}", "filename": f"p{i}.png",
                                                   "content": base64.b64encode(PNG).decode()}).json()["material_id"]
              for i in range(2)]  # fmt: skip
    script = admin("POST", "/admin/materials", {"kind": "text", "title": "文案", "text": "hi"}).json()["material_id"]
    tag = world["tag_groups"][0]["tag"][0]["id"]
    return {"cid": cid, "admin": admin, "images": images, "text_material": script, "tag": tag,
            "members": sorted(e["userid"] for e in world["employees"])}  # fmt: skip


def _calls(sandbox, cid: str, api: str) -> int:
    return len(sandbox.calls(cid, path=api))


def test_a_task_is_made_once_in_wecom_and_read_back_with_its_moment(stack, sandbox, shop):
    cid, admin = shop["cid"], shop["admin"]
    sandbox.set_moment_job_time(cid, 1)
    body = {"name": "秋季新品", "text": "秋季新品到店，欢迎选购", "images": shop["images"],
            "senders": shop["members"][:2], "tags": [shop["tag"]], "request_id": "autumn-1"}  # fmt: skip
    r = admin("POST", "/admin/moments", body)
    assert r.status_code == 201, r.text
    task = r.json()["moment"]
    assert task["state"] == "job" and task["jobid"]
    assert _calls(sandbox, cid, "media/upload_attachment") == 2
    assert _calls(sandbox, cid, "externalcontact/add_moment_task") == 1
    again = admin("POST", "/admin/moments", body)
    assert again.status_code == 200 and again.json()["moment"]["moment_task_id"] == task["moment_task_id"]
    assert _calls(sandbox, cid, "externalcontact/add_moment_task") == 1

    tid = task["moment_task_id"]
    sandbox.advance_clock(2)
    done = wait_for(lambda: (m := admin("GET", f"/admin/moments/{tid}").json())["state"] == "created" and m,
                    timeout_s=30, what="the job done")  # fmt: skip
    assert done["moment_id"] and done["invalid_senders"] == 0
    wecom = sandbox.moment(cid, done["moment_id"])
    assert wecom["text"] == body["text"] and wecom["tag_ids"] == [shop["tag"]]
    assert sorted(t["userid"] for t in wecom["tasks"]) == shop["members"][:2]
    assert [a["msgtype"] for a in wecom["attachments"]] == ["image", "image"]
    listed = admin("GET", "/admin/moments").json()["items"]
    assert listed[0]["moment_task_id"] == tid and listed[0]["spec"]["senders"] == 2

    r = admin("POST", f"/admin/moments/{tid}/cancel")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert _calls(sandbox, cid, "externalcontact/cancel_moment_task") == 1
    assert sandbox.moment(cid, done["moment_id"])["cancelled_at"]


@pytest.mark.parametrize("change, field", [
    ({"text": "字" * 2001}, "text"),
    ({"images": ["m"] * 10}, "images"),
    ({"link": {"title": "t", "url": "https://e.example/a", "cover": "x"}}, "link"),
    ({"images": ["mNoSuchMaterial"]}, "images[0]"),
    ({"senders": ["nobody"]}, "senders[0]"),
    ({"tags": ["etNoSuchTag"]}, "tags[0]"),
    ({"name": ""}, "name"),
    ({"colour": "red"}, "colour"),
])  # fmt: skip
def test_bad_input_is_a_400_naming_the_field_and_wecom_is_not_asked(sandbox, shop, change, field):
    cid, admin = shop["cid"], shop["admin"]
    before = (_calls(sandbox, cid, "externalcontact/add_moment_task"), _calls(sandbox, cid, "media/upload_attachment"))
    body = {"name": "坏请求", "text": "x", "images": shop["images"][:1], **change}
    r = admin("POST", "/admin/moments", body)
    assert r.status_code == 400, r.text
    assert r.json()["field"].startswith(field), r.json()
    assert (_calls(sandbox, cid, "externalcontact/add_moment_task"),
            _calls(sandbox, cid, "media/upload_attachment")) == before  # fmt: skip


def test_a_text_material_is_not_an_image_and_an_unknown_task_is_404(shop):
    admin = shop["admin"]
    r = admin("POST", "/admin/moments", {"name": "n", "images": [shop["text_material"]]})
    assert r.status_code == 400 and r.json()["field"] == "images[0]"
    assert admin("GET", "/admin/moments/mtNoSuchTask").status_code == 404
