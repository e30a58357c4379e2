"""The sidebar's routes over HTTP on the local stack (issue 19): WeCom's OAuth through the sandbox, a member
seeing only the customers and groups they serve (an admin the corp's), tag edits reaching WeCom first, and
the two session kinds never standing in for each other."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import new_corp
from tests.integration.console import Console
from tests.integration.sidebar import Sidebar
from tests.support.syncing import sync_and_wait

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def corp(stack, sandbox) -> dict[str, Any]:
    from scrm.staff_auth.wiring import staff_auth

    corp = new_corp(stack, sandbox, seed={"employees": 4, "customers_per_employee": 3, "groups": 4,
                                          "members_per_group": 4})  # fmt: skip
    cid = corp["corp_id"]
    sync_and_wait(cid)
    world = sandbox.corp(cid)
    people = sorted(e["userid"] for e in world["employees"])
    served: dict[str, list[str]] = {p: [] for p in people}
    for c in world["customers"]:
        for f in c["follow_users"]:
            served[f["userid"]].append(c["external_userid"])
    boss, member = people[0], people[1]
    staff_auth().grant(cid, boss, "admin", "cli", operator=True)
    return {**corp, "boss": boss, "member": member, "served": served, "groups": world["groups"],
            "people": people, "tags": [t["id"] for g in world["tag_groups"] for t in g["tag"]]}  # fmt: skip


def _not_mine(corp: dict[str, Any], userid: str) -> str:
    mine = set(corp["served"][userid])
    return next(e for p, exts in corp["served"].items() if p != userid for e in exts if e not in mine)


def test_a_member_without_a_console_role_logs_in_and_sees_their_customer(stack, corp):
    s = Sidebar.open(stack.admin_url, corp["corp_id"], corp["member"])
    assert (s.me["userid"], s.me["role"], s.me["corp_wide"]) == (corp["member"], None, False)
    assert s.me["agent_id"] and s.me["csrf_token"]
    ext = corp["served"][corp["member"]][0]
    r = s("GET", f"/admin/sidebar/customers/{ext}")
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["relation"]["userid"] == corp["member"] and p["profile"]["name"]
    assert all(o["userid"] != corp["member"] for o in p["others"])


def test_another_members_customer_answers_as_a_customer_that_does_not_exist(stack, corp):
    s = Sidebar.open(stack.admin_url, corp["corp_id"], corp["member"])
    other = s("GET", f"/admin/sidebar/customers/{_not_mine(corp, corp['member'])}")
    nobody = s("GET", "/admin/sidebar/customers/wmNoSuchCustomer000")
    assert other.status_code == nobody.status_code == 404
    assert other.json()["error"].replace(_not_mine(corp, corp["member"]), "X") == nobody.json()["error"].replace(
        "wmNoSuchCustomer000", "X")
    tags = s("POST", f"/admin/sidebar/customers/{_not_mine(corp, corp['member'])}/tags", {"add": [corp["tags"][0]]})
    assert tags.status_code == 404


def test_an_admin_reads_every_customer_of_the_corp(stack, corp):
    s = Sidebar.open(stack.admin_url, corp["corp_id"], corp["boss"])
    assert s.me["role"] == "admin" and s.me["corp_wide"] is True
    p = s("GET", f"/admin/sidebar/customers/{_not_mine(corp, corp['boss'])}").json()
    assert p["relation"] is None and p["others"] and p["corp_wide"] is True


def test_tags_are_written_to_wecom_first_then_shown(stack, sandbox, corp):
    cid, who = corp["corp_id"], corp["member"]
    s = Sidebar.open(stack.admin_url, cid, who)
    ext = corp["served"][who][1]
    tag = next(t for t in corp["tags"] if t not in {x["tag_id"] for x in
               s("GET", f"/admin/sidebar/customers/{ext}").json()["relation"]["tags"]})  # fmt: skip
    forged = s("POST", f"/admin/sidebar/customers/{ext}/tags", {"add": [tag]}, csrf=False)
    assert forged.status_code == 403 and forged.json()["field"] == "X-CSRF-Token"
    since = sandbox.call_counts(cid)["last_seq"]  # seq is global to the sandbox, not a count of this corp's calls
    r = s("POST", f"/admin/sidebar/customers/{ext}/tags", {"add": [tag]})
    assert r.status_code == 200, r.text
    assert tag in {t["tag_id"] for t in r.json()["tags"]}
    marks = [c for c in sandbox.calls(cid, since=since) if c["path"].endswith("externalcontact/mark_tag")]
    assert len(marks) == 1 and marks[0]["body"]["userid"] == who and marks[0]["body"]["add_tag"] == [tag]
    follows = [f for c in sandbox.corp(cid)["customers"] if c["external_userid"] == ext for f in c["follow_users"]]
    assert tag in next(f for f in follows if f["userid"] == who)["tag_ids"]
    bad = s("POST", f"/admin/sidebar/customers/{ext}/tags", {"add": "not-a-list"})
    assert bad.status_code == 400 and bad.json()["field"] == "add"


def test_a_group_is_shown_to_its_owner_and_not_to_an_outsider(stack, corp):
    group = corp["groups"][0]
    owner = group["owner"]
    outsider = next(p for p in corp["people"] if p != owner and p != corp["boss"]
                    and p not in {m["userid"] for m in group["member_list"]})  # fmt: skip
    mine = Sidebar.open(stack.admin_url, corp["corp_id"], owner)("GET", f"/admin/sidebar/groups/{group['chat_id']}")
    assert mine.status_code == 200, mine.text
    assert mine.json()["owner"] == owner and mine.json()["member_count"] == len(group["member_list"])
    theirs = Sidebar.open(stack.admin_url, corp["corp_id"], outsider)("GET", f"/admin/sidebar/groups/{group['chat_id']}")
    assert theirs.status_code == 404


def test_a_group_portrait_lists_the_group_sops_that_target_it(stack, corp):
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    from tests.integration.test_admin_api import Admin

    group, other = corp["groups"][1], corp["groups"][2]
    admin = Admin(stack.admin_url, bootstrap.api_keys().create(corp["corp_id"], Role.ADMIN, "sops")["key"])
    assert admin("PUT", f"/admin/groups/{group['chat_id']}/tags", {"tags": ["门店群"]}).status_code == 200
    made = admin("POST", "/admin/sops", {"kind": "group", "name": "门店群周末活动", "targets": {"tags_any": ["门店群"]},
                                          "steps": [{"id": "d", "weekly": [6], "at": "10:00", "text": "周末见"}]})
    assert made.status_code == 201, made.text
    mine = Sidebar.open(stack.admin_url, corp["corp_id"], group["owner"])("GET", f"/admin/sidebar/groups/{group['chat_id']}")
    assert [(s["name"], s["status"]) for s in mine.json()["sops"]] == [("门店群周末活动", "active")]
    theirs = Sidebar.open(stack.admin_url, corp["corp_id"], other["owner"])("GET", f"/admin/sidebar/groups/{other['chat_id']}")
    assert theirs.json()["sops"] == []


def test_the_customer_portrait_lists_the_groups_the_customer_is_in(stack, corp):
    group = next(g for g in corp["groups"] if any(m["type"] == 2 for m in g["member_list"]))
    ext = next(m["userid"] for m in group["member_list"] if m["type"] == 2)
    s = Sidebar.open(stack.admin_url, corp["corp_id"], corp["boss"])
    p = s("GET", f"/admin/sidebar/customers/{ext}")
    if p.status_code == 404:  # a group member who is nobody's customer has no portrait
        pytest.skip("the seeded group's customer has no relation")
    assert group["chat_id"] in {g["chat_id"] for g in p.json()["groups"]}


def test_keys_and_console_sessions_cannot_use_the_sidebar_nor_the_sidebar_the_console(stack, sandbox, corp):
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    key = bootstrap.api_keys().create(corp["corp_id"], Role.ADMIN, "sidebar test")["key"]
    as_key = requests.get(f"{stack.admin_url}/admin/sidebar/me", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert as_key.status_code == 403 and "not an API key" in as_key.json()["error"]
    console = Console.log_in(stack.admin_url, sandbox, corp["corp_id"], corp["boss"])
    assert console("GET", "/admin/sidebar/me").status_code == 401
    s = Sidebar.open(stack.admin_url, corp["corp_id"], corp["boss"])
    as_console = requests.get(f"{stack.admin_url}/admin/customers", timeout=30,
                              headers={"Cookie": f"__Host-scrm_session={s.session}"})
    assert as_console.status_code == 401  # the same id in the console's cookie opens nothing
    assert s("GET", "/admin/customers").status_code == 401


def test_js_config_signs_the_page_url_and_logout_ends_the_session(stack, corp):
    s = Sidebar.open(stack.admin_url, corp["corp_id"], corp["member"])
    r = s("GET", "/admin/sidebar/js-config", url="http://127.0.0.1:5174/sidebar/?corp_id=x#frag")
    assert r.status_code == 200, r.text
    assert r.json()["config"]["appId"] == corp["corp_id"] and len(r.json()["agentConfig"]["signature"]) == 40
    assert s("GET", "/admin/sidebar/js-config", url="not a url").status_code == 400
    out = requests.post(f"{stack.admin_url}/admin/sidebar/auth/logout", timeout=30,
                        headers={"Cookie": f"__Host-scrm_sidebar={s.session}"})
    assert out.status_code == 200
    assert s("GET", "/admin/sidebar/me").status_code == 401


def test_a_stranger_and_a_member_the_sync_never_saw_are_refused_in_words(stack, sandbox, corp):
    cid = corp["corp_id"]
    from tests.integration.console import issue_code

    stranger = requests.post(f"{stack.admin_url}/admin/sidebar/auth/login", timeout=30,
                             json={"corp_id": cid, "code": issue_code(sandbox, cid)})
    assert stranger.status_code == 403 and "not one" in stranger.json()["error"]
    sandbox.do(cid, "users/create", {"userid": "newcomer", "name": "新人", "callback": False})  # not synced yet
    late = requests.post(f"{stack.admin_url}/admin/sidebar/auth/login", timeout=30,
                         json={"corp_id": cid, "code": issue_code(sandbox, cid, userid="newcomer")})
    assert late.status_code == 403 and "scrm sync start" in late.json()["error"], late.text


def test_a_member_moves_the_stage_and_writes_notes_on_the_customer_they_serve(stack, corp):
    who = corp["member"]
    s = Sidebar.open(stack.admin_url, corp["corp_id"], who)
    ext = corp["served"][who][2]
    before = s("GET", f"/admin/sidebar/customers/{ext}").json()
    assert [st["id"] for st in before["stages"]][:2] == ["new", "intent"] and before["notes"]["items"] == []
    moved = s("PUT", f"/admin/sidebar/customers/{ext}/stage", {"stage": "intent"})
    assert moved.status_code == 200 and moved.json()["stage"]["id"] == "intent" and moved.json()["by_userid"] == who
    for _ in range(2):  # the page's retry of one note (same note_id): stored once
        r = s("POST", f"/admin/sidebar/customers/{ext}/notes", {"text": "周末来店试用", "note_id": "n-page-1"})
        assert r.status_code == 201, r.text
    after = s("GET", f"/admin/sidebar/customers/{ext}").json()
    assert after["stage"]["stage"]["name"] == "意向"
    assert [n["text"] for n in after["notes"]["items"]] == ["周末来店试用"]
    kinds = [e.get("change_type") for e in after["timeline"]]
    assert kinds.count("stage") == 1 and kinds.count("note") == 1, kinds
    assert s("PUT", f"/admin/sidebar/customers/{ext}/stage", {"stage": "nosuch"}).json()["field"] == "stage"
    assert s("POST", f"/admin/sidebar/customers/{ext}/notes", {"text": ""}).json()["field"] == "text"
    other = _not_mine(corp, who)
    assert s("PUT", f"/admin/sidebar/customers/{other}/stage", {"stage": "deal"}).status_code == 404
    assert s("POST", f"/admin/sidebar/customers/{other}/notes", {"text": "x"}).status_code == 404
    assert s("GET", f"/admin/sidebar/customers/{other}/notes").status_code == 404


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000 + b"IEND"


def test_scripts_and_materials_are_sent_in_one_tap_and_counted(stack, sandbox, corp):
    import base64

    from scrm import bootstrap
    from scrm.corps.api_key import Role

    from tests.integration.test_admin_api import Admin

    cid, who = corp["corp_id"], corp["member"]
    admin = Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.ADMIN, "content")["key"])
    script = admin("POST", "/admin/scripts", {"group": "欢迎", "title": "问候", "text": "{name}您好，新品到店了"}).json()
    image = admin("POST", "/admin/materials", {"kind": "image", "title": "新品海报", "filename": "poster.png",
                                                 "content": base64.b64encode(PNG).decode()}).json()  # fmt: skip
    s = Sidebar.open(stack.admin_url, cid, who)
    own = s("POST", "/admin/sidebar/scripts", {"title": "我的开场白", "text": "我是{name}的专属顾问"})
    assert own.status_code == 201 and own.json()["scope"] == "personal", own.text
    listed = s("GET", "/admin/sidebar/scripts").json()
    assert {x["script_id"] for x in listed["items"]} >= {script["script_id"], own.json()["script_id"]}
    other = Sidebar.open(stack.admin_url, cid, corp["people"][2])
    assert own.json()["script_id"] not in {x["script_id"] for x in other("GET", "/admin/sidebar/scripts").json()["items"]}
    assert image["material_id"] in {m["material_id"] for m in s("GET", "/admin/sidebar/materials", kind="image").json()["items"]}

    ext = corp["served"][who][0]
    name = s("GET", f"/admin/sidebar/customers/{ext}").json()["profile"]["name"]
    text = s("POST", "/admin/sidebar/send", {"script_id": script["script_id"], "external_userid": ext})
    assert text.status_code == 200, text.text
    assert text.json()["message"] == {"msgtype": "text", "text": {"content": f"{name}您好，新品到店了"}}
    since = sandbox.call_counts(cid)["last_seq"]  # seq is global to the sandbox, not a count of this corp's calls
    media_ids = {s("POST", "/admin/sidebar/send", {"material_id": image["material_id"], "external_userid": ext})
                 .json()["message"]["image"]["mediaid"] for _ in range(3)}  # fmt: skip
    uploads = [c for c in sandbox.calls(cid, since=since) if c["path"].endswith("media/upload")]
    assert len(media_ids) == 1 and len(uploads) == 1  # one upload for the corp, reused while it lives
    assert sandbox.media(cid, media_ids.pop())["type"] == "image"

    for kind, item in (("script", script["script_id"]), ("material", image["material_id"]), ("script", script["script_id"])):
        assert s("POST", "/admin/sidebar/sent", {"kind": kind, "item_id": item}).json()["counted"] is True
    usage = {r["item_id"]: r["sends"] for r in admin("GET", "/admin/content/usage").json()["items"]}
    assert usage[script["script_id"]] == 2 and usage[image["material_id"]] == 1
    assert s("POST", "/admin/sidebar/sent", {"kind": "script", "item_id": "s-nosuch"}).status_code == 404

    theirs = _not_mine(corp, who)
    assert s("POST", "/admin/sidebar/send", {"script_id": script["script_id"], "external_userid": theirs}).status_code == 404
    both = s("POST", "/admin/sidebar/send", {"script_id": script["script_id"], "material_id": image["material_id"],
                                              "external_userid": ext})  # fmt: skip
    assert both.status_code == 400 and both.json()["field"] == "script_id"
    assert other("DELETE", f"/admin/sidebar/scripts/{own.json()['script_id']}").status_code == 404
    assert s("DELETE", f"/admin/sidebar/scripts/{own.json()['script_id']}").status_code == 200


def test_the_portrait_lists_the_sends_a_customer_received_and_the_members_task_until_sent(stack, sandbox, corp):
    """A send to the member's customers is the member's task in the portrait (waiting) until they send it in
    WeCom and the collector reads it; then it is listed as sent, and the task is gone."""
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    from tests.integration.test_admin_api import Admin
    from tests.support.waiting import wait_for

    cid, member, boss = corp["corp_id"], corp["member"], corp["boss"]
    sandbox.set_groupmsg_dispatch(cid, 0)
    admin = Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.ADMIN, "sends")["key"])
    made = admin("POST", "/admin/mass-sends", {"name": "会员日", "text": "会员日全场八折",
                                               "recipients": {"filter": {"employees": [member]}}})  # fmt: skip
    assert made.status_code == 202, made.text
    sid = made.json()["send"]["send_id"]
    ext = corp["served"][member][0]
    s = Sidebar.open(stack.admin_url, cid, member)

    def portrait() -> dict[str, Any]:
        r = s("GET", f"/admin/sidebar/customers/{ext}")
        assert r.status_code == 200, r.text
        return r.json()

    p = wait_for(lambda: (q := portrait())["tasks"] and q, timeout_s=30, what="the member's task")
    assert [(t["send_id"], t["name"], t["text"], t["kind"], t["sender"], t["status"]) for t in p["tasks"]] == [
        (sid, "会员日", "会员日全场八折", "mass_send", member, "waiting")]  # fmt: skip
    assert p["received"] == p["tasks"]
    # The admin sees what the customer received, but it is not the admin's task.
    seen = Sidebar.open(stack.admin_url, cid, boss)("GET", f"/admin/sidebar/customers/{ext}").json()
    assert [r["send_id"] for r in seen["received"]] == [sid] and seen["tasks"] == []

    msg = next(m for m in sandbox.groupmsgs(cid, "single")["groupmsgs"] if m["text"] == "会员日全场八折")
    sandbox.confirm_groupmsg(cid, msg["msgid"], member)
    stack.run_job("collect_mass_send_results")
    p = wait_for(lambda: (q := portrait())["received"][0]["status"] == "sent" and q, timeout_s=30, what="sent")
    assert p["tasks"] == []


def test_a_member_keeps_materials_of_their_own_sends_them_and_edits_their_own_scripts(stack, sandbox, corp):
    """Issue 19 item 3, the personal library: a member's own image is theirs alone (listed, sent, deleted
    by them; to anyone else it is an id that does not exist), uploaded to WeCom once however often it is
    sent; bad input is a 400 naming the field; a member edits their own scripts and nobody else's."""
    import base64

    from scrm import bootstrap
    from scrm.corps.api_key import Role

    from tests.integration.test_admin_api import Admin

    cid, who = corp["corp_id"], corp["member"]
    s, other = Sidebar.open(stack.admin_url, cid, who), Sidebar.open(stack.admin_url, cid, corp["people"][3])
    admin = Admin(stack.admin_url, bootstrap.api_keys().create(cid, Role.ADMIN, "own content")["key"])
    corp_wide = admin("POST", "/admin/materials", {"kind": "text", "title": "门店地址", "text": "中山路 1 号"}).json()

    body = {"kind": "image", "title": "我的工牌", "filename": "badge.png", "content": base64.b64encode(PNG).decode()}
    assert s("POST", "/admin/sidebar/materials", body, csrf=False).status_code == 403  # the CSRF token
    made = s("POST", "/admin/sidebar/materials", body)
    assert made.status_code == 201, made.text
    mine = made.json()
    assert (mine["scope"], mine["owner"], mine["kind"], mine["size"]) == ("personal", who, "image", len(PNG))
    assert "content" not in mine
    link = s("POST", "/admin/sidebar/materials", {"kind": "link", "title": "{name}的专属页",
                                                   "url": "https://shop.example.com/p/1", "desc": "新品"})  # fmt: skip
    assert link.status_code == 201, link.text
    listed = {m["material_id"]: m for m in s("GET", "/admin/sidebar/materials").json()["items"]}
    assert {mine["material_id"], link.json()["material_id"], corp_wide["material_id"]} <= set(listed)
    theirs = {m["material_id"] for m in other("GET", "/admin/sidebar/materials").json()["items"]}
    assert mine["material_id"] not in theirs and corp_wide["material_id"] in theirs
    assert mine["material_id"] not in {m["material_id"] for m in admin("GET", "/admin/materials").json()["items"]}

    ext = corp["served"][who][0]
    name = s("GET", f"/admin/sidebar/customers/{ext}").json()["profile"]["name"]
    since = sandbox.call_counts(cid)["last_seq"]  # seq is global to the sandbox, not a count of this corp's calls
    sends = [s("POST", "/admin/sidebar/send", {"material_id": mine["material_id"], "external_userid": ext})
             for _ in range(3)]  # fmt: skip
    assert all(r.status_code == 200 for r in sends), sends[0].text
    media_ids = {r.json()["message"]["image"]["mediaid"] for r in sends}
    uploads = [c for c in sandbox.calls(cid, since=since) if c["path"].endswith("media/upload")]
    assert len(media_ids) == 1 and len(uploads) == 1  # uploaded once, reused
    assert sandbox.media(cid, media_ids.pop())["type"] == "image"
    news = s("POST", "/admin/sidebar/send", {"material_id": link.json()["material_id"], "external_userid": ext})
    assert news.json()["message"]["news"]["title"] == f"{name}的专属页"
    assert s("POST", "/admin/sidebar/sent", {"kind": "material", "item_id": mine["material_id"]}).json()["counted"]
    other_ext = corp["served"][corp["people"][3]][0]
    assert other("POST", "/admin/sidebar/send", {"material_id": mine["material_id"],
                                                 "external_userid": other_ext}).status_code == 404  # fmt: skip

    # Anyone else's, a corp-wide one and one that does not exist: the same 404, in the same words.
    refusals = [other("DELETE", f"/admin/sidebar/materials/{mine['material_id']}"),
                s("DELETE", f"/admin/sidebar/materials/{corp_wide['material_id']}"),
                s("DELETE", "/admin/sidebar/materials/mNoSuchMaterial0")]  # fmt: skip
    assert [r.status_code for r in refusals] == [404, 404, 404]
    words = {r.json()["error"].replace(i, "X") for r, i in
             zip(refusals, (mine["material_id"], corp_wide["material_id"], "mNoSuchMaterial0"), strict=True)}
    assert len(words) == 1, words
    assert admin("GET", f"/admin/materials/{corp_wide['material_id']}").status_code == 200  # untouched

    for bad, field in [
        ({**body, "content": "not base64!"}, "content"),
        ({**body, "content": base64.b64encode(b"GIF89a" + b"\0" * 100).decode()}, "content"),
        ({**body, "content": base64.b64encode(PNG + b"\0" * (700 * 1024)).decode()}, "content"),  # over 700 KiB
        ({**body, "filename": "badge.gif"}, "filename"),
        ({**body, "title": ""}, "title"),
        ({"kind": "text", "title": "空的"}, "text"),
        ({"kind": "link", "title": "坏链接", "url": "javascript:alert(1)"}, "url"),
        ({"kind": "poster", "title": "x"}, "kind"),
        ({**body, "owner": "someone-else"}, "owner"),
    ]:
        r = s("POST", "/admin/sidebar/materials", bad)
        assert (r.status_code, r.json().get("field")) == (400, field), (field, r.text[:200])

    gone = s("DELETE", f"/admin/sidebar/materials/{mine['material_id']}")
    assert gone.status_code == 200 and gone.json() == {"deleted": mine["material_id"]}
    assert mine["material_id"] not in {m["material_id"] for m in s("GET", "/admin/sidebar/materials").json()["items"]}
    assert s("POST", "/admin/sidebar/send", {"material_id": mine["material_id"], "external_userid": ext}).status_code == 404

    # Scripts: the member edits their own; another member's and the corp's are not theirs to edit.
    own = s("POST", "/admin/sidebar/scripts", {"title": "开场白", "text": "您好"}).json()
    corp_script = admin("POST", "/admin/scripts", {"title": "公司问候", "text": "{name}您好"}).json()
    edited = s("PATCH", f"/admin/sidebar/scripts/{own['script_id']}", {"text": "{name}您好，我是您的顾问", "group": "开场"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["title"], edited.json()["text"], edited.json()["group"]) == ("开场白", "{name}您好，我是您的顾问", "开场")
    said = s("POST", "/admin/sidebar/send", {"script_id": own["script_id"], "external_userid": ext}).json()
    assert said["message"]["text"]["content"] == f"{name}您好，我是您的顾问"
    assert s("PATCH", f"/admin/sidebar/scripts/{own['script_id']}", {"text": "x"}, csrf=False).status_code == 403
    assert other("PATCH", f"/admin/sidebar/scripts/{own['script_id']}", {"text": "改掉"}).status_code == 404
    assert s("PATCH", f"/admin/sidebar/scripts/{corp_script['script_id']}", {"text": "改掉"}).status_code == 404
    assert admin("GET", f"/admin/scripts/{corp_script['script_id']}").json()["text"] == "{name}您好"
    for bad, field in [({"title": ""}, "title"), ({"text": "x" * 2001}, "text"), ({"scope": "corp"}, "scope")]:
        r = s("PATCH", f"/admin/sidebar/scripts/{own['script_id']}", bad)
        assert (r.status_code, r.json().get("field")) == (400, field), (field, r.text[:200])
    assert s("GET", "/admin/sidebar/scripts", q="顾问").json()["items"][0]["text"] == "{name}您好，我是您的顾问"
