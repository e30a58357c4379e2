"""Scripts and materials (scrm/content): what each kind may hold, {name} filling, corp-wide and personal
visibility, the sendChatMessage params of every kind, the media_id kept and uploaded again after 2.5 days
(once for concurrent sends), and exact send counts."""

from __future__ import annotations

import base64
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from scrm.content.model import CONTENT_MAX, REUPLOAD_AFTER_S, Kind, material_fields, render
from scrm.content.service import ContentService
from scrm.kernel.errors import Conflict, InvalidInput, NotFound

from tests.unit.content_fakes import FakeContentRepo, FakeMediaWeCom

C = "wwcorp"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _service(gate: threading.Event | None = None) -> tuple[ContentService, FakeMediaWeCom, Clock]:
    wecom, clock = FakeMediaWeCom(gate), Clock()
    return ContentService(FakeContentRepo(), lambda corp: wecom, clock, sleep=lambda s: None), wecom, clock


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_render_fills_only_the_name_slot() -> None:
    assert render("{name}您好，{name}！{other} {NAME}", "王芳") == "王芳您好，王芳！{other} {NAME}"
    assert render("hello", "x") == "hello"


def test_each_field_is_checked_and_named() -> None:
    cases = [
        (Kind.TEXT, {"title": "t"}, "text"),
        (Kind.TEXT, {"title": "", "text": "x"}, "title"),
        (Kind.TEXT, {"title": "t", "text": "x" * 2001}, "text"),
        (Kind.LINK, {"title": "t", "url": "javascript:alert(1)"}, "url"),
        (Kind.LINK, {"title": "t", "url": "https://a.cn", "cover_url": "ftp://x"}, "cover_url"),
        (Kind.MINIPROGRAM, {"title": "t", "appid": "wx123", "page": "p.html", "cover_url": "https://a.cn/c.png"}, "appid"),
        (Kind.MINIPROGRAM, {"title": "t", "appid": "wx0123456789abcdef", "page": "pages/a", "cover_url": "https://a.cn/c.png"}, "page"),
        (Kind.IMAGE, {"title": "t", "filename": "a.gif", "content": _b64(PNG)}, "filename"),
        (Kind.IMAGE, {"title": "t", "filename": "a.png", "content": "%%%"}, "content"),
        (Kind.IMAGE, {"title": "t", "filename": "a.png", "content": _b64(b"GIF89a" + b"\0" * 10)}, "content"),
        (Kind.FILE, {"title": "t", "filename": "a.pdf", "content": _b64(b"12345")}, "content"),
        (Kind.FILE, {"title": "t", "filename": "a.pdf", "content": _b64(b"x" * (CONTENT_MAX + 1))}, "content"),
        (Kind.TEXT, {"title": "t", "text": "x", "url": "https://a.cn"}, "url"),
        (Kind.TEXT, {"title": "t", "text": "x", "content": "eHh4eHh4"}, "content"),
    ]
    for kind, fields, field in cases:
        with pytest.raises(InvalidInput) as caught:
            material_fields(kind, fields)
        assert caught.value.field == field, (kind, fields)
    ok = material_fields(Kind.FILE, {"title": " 手册 ", "filename": "a.pdf", "content": _b64(b"x" * CONTENT_MAX)})
    assert ok["title"] == "手册" and ok["content"] == b"x" * CONTENT_MAX


def test_corp_wide_and_personal_scripts_are_seen_by_the_right_members() -> None:
    svc, _, _ = _service()
    corp = svc.create_script(C, "admin", {"group": "开场", "title": "问候", "text": "{name}您好"})
    mine = svc.create_script(C, "alice", {"group": "开场", "title": "我的问候", "text": "亲爱的{name}"}, personal=True)
    svc.create_script(C, "bob", {"group": "售后", "title": "退货", "text": "退货流程"}, personal=True)
    assert mine["scope"] == "personal" and mine["owner"] == "alice" and corp["scope"] == "corp"
    alice = svc.list_scripts(C, "alice")
    assert [s["title"] for s in alice["items"]] == ["我的问候", "问候"] and alice["groups"] == ["开场"]
    assert [s["title"] for s in svc.list_scripts(C, "")["items"]] == ["问候"]  # the admin's view: corp-wide
    assert [s["title"] for s in svc.list_scripts(C, "bob", q="退货")["items"]] == ["退货"]
    assert svc.list_scripts(C, "bob", group="开场")["items"][0]["title"] == "问候"
    assert svc.list_scripts(C, "alice", q="亲爱")["items"][0]["script_id"] == mine["script_id"]
    # Bob can neither send, edit nor delete Alice's own script; Alice can.
    with pytest.raises(NotFound):
        svc.payload_for_send(C, "bob", script_id=mine["script_id"], customer_name="x")
    with pytest.raises(NotFound):
        svc.update_script(C, mine["script_id"], "bob", {"text": "hijack"}, personal=True)
    with pytest.raises(NotFound):
        svc.delete_script(C, mine["script_id"], "bob", personal=True)
    with pytest.raises(NotFound):  # nor through the corp-wide path
        svc.update_script(C, mine["script_id"], "bob", {"text": "hijack"})
    assert svc.update_script(C, mine["script_id"], "alice", {"text": "Hi {name}"}, personal=True)["text"] == "Hi {name}"
    sent = svc.payload_for_send(C, "alice", script_id=mine["script_id"], customer_name="王芳")
    assert sent == {"msgtype": "text", "text": {"content": "Hi 王芳"}}
    with pytest.raises(InvalidInput) as caught:
        svc.create_script(C, "", {"title": "t", "text": "x"}, personal=True)
    assert caught.value.field == "by_userid"


def test_pages_follow_the_cursor_without_repeats() -> None:
    svc, _, _ = _service()
    for n in range(7):
        svc.create_script(C, "admin", {"group": f"g{n % 2}", "title": f"t{n}", "text": "x"})
    seen, cursor = [], ""
    while True:
        page = svc.list_scripts(C, "alice", cursor=cursor, limit=3)
        seen += [s["script_id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    with pytest.raises(InvalidInput) as caught:
        svc.list_scripts(C, "bob", cursor=svc.list_scripts(C, "alice", limit=3)["next_cursor"])
    assert caught.value.field == "cursor"  # a cursor of another member's list


def test_each_kind_gives_its_send_params() -> None:
    svc, wecom, _ = _service()
    make = lambda **f: svc.create_material(C, "admin", f)["material_id"]  # noqa: E731
    text = make(kind="text", title="t", text="{name}，新品到了")
    link = make(kind="link", title="{name}专享", url="https://shop.cn/a", desc="满减", cover_url="https://shop.cn/c.png")
    bare = make(kind="link", title="活动", url="https://shop.cn/b")
    mini = make(kind="miniprogram", title="商城", appid="wx0123456789abcdef", page="pages/index.html",
                cover_url="https://shop.cn/m.png")
    image = make(kind="image", title="海报", filename="p.png", content=_b64(PNG))
    video = make(kind="video", title="视频", filename="v.mp4", content=_b64(b"\0\0\0\x18ftypmp42"))
    file = make(kind="file", title="手册", filename="m.pdf", content=_b64(b"%PDF-1.4"))
    send = lambda mid: svc.payload_for_send(C, "alice", material_id=mid, customer_name="王芳")  # noqa: E731
    assert send(text) == {"msgtype": "text", "text": {"content": "王芳，新品到了"}}
    assert send(link) == {"msgtype": "news", "news": {"link": "https://shop.cn/a", "title": "王芳专享", "desc": "满减",
                                                     "imgUrl": "https://shop.cn/c.png"}}
    assert "imgUrl" not in send(bare)["news"]
    assert send(mini) == {"msgtype": "miniprogram", "miniprogram": {
        "appid": "wx0123456789abcdef", "title": "商城", "imgUrl": "https://shop.cn/m.png", "page": "pages/index.html"}}
    assert send(image) == {"msgtype": "image", "image": {"mediaid": "media-1"}}
    assert send(video) == {"msgtype": "video", "video": {"mediaid": "media-2"}}
    assert send(file) == {"msgtype": "file", "file": {"mediaid": "media-3"}}
    assert wecom.uploads == [("image", "p.png", len(PNG)), ("video", "v.mp4", 12), ("file", "m.pdf", 8)]
    with pytest.raises(InvalidInput):
        svc.payload_for_send(C, "alice", material_id=text, script_id="s1")
    with pytest.raises(NotFound):
        svc.payload_for_send(C, "alice", material_id="mnonesuch")


def test_a_media_id_is_reused_until_two_and_a_half_days_then_uploaded_again() -> None:
    svc, wecom, clock = _service()
    mid = svc.create_material(C, "admin", {"kind": "image", "title": "海报", "filename": "p.png", "content": _b64(PNG)})["material_id"]
    for _ in range(5):
        assert svc.payload_for_send(C, "u", material_id=mid)["image"]["mediaid"] == "media-1"
    clock.now += REUPLOAD_AFTER_S - 1
    assert svc.payload_for_send(C, "u", material_id=mid)["image"]["mediaid"] == "media-1"
    clock.now += 1
    assert svc.payload_for_send(C, "u", material_id=mid)["image"]["mediaid"] == "media-2"
    assert svc.payload_for_send(C, "u", material_id=mid)["image"]["mediaid"] == "media-2"
    # New content drops the kept media_id: the next send uploads the new bytes.
    svc.update_material(C, mid, "admin", {"content": _b64(PNG + b"\1")})
    assert svc.payload_for_send(C, "u", material_id=mid)["image"]["mediaid"] == "media-3"
    assert [u[2] for u in wecom.uploads] == [len(PNG), len(PNG), len(PNG) + 1]


def test_concurrent_sends_of_a_stale_material_upload_once() -> None:
    gate = threading.Event()
    svc, wecom, _ = _service(gate)
    mid = svc.create_material(C, "admin", {"kind": "file", "title": "手册", "filename": "m.pdf", "content": _b64(b"%PDF-1.4")})["material_id"]
    with ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(svc.payload_for_send, C, f"u{n}", material_id=mid) for n in range(20)]
        threading.Timer(0.2, gate.set).start()
        answers = [f.result() for f in futures]
    assert len(wecom.uploads) == 1 and {a["file"]["mediaid"] for a in answers} == {"media-1"}


def test_sends_are_counted_exactly_per_item_and_member() -> None:
    svc, _, _ = _service()
    s = svc.create_script(C, "admin", {"title": "问候", "text": "hi"})["script_id"]
    m = svc.create_material(C, "admin", {"kind": "text", "title": "文案", "text": "x"})["material_id"]
    own = svc.create_script(C, "alice", {"title": "mine", "text": "x"}, personal=True)["script_id"]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: svc.record_send(C, "script", s, f"u{n % 4}"), range(40)))
    for _ in range(3):
        svc.record_send(C, "material", m, "u1")
    svc.record_send(C, "script", own, "alice")
    with pytest.raises(NotFound):
        svc.record_send(C, "script", own, "bob")  # not Bob's to send
    with pytest.raises(InvalidInput) as caught:
        svc.record_send(C, "sticker", s, "u1")
    assert caught.value.field == "kind"
    items = svc.usage(C, "item")
    assert [(r["kind"], r["item_id"], r["sends"], r["title"]) for r in items["items"]] == [
        ("script", s, 40, "问候"), ("material", m, 3, "文案"), ("script", own, 1, "")]
    assert items["total_sends"] == 44
    members = {r["userid"]: r["sends"] for r in svc.usage(C, "member")["items"]}
    assert members == {"u0": 10, "u1": 13, "u2": 10, "u3": 10, "alice": 1}
    u1 = svc.usage(C, "member", userid="u1")["items"]
    assert [(r["kind"], r["sends"]) for r in u1] == [("script", 10), ("material", 3)]


def test_caps_and_missing_items() -> None:
    svc, _, _ = _service()
    with pytest.raises(NotFound):
        svc.update_script(C, "snone", "admin", {"text": "x"})
    with pytest.raises(NotFound):
        svc.delete_material(C, "mnone", "admin")
    mid = svc.create_material(C, "admin", {"kind": "text", "title": "t", "text": "x"})["material_id"]
    with pytest.raises(InvalidInput) as caught:
        svc.update_material(C, mid, "admin", {"kind": "image"})
    assert caught.value.field == "kind"
    from scrm.content import service as module

    module.PERSONAL_ITEMS_MAX, saved = 2, module.PERSONAL_ITEMS_MAX
    try:
        for _ in range(2):
            svc.create_script(C, "alice", {"title": "t", "text": "x"}, personal=True)
        with pytest.raises(Conflict):
            svc.create_script(C, "alice", {"title": "t", "text": "x"}, personal=True)
        svc.create_script(C, "bob", {"title": "t", "text": "x"}, personal=True)  # each member their own cap
    finally:
        module.PERSONAL_ITEMS_MAX = saved
