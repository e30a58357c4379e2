"""The employee sidebar end to end on the local stack (issue 19), in headless Chromium at 390×844: WeCom's
client (the sandbox's stand-in) opens the page in a chat; the page logs the member in through WeCom's OAuth
link (confirmed by the client silently), registers with the real @wecom/jssdk on signatures from the admin
API, learns the customer from getCurExternalContact and shows their portrait; a tag added here reaches WeCom
first (mark_tag) and then our store; a customer the member does not serve is refused in words."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import NARROW
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


@pytest.fixture
def viewport() -> dict[str, int]:
    return NARROW


@pytest.fixture(scope="module")
def shop(stack, sandbox) -> dict[str, Any]:
    """A synced corp of 4 members; the last has no console role (a shop assistant)."""
    from tests.browser.stack_login import staffed_corp

    corp = staffed_corp(stack, sandbox, employees=4, customers_per_employee=2, groups=2, members_per_group=4)
    world = sandbox.corp(corp["corp_id"])
    served: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for c in world["customers"]:
        names[c["external_userid"]] = c["name"]
        for f in c["follow_users"]:
            served.setdefault(f["userid"], []).append(c["external_userid"])
    assistant = next(u for u in corp["members"] if u not in corp["by_role"].values())
    tags = [t for g in world["tag_groups"] for t in g["tag"]]
    return {**corp, "served": served, "names": names, "assistant": assistant, "tags": tags,
            "groups": world["groups"]}  # fmt: skip


def _open(watched: Any, stack: Any, sandbox: Any, shop: dict[str, Any], userid: str, unchecked: bool = False,
          **chat: str) -> dict[str, Any]:
    session = sandbox.client_session(shop["corp_id"], userid, unchecked=unchecked, **chat)
    watched.page.goto(f"{stack.sidebar_url}?corp_id={shop['corp_id']}&{session['url_param']}")
    return session


def test_a_shop_assistant_opens_the_sidebar_in_a_chat_and_sees_the_customer(stack, sandbox, shop, watched):
    who = shop["assistant"]
    ext = shop["served"][who][0]
    _open(watched, stack, sandbox, shop, who, external_userid=ext)
    page = watched.page
    page.get_by_test_id("portrait").wait_for()
    assert page.get_by_test_id("customer-name").inner_text() == shop["names"][ext]
    assert page.get_by_test_id("me").inner_text() == shop["members"][who]
    assert "code=" not in page.url  # the one-time code is out of the address bar
    page.get_by_test_id("relation").wait_for()
    watched.shot("portrait")
    # the login went through WeCom's OAuth: the sandbox issued a code for this member, silently
    logins = sandbox._call("GET", f"/corps/{shop['corp_id']}/login/codes")
    assert any(c.get("userid") == who and c.get("via") == "client" for c in logins.get("codes", logins))


def test_a_tag_added_in_the_sidebar_reaches_wecom_first(stack, sandbox, shop, watched):
    who = shop["assistant"]
    ext = shop["served"][who][1]
    _open(watched, stack, sandbox, shop, who, external_userid=ext)
    page = watched.page
    page.get_by_test_id("tags").wait_for()
    held = {t["tag_id"] for t in sandbox_relation(sandbox, shop, ext, who)["tags"]}
    tag = next(t for t in shop["tags"] if t["id"] not in held)
    since = sandbox.call_counts(shop["corp_id"])["last_seq"]  # seq is global to the sandbox
    page.get_by_test_id("tag-picker").focus()
    page.get_by_test_id("tag-picker").select_option(tag["id"])
    page.get_by_test_id("add-tag").click()
    page.get_by_test_id("tag-saved").wait_for()
    page.get_by_test_id(f"tag-{tag['id']}").wait_for()
    assert page.get_by_test_id(f"tag-{tag['id']}").inner_text().startswith(tag["name"])  # by name, not id
    marks = [c for c in sandbox.calls(shop["corp_id"], since=since) if c["path"].endswith("mark_tag")]
    assert [(m["body"]["userid"], m["body"]["add_tag"]) for m in marks] == [(who, [tag["id"]])]
    assert tag["id"] in {t["tag_id"] for t in sandbox_relation(sandbox, shop, ext, who)["tags"]}
    from scrm.adapters.dynamo import reads

    wait_for(lambda: tag["id"] in (reads.follow(shop["corp_id"], ext, who) or {}).get("tag_ids", []),
             timeout_s=10, what="our store holds the tag")
    watched.shot("tag-added")


def test_the_member_moves_the_stage_and_writes_a_note(stack, sandbox, shop, watched):
    from scrm import bootstrap

    who = shop["assistant"]
    ext = shop["served"][who][0]
    _open(watched, stack, sandbox, shop, who, external_userid=ext)
    page = watched.page
    page.get_by_test_id("stage-picker").select_option("deal")
    page.get_by_test_id("save-stage").click()
    page.get_by_text("当前：成交").wait_for()
    page.get_by_test_id("note-text").fill("顾客想要 <b>面霜</b> 小样，周六来店")
    page.get_by_test_id("add-note").click()
    page.get_by_test_id("note").first.wait_for()
    assert page.get_by_test_id("note").first.inner_text().endswith("顾客想要 <b>面霜</b> 小样，周六来店")  # as text
    watched.shot("stage-and-note")
    stored = bootstrap.stages()
    assert stored.stage_of(shop["corp_id"], ext)["stage"]["id"] == "deal"
    assert stored.stage_of(shop["corp_id"], ext)["by_userid"] == who
    notes = stored.notes(shop["corp_id"], ext)["items"]
    assert [(n["text"], n["by_userid"]) for n in notes] == [("顾客想要 <b>面霜</b> 小样，周六来店", who)]
    page.reload()  # what a reload shows comes from the store
    page.get_by_test_id("stage-info").wait_for()
    assert "成交" in page.get_by_test_id("stage-info").inner_text()
    assert page.get_by_test_id("note").count() == 1


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000 + b"IEND"


def test_a_script_with_the_customers_name_and_an_image_are_sent_in_one_tap(stack, sandbox, shop, watched):
    import base64

    from scrm import bootstrap

    content = bootstrap.content()
    cid, who = shop["corp_id"], shop["assistant"]
    script = content.create_script(cid, "cli", {"group": "欢迎", "title": "到店问候", "text": "{name}您好，新品到店了"})
    image = content.create_material(cid, "cli", {"kind": "image", "title": "新品海报", "filename": "poster.png",
                                                 "content": base64.b64encode(PNG).decode()})  # fmt: skip
    ext = shop["served"][who][1]
    session = _open(watched, stack, sandbox, shop, who, external_userid=ext)
    page = watched.page
    page.get_by_test_id("portrait").wait_for()
    page.get_by_test_id("tab-script").click()
    page.get_by_test_id(f"send-{script['script_id']}").click()
    page.get_by_test_id(f"sent-{script['script_id']}").wait_for()
    watched.shot("script-sent")
    page.get_by_test_id("tab-material").click()
    page.get_by_test_id(f"send-{image['material_id']}").click()
    page.get_by_test_id(f"sent-{image['material_id']}").wait_for()
    watched.shot("image-sent")
    calls = sandbox.client_calls(session["id"], "sendChatMessage")
    assert [c["ok"] for c in calls] == [True, True], calls
    assert calls[0]["params"]["msgtype"] == "text"
    assert calls[0]["params"]["text"]["content"] == f"{shop['names'][ext]}您好，新品到店了"
    media_id = calls[1]["params"]["image"]["mediaid"]
    assert sandbox.media(cid, media_id)["type"] == "image"
    wait_for(lambda: {r["item_id"]: r["sends"] for r in content.usage(cid)["items"]}
             == {script["script_id"]: 1, image["material_id"]: 1}, timeout_s=10, what="both sends counted")


def test_another_members_customer_is_refused_in_words(stack, sandbox, shop, watched):
    who = shop["assistant"]
    theirs = next(e for u, exts in shop["served"].items() if u != who for e in exts if e not in shop["served"][who])
    _open(watched, stack, sandbox, shop, who, external_userid=theirs, unchecked=True)  # a forged chat
    page = watched.page
    page.get_by_test_id("portrait-error").wait_for()
    assert "不是你服务的客户" in page.get_by_test_id("portrait-error").inner_text()
    assert shop["names"][theirs] not in page.content()


def test_a_group_chat_shows_the_group(stack, sandbox, shop, watched):
    group = shop["groups"][0]
    _open(watched, stack, sandbox, shop, group["owner"], chat_id=group["chat_id"])
    page = watched.page
    page.get_by_test_id("group-portrait").wait_for()
    assert page.get_by_test_id("group-owner").inner_text() == shop["members"][group["owner"]]
    assert page.get_by_test_id("group-count").inner_text().startswith(f"{len(group['member_list'])} 人")


def test_a_mass_send_waits_as_the_members_task_then_shows_as_delivered(stack, sandbox, shop, watched):
    """An admin's mass send to the assistant's customers: the sidebar puts it first as the assistant's task
    (the text as typed, shown as text); once they send it in WeCom and the collector reads it, a reload shows
    it delivered and the task is gone."""
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    from tests.integration.test_admin_api import Admin

    cid, who = shop["corp_id"], shop["assistant"]
    ext = shop["served"][who][0]
    sandbox.set_groupmsg_dispatch(cid, 0)
    admin = Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.ADMIN, "sidebar sends")["key"])
    text = "<b>周末</b>到店有礼"
    made = admin("POST", "/admin/mass-sends", {"name": "周末到店", "text": text,
                                               "recipients": {"filter": {"employees": [who]}}})  # fmt: skip
    assert made.status_code == 202, made.text
    sid = made.json()["send"]["send_id"]
    msg = wait_for(lambda: next((m for m in sandbox.groupmsgs(cid, "single")["groupmsgs"] if m["text"] == text),
                                None), timeout_s=30, what="the WeCom task")  # fmt: skip
    _open(watched, stack, sandbox, shop, who, external_userid=ext)
    page = watched.page
    page.get_by_test_id(f"task-{sid}").wait_for()
    assert text in page.get_by_test_id(f"task-{sid}").inner_text()  # markup typed is shown as text
    assert page.get_by_test_id(f"received-status-{sid}").inner_text() == "待员工发送"
    watched.shot("task-waiting")

    sandbox.confirm_groupmsg(cid, msg["msgid"], who)
    stack.run_job("collect_mass_send_results")

    def delivered() -> bool:
        page.reload()
        page.get_by_test_id("received").wait_for()
        return page.get_by_test_id(f"received-status-{sid}").inner_text() == "已送达"

    wait_for(delivered, timeout_s=30, what="delivered after the collector")
    assert page.get_by_test_id(f"task-{sid}").count() == 0
    watched.shot("received-sent")


def sandbox_relation(sandbox: Any, shop: dict[str, Any], ext: str, userid: str) -> dict[str, Any]:
    customer = next(c for c in sandbox.corp(shop["corp_id"])["customers"] if c["external_userid"] == ext)
    follow = next(f for f in customer["follow_users"] if f["userid"] == userid)
    return {"tags": [{"tag_id": t} for t in follow.get("tag_ids", [])]}


def _png(width: int = 96, height: int = 64) -> bytes:
    """A real PNG (a two-colour picture), so the page's preview and WeCom's check both see an image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"".join(bytes((22, 119, 255) if (x // 16 + y // 16) % 2 else (255, 196, 0))
                                     for x in range(width)) for y in range(height))  # fmt: skip
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_a_member_adds_an_image_of_their_own_sends_it_in_one_tap_and_edits_their_script(stack, sandbox, shop, watched):
    """Issue 19 item 3, the personal library in the page: an image chosen from the phone (checked for its kind
    and size before any upload, read to base64 in the browser) becomes the member's own material, marked 我的,
    sent in one tap (WeCom's client gets a media_id the sandbox issued for those very bytes) and deleted after
    a confirmation in the page; a bad link is refused naming the field; the member edits their own script."""
    import hashlib

    from scrm import bootstrap

    content = bootstrap.content()
    cid, who = shop["corp_id"], shop["assistant"]
    ext = shop["served"][who][0]
    session = _open(watched, stack, sandbox, shop, who, external_userid=ext)
    page = watched.page
    page.get_by_test_id("portrait").wait_for()
    page.get_by_test_id("tab-material").click()
    page.get_by_test_id("new-material").wait_for()
    page.get_by_test_id("material-kind-image").click()
    picker = page.get_by_test_id("material-file")
    # Checked in the page, before any upload: too big, and not a JPG or PNG.
    picker.set_input_files({"name": "huge.png", "mimeType": "image/png", "buffer": _png() + b"\0" * (720 * 1024)})
    assert "太大" in page.get_by_test_id("material-error").inner_text()
    assert "700 KB" in page.get_by_test_id("material-error").inner_text()
    picker.set_input_files({"name": "anim.gif", "mimeType": "image/gif", "buffer": b"GIF89a" + b"\0" * 64})
    assert "JPG 或 PNG" in page.get_by_test_id("material-error").inner_text()
    assert page.get_by_test_id("save-material").is_disabled()
    assert [m for m in content.list_materials(cid, who)["items"] if m["scope"] == "personal"] == []  # nothing sent

    image = _png()
    page.get_by_test_id("material-file").set_input_files({"name": "shelf.png", "mimeType": "image/png", "buffer": image})
    page.get_by_test_id("material-preview").wait_for()
    assert page.get_by_test_id("material-title").input_value() == "shelf"  # the file's name, to start from
    title = "货架陈列 <b>新品</b>"
    page.get_by_test_id("material-title").fill(title)
    watched.shot("material-chosen")
    page.get_by_test_id("save-material").click()
    page.get_by_test_id("own-saved").wait_for()
    mine = next(m for m in content.list_materials(cid, who)["items"] if m["title"] == title)
    mid = mine["material_id"]
    assert (mine["scope"], mine["owner"], mine["kind"], mine["size"]) == ("personal", who, "image", len(image))
    row = page.get_by_test_id(f"material-{mid}")
    row.wait_for()
    assert title in row.inner_text()  # typed markup shown as text
    assert page.get_by_test_id(f"mine-{mid}").inner_text() == "我的"

    page.get_by_test_id(f"send-{mid}").click()
    page.get_by_test_id(f"sent-{mid}").wait_for()
    watched.shot("own-image-sent")
    calls = sandbox.client_calls(session["id"], "sendChatMessage")
    assert [(c["ok"], c["params"]["msgtype"]) for c in calls] == [(True, "image")], calls
    uploaded = sandbox.media(cid, calls[0]["params"]["image"]["mediaid"])
    assert uploaded["type"] == "image" and uploaded["size"] == len(image)
    assert uploaded["sha256"] == hashlib.sha256(image).hexdigest()  # the very bytes the member chose
    wait_for(lambda: {r["item_id"]: r["sends"] for r in content.usage(cid, "member", who)["items"]}.get(mid) == 1,
             timeout_s=10, what="the send counted")

    # A link the API refuses: the field named in words.
    page.get_by_test_id("material-kind-link").click()
    page.get_by_test_id("material-title").fill("活动页")
    page.get_by_test_id("material-url").fill("ftp://shop.example.com/p")
    page.get_by_test_id("save-material").click()
    assert "「链接地址」有误（字段：url）" in page.get_by_test_id("material-error").inner_text()

    # Delete: asked in the page (never a browser dialog), then gone from the page and the store.
    page.get_by_test_id(f"delete-{mid}").click()
    page.get_by_test_id(f"confirm-{mid}").wait_for()
    watched.shot("delete-asked")
    page.get_by_test_id(f"confirm-delete-{mid}").click()
    page.get_by_test_id(f"material-{mid}").wait_for(state="detached")
    assert mid not in {m["material_id"] for m in content.list_materials(cid, who)["items"]}

    # The member's own script: edited here, then sent with the new words.
    script = content.create_script(cid, who, {"title": "我的开场白", "text": "您好"}, personal=True)
    sid = script["script_id"]
    page.get_by_test_id("tab-script").click()
    page.get_by_test_id(f"mine-{sid}").wait_for()
    page.get_by_test_id(f"edit-{sid}").click()
    page.get_by_test_id("edit-text").fill("{name}您好，我是您的专属顾问")
    watched.shot("script-editing")
    page.get_by_test_id("save-edit").click()
    page.get_by_test_id(f"edit-form-{sid}").wait_for(state="detached")
    assert "{name}您好，我是您的专属顾问" in page.get_by_test_id(f"script-{sid}").inner_text()
    assert content.script(cid, sid, who)["text"] == "{name}您好，我是您的专属顾问"
    page.get_by_test_id(f"send-{sid}").click()
    page.get_by_test_id(f"sent-{sid}").wait_for()
    watched.shot("script-edited-sent")
    last = sandbox.client_calls(session["id"], "sendChatMessage")[-1]
    assert last["params"]["text"]["content"] == f"{shop['names'][ext]}您好，我是您的专属顾问"
    # Deleted meanwhile (another chat's sidebar): a tap says the script is gone, not that the customer is.
    content.delete_script(cid, sid, who, personal=True)
    page.get_by_test_id(f"send-{sid}").click()
    assert "找不到这条话术" in page.get_by_test_id(f"send-error-{sid}").inner_text()
