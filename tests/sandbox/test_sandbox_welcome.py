"""send_welcome_msg's content rules, its fault injection, and the welcome log."""

from __future__ import annotations

import pytest

SEND = "externalcontact/send_welcome_msg"


@pytest.fixture
def code_for(corp):
    """A fresh welcome code (through customers/add, no callback) for each call."""
    userid = corp.api.get("user/simplelist", department_id=1)["userlist"][0]["userid"]

    def make() -> str:
        return corp.c("/customers/add", {"userid": userid, "callback": False})["welcome_code"]

    return make


def _send(corp, code: str, **body) -> dict:
    return corp.api.post(SEND, {"welcome_code": code, **body})


def test_content_rules(corp, code_for) -> None:
    code = code_for()
    assert _send(corp, code, text={"content": "字" * 1334})["errcode"] == 40058  # 4002 bytes
    res = _send(corp, code, attachments=[{"msgtype": "image", "image": {"media_id": "m"}}] * 10)
    assert res["errcode"] == 41064
    res = _send(corp, code, attachments=[{"msgtype": "voice", "voice": {"media_id": "m"}}])
    assert res["errcode"] == 41065 and "attachments[0].msgtype" in res["errmsg"]
    bad = [
        ({"msgtype": "image", "image": {}}, "attachments[0].image.media_id or pic_url"),
        ({"msgtype": "link", "link": {"title": "t"}}, "attachments[0].link.url"),
        (
            {"msgtype": "miniprogram", "miniprogram": {"title": "t", "appid": "wx1", "page": "/p"}},
            "pic_media_id",
        ),
        ({"msgtype": "video", "video": {}}, "attachments[0].video.media_id"),
        ({"msgtype": "file"}, "attachments[0].file must be an object"),
    ]
    for attachment, named in bad:
        res = _send(corp, code, text={"content": "hi"}, attachments=[attachment])
        assert res["errcode"] == 40058 and named in res["errmsg"], res
    assert _send(corp, code)["errcode"] == 44004
    assert _send(corp, code, text={"content": ""}, attachments=[])["errcode"] == 44004
    assert corp.api.post(SEND, {"text": {"content": "x"}})["errcode"] == 41049
    assert _send(corp, "no-such-code", text={"content": "x"})["errcode"] == 41050

    good = [
        {"msgtype": "image", "image": {"pic_url": "https://p.qpic.cn/x/0"}},
        {"msgtype": "link", "link": {"title": "官网", "url": "https://example.com", "desc": "d"}},
        {
            "msgtype": "miniprogram",
            "miniprogram": {"title": "t", "pic_media_id": "m", "appid": "wx1", "page": "/p"},
        },
        {"msgtype": "video", "video": {"media_id": "v"}},
        {"msgtype": "file", "file": {"media_id": "f"}},
    ]
    assert _send(corp, code, text={"content": "字" * 1333}, attachments=good)["errcode"] == 0  # 3999 bytes
    [record] = corp.cget("/welcomes")["welcomes"]
    assert [a["errcode"] for a in record["attempts"]] == [40058, 41064, 41065] + [40058] * 5 + [
        44004,
        44004,
        0,
    ]
    assert record["attachments"] == good and record["sent_at"] is not None
    assert record["callback_first_sent_at"] is None  # callback: false
    messages = corp.cget("/messages")["messages"]
    assert messages[-1]["kind"] == "welcome" and messages[-1]["attachments"] == good
    assert messages[-1]["text"] == {"content": "字" * 1333}
    attachments_only = code_for()
    assert _send(corp, attachments_only, attachments=good[:1])["errcode"] == 0


def test_injected_41096_then_retry(corp, code_for) -> None:
    code = code_for()
    fault = corp.c("/faults", {"path": SEND, "errcode": 41096, "times": 1}, expect=201)
    assert fault["remaining"] == 1
    first = _send(corp, code, text={"content": "欢迎"})
    assert first["errcode"] == 41096 and "hint" in first["errmsg"]
    assert _send(corp, code, text={"content": "欢迎"})["errcode"] == 0  # the code was not used up
    [record] = corp.cget("/welcomes")["welcomes"]
    assert [a["errcode"] for a in record["attempts"]] == [41096, 0]
    counts = corp.cget(f"/calls/count?path={SEND}")
    assert counts["counts"] == {SEND: 2} and counts["errcodes"] == {SEND: {"41096": 1}}


def test_welcome_log_paging(corp, code_for) -> None:
    codes = [code_for() for _ in range(5)]
    log = corp.cget("/welcomes?since=0")
    assert [w["welcome_code"] for w in log["welcomes"]] == codes and log["last_seq"] == 5
    page = corp.cget("/welcomes?since=1&limit=2")
    assert [w["seq"] for w in page["welcomes"]] == [2, 3] and page["last_seq"] == 3
    assert corp.cget("/welcomes?since=5") == {"welcomes": [], "last_seq": 5}
    assert corp.cget("/welcomes?limit=0", expect=400)["error"] == "query parameter 'limit' must be >= 1"
    record = log["welcomes"][0]
    assert record["sent_at"] is None and record["attempts"] == [] and record["state"] == ""


def test_welcome_log_is_bounded() -> None:
    from wecom_sandbox.welcomes import WelcomeLog

    log = WelcomeLog(max_records=100)
    for i in range(250):
        log.issue(f"c{i}", "u", "wm", "", float(i))
    assert len(log.records) <= 110 and log.get("c0") is None and log.get("c249") is not None
    assert [r.seq for r in log.since(245)] == [246, 247, 248, 249, 250]
    assert log.since(0)[0].seq == log.records[0].seq
