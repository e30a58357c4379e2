"""群活码 and 客户群 on the local stack, logged in as each role. An operator creates a group code over two of the
sandbox corp's groups (a refusal first, marked at its field), sees its QR image load and downloads it as PNG,
edits it and deletes it (an Element Plus confirmation, not a JS dialog): after each step what the API stored
and what WeCom holds (the join way). 客户群 lists the corp's groups as WeCom has them, a group's drawer shows
its members, and a label set there is what the API then shows. A viewer sees no write control on either page,
and the API refuses a label forged from the page. Names render as text. Screenshots at 1280×800 and 390×844."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.browser.conftest import NARROW, WIDE
from tests.browser.stack_login import log_in, staffed_corp
from tests.browser.test_console_pages import _api
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def grouped(stack: Any, sandbox: Any) -> dict[str, Any]:
    """A synced corp (admin, operator, viewer) with five customer groups of up to four members."""
    from scrm.adapters.dynamo import reads

    corp = staffed_corp(stack, sandbox, groups=5, members_per_group=4)
    cid = corp["corp_id"]
    for i, g in enumerate(sandbox.corp(cid)["groups"]):
        if not g["name"]:  # the seed leaves some unnamed: named here, so each row is told apart by its name
            name = f"补名群{i}"
            sandbox.do(cid, f"groups/{g['chat_id']}/update", {"update_detail": "change_name", "name": name, "wait": True})
            wait_for(lambda chat=g["chat_id"], name=name: (reads.group(cid, chat) or {}).get("name") == name,
                     what="renamed")  # fmt: skip
    corp["groups"] = {g["chat_id"]: g for g in sandbox.corp(cid)["groups"]}
    return corp


def _join_way(corp_id: str, config_id: str) -> dict[str, Any]:
    """The join way as WeCom (the sandbox) holds it, read with the admin's own WeCom client."""
    from scrm import bootstrap

    return bootstrap.admin_gateways().for_corp(corp_id).get_join_way(config_id)


def _label(group: dict[str, Any]) -> str:
    return f"{group['name'] or '未命名群'}（{len(group['member_list'])} 人）"


def test_an_operator_creates_sees_edits_and_deletes_a_group_code(stack, sandbox, grouped, watched):
    log_in(watched, stack, sandbox, grouped, "operator")
    page = watched.page
    cid = grouped["corp_id"]
    name = f"门店群码{uuid.uuid4().hex[:4]}{XSS}"
    page.goto(stack.console_url + "group-codes")
    page.get_by_test_id("create-group-code").click()
    form = page.get_by_test_id("group-code-form")
    form.get_by_test_id("group-code-name-input").fill(name)
    # No group chosen: the API's 400 is shown next to the groups' field, in words.
    form.get_by_test_id("submit-group-code").click()
    form.locator(".el-form-item.is-error", has_text="轮换的客户群").get_by_text("chat_ids").wait_for()
    chats = sorted(grouped["groups"])[:2]
    # The picker searches the groups' names on the server (GET /admin/groups?name=): typed, then chosen.
    picker = form.get_by_test_id("group-code-chats")
    for n, chat in enumerate(chats):
        picker.click()
        typed = grouped["groups"][chat]["name"]
        picker.locator("input").fill(typed)
        # the groups whose name matches, and the ones already chosen (kept, to show their names)
        matching = sorted({_label(g) for g in grouped["groups"].values() if typed in g["name"]}
                          | {_label(grouped["groups"][c]) for c in chats[:n]})  # fmt: skip
        assert len(matching) < len(grouped["groups"])  # the search narrows the list
        wait_for(lambda m=matching: sorted(page.locator(".el-select-dropdown__item:visible").all_inner_texts()) == m,
                 timeout_s=10, what="the picker lists only the groups whose name matches")  # fmt: skip
        page.locator(".el-select-dropdown__item:visible", has_text=_label(grouped["groups"][chat])).first.click()
    page.keyboard.press("Escape")
    for chat in chats:  # both chosen, shown by name
        picker.locator(".el-tag", has_text=grouped["groups"][chat]["name"]).wait_for()
    form.get_by_test_id("group-code-threshold").locator("input").fill("150")
    form.get_by_test_id("group-code-room-name").fill("门店新群")
    form.get_by_test_id("group-code-welcome").fill("欢迎 {name} 入群")
    watched.shot("group-code-form")
    form.get_by_test_id("submit-group-code").click()

    dialog = page.get_by_test_id("qr-dialog")
    image = dialog.get_by_test_id("qr-image")
    image.and_(page.locator("[data-loaded=true]")).wait_for()
    assert image.get_attribute("src").startswith("/wwpic/")  # same origin: the CSP's img-src 'self'
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    watched.shot("group-code-qr")
    with page.expect_download() as download:
        dialog.get_by_test_id("qr-download").click()
    # Chromium makes the file name safe (< and > become _); the rest is the code's name.
    assert download.value.suggested_filename == f"群活码-{name}.png".replace("<", "_").replace(">", "_")
    with open(download.value.path(), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    page.keyboard.press("Escape")

    [code] = [c for c in _api(page, "GET", "/admin/group-codes")["body"]["items"] if c["name"] == name]
    assert (code["chat_ids"], code["threshold"], code["auto_create_room"], code["room_base_name"]) == (
        chats, 150, True, "门店新群")
    assert code["welcome"]["text"] == "欢迎 {name} 入群" and code["welcome_template_id"]
    way = _join_way(cid, code["config_id"])
    assert (way["chat_id_list"], way["state"], way["room_base_name"]) == (chats, code["state"], "门店新群")
    assert code["qr_code"] == way["qr_code"]
    row = page.get_by_test_id("group-codes").locator(".el-table__row", has_text=name)
    assert row.count() == 1 and page.locator("img[src='x']").count() == 0  # the name is text
    assert _label(grouped["groups"][chats[0]]) in row.inner_text()

    # Edit: another name, one group only, no auto-create; the state stays.
    row.get_by_test_id("edit-group-code").click()
    assert form.get_by_test_id("group-code-name-input").input_value() == name
    renamed = f"改名群码{uuid.uuid4().hex[:4]}"
    form.get_by_test_id("group-code-name-input").fill(renamed)
    form.get_by_test_id("group-code-chats").locator(".el-tag__close").last.click()
    form.get_by_test_id("group-code-auto").click()
    form.get_by_test_id("submit-group-code").click()
    row = page.get_by_test_id("group-codes").locator(".el-table__row", has_text=renamed)
    row.wait_for()
    assert "否" in row.inner_text()
    saved = _api(page, "GET", f"/admin/group-codes/{code['code_id']}")["body"]
    assert (saved["name"], saved["chat_ids"], saved["auto_create_room"], saved["state"]) == (
        renamed, chats[:1], False, code["state"])
    assert saved["welcome"]["text"] == "欢迎 {name} 入群" and saved["threshold"] == 150
    way = _join_way(cid, code["config_id"])
    assert (way["chat_id_list"], way["auto_create_room"]) == (chats[:1], 0)

    # Delete, after the confirmation (cancel first: nothing happens).
    row.get_by_test_id("delete-group-code").click()
    box = page.locator(".el-message-box")
    box.get_by_text(f"删除群活码「{renamed}」").wait_for()
    page.wait_for_timeout(400)  # the box's fade-in, for the screenshot
    watched.shot("group-code-delete")
    box.get_by_role("button", name="取消").click()
    box.wait_for(state="hidden")
    assert _api(page, "GET", f"/admin/group-codes/{code['code_id']}")["body"]["status"] == "active"
    row.get_by_test_id("delete-group-code").click()
    box.get_by_role("button", name="删除").click()
    row.wait_for(state="detached")
    assert _api(page, "GET", f"/admin/group-codes/{code['code_id']}")["body"]["status"] == "deleted"
    with pytest.raises(Exception):  # noqa: B017 - WeCom no longer knows the join way
        _join_way(cid, code["config_id"])


def test_customer_groups_are_listed_opened_and_labelled(stack, sandbox, grouped, watched):
    log_in(watched, stack, sandbox, grouped, "operator")
    page = watched.page
    page.goto(stack.console_url + "groups")
    table = page.get_by_test_id("groups")
    rows = table.locator(".el-table__row")
    rows.nth(len(grouped["groups"]) - 1).wait_for()
    assert rows.count() == len(grouped["groups"])
    listed = sorted(t.strip() for t in table.get_by_test_id("group-name").all_inner_texts())
    assert listed == sorted(g["name"] for g in grouped["groups"].values())
    watched.shot("groups")

    chat, group = max(grouped["groups"].items(), key=lambda kv: (len(kv[1]["member_list"]), kv[0]))
    row = rows.filter(has=page.get_by_test_id("group-name").get_by_text(group["name"], exact=True))
    assert row.get_by_test_id("group-members").inner_text() == str(len(group["member_list"]))
    row.get_by_test_id("group-name").click()
    drawer = page.get_by_test_id("group-drawer")
    assert drawer.get_by_test_id("detail-group-name").inner_text() == group["name"]
    members = drawer.get_by_test_id("group-member-list").locator(".el-table__row")
    members.nth(len(group["member_list"]) - 1).wait_for()
    assert members.count() == len(group["member_list"])
    owner = grouped["members"][group["owner"]]
    names = [t.strip() for t in members.get_by_test_id("member-name").all_inner_texts()]
    assert names.count(f"{owner}（{group['owner']}）") == 1  # the owner, by name; the others invited by them

    label = f"门店{XSS}"
    drawer.get_by_test_id("edit-group-tags").click()
    picker = drawer.get_by_test_id("group-tags-input")
    picker.click()
    picker.locator("input").fill(label)  # a new label, typed: offered as an option of its own
    page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()
    assert picker.locator(".el-tag", has_text=label).count() == 1
    drawer.get_by_role("heading", name="客户群详情").click()  # away from the picker: its list closes
    drawer.get_by_test_id("save-group-tags").click()
    drawer.get_by_test_id("group-tags").locator(".el-tag", has_text=label).wait_for()
    assert page.locator("img[src='x']").count() == 0
    assert _api(page, "GET", f"/admin/groups/{chat}")["body"]["tags"] == [label]
    watched.shot("group-drawer")
    page.get_by_role("button", name="关闭此对话框").click()
    row.locator(".el-tag", has_text=label).wait_for()  # the list is read again

    # A second group takes the same label by name, from the picker's choices.
    other = next(c for c in sorted(grouped["groups"]) if c != chat)
    rows.filter(has=page.get_by_test_id("group-name").get_by_text(
        grouped["groups"][other]["name"], exact=True)).get_by_test_id("group-name").click()
    drawer.get_by_test_id("edit-group-tags").click()
    drawer.get_by_test_id("group-tags-input").click()
    page.locator(".el-select-dropdown__item:visible", has_text=label).first.click()
    drawer.get_by_role("heading", name="客户群详情").click()
    drawer.get_by_test_id("save-group-tags").click()
    drawer.get_by_test_id("group-tags").locator(".el-tag", has_text=label).wait_for()
    assert _api(page, "GET", f"/admin/groups/{other}")["body"]["tags"] == [label]


def test_a_viewer_sees_no_write_control_on_group_codes_or_groups(stack, sandbox, grouped, watched):
    log_in(watched, stack, sandbox, grouped, "viewer")
    page = watched.page
    page.goto(stack.console_url + "group-codes")
    page.get_by_test_id("group-codes").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("create-group-code").count() == 0
    assert page.get_by_test_id("edit-group-code").count() == page.get_by_test_id("delete-group-code").count() == 0
    page.goto(stack.console_url + "groups")
    page.get_by_test_id("group-name").first.click()
    page.get_by_test_id("group-member-list").wait_for()
    assert page.get_by_test_id("edit-group-tags").count() == 0
    watched.shot("viewer-group")
    chat = sorted(grouped["groups"])[-1]
    before = _api(page, "GET", f"/admin/groups/{chat}")["body"]["tags"]
    forged = _api(page, "PUT", f"/admin/groups/{chat}/tags", {"tags": ["越权"]})
    assert forged["status"] == 403 and "viewer" in forged["body"]["error"]
    assert _api(page, "GET", f"/admin/groups/{chat}")["body"]["tags"] == before


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280x800", "390x844"])
def test_both_pages_fit_the_screen(stack, sandbox, grouped, watched, viewport):
    log_in(watched, stack, sandbox, grouped, "operator")
    page = watched.page
    for path, title in (("group-codes", "群活码"), ("groups", "客户群")):
        page.goto(stack.console_url + path)
        page.get_by_role("heading", name=title).wait_for()
        page.wait_for_load_state("networkidle")
        assert page.locator("[role=alert]").count() == 0, page.locator("[role=alert]").all_inner_texts()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
        watched.shot(path)
    page.get_by_test_id("group-name").first.click()
    page.get_by_test_id("group-member-list").wait_for()
    watched.shot("group-drawer")
