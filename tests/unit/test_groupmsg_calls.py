"""The mass-send calls' request bodies and paging (a recording ``_post`` stands in for the WeCom client)."""

from __future__ import annotations

from typing import Any

from scrm.mass_sends.wecom import MAX_CUSTOMERS_PER_TASK, GroupMsgCalls, batches


class Recorder(GroupMsgCalls):
    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.answers = answers

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        self.sent.append((path, body))
        return self.answers.pop(0) if self.answers else {}


def test_add_msg_template_sends_wecoms_shape_and_returns_msgid_and_failures() -> None:
    r = Recorder([{"msgid": "msgA", "fail_list": ["wm2"]}])
    content = {"text": {"content": "新品上市"}, "attachments": [{"msgtype": "link", "link": {"title": "t", "url": "u"}}]}
    assert r.add_msg_template("single", content, sender="zhangsan", external_userids=["wm1", "wm2"]) == ("msgA", ["wm2"])
    assert r.sent == [("externalcontact/add_msg_template", {
        "chat_type": "single", "text": {"content": "新品上市"},
        "attachments": [{"msgtype": "link", "link": {"title": "t", "url": "u"}}],
        "sender": "zhangsan", "external_userid": ["wm1", "wm2"]})]  # fmt: skip


def test_group_tasks_carry_chat_ids_and_no_customer_list() -> None:
    r = Recorder([{"msgid": "msgG"}])
    r.add_msg_template("group", {"text": {"content": "周五特惠"}}, sender="owner", chat_ids=["wr1"], allow_select=True)
    assert r.sent[0][1] == {"chat_type": "group", "text": {"content": "周五特惠"}, "sender": "owner",
                            "chat_id_list": ["wr1"], "allow_select": True}  # fmt: skip


def test_results_follow_cursors_to_the_last_page() -> None:
    r = Recorder([
        {"send_list": [{"external_userid": "wm1", "status": 1}], "next_cursor": "c2"},
        {"send_list": [{"external_userid": "wm2", "status": 3}], "next_cursor": ""},
    ])  # fmt: skip
    rows = r.groupmsg_send_results("msgA", "zhangsan")
    assert [x["external_userid"] for x in rows] == ["wm1", "wm2"]
    assert [b for _, b in r.sent] == [{"msgid": "msgA", "userid": "zhangsan", "limit": 1000},
                                      {"msgid": "msgA", "userid": "zhangsan", "limit": 1000, "cursor": "c2"}]  # fmt: skip


def test_task_list_and_msg_list_page_too() -> None:
    r = Recorder([{"task_list": [{"userid": "a", "status": 2}], "next_cursor": ""}])
    assert r.groupmsg_tasks("msgA") == [{"userid": "a", "status": 2}]
    r = Recorder([{"group_msg_list": [{"msgid": "m1"}], "next_cursor": "n"}, {"group_msg_list": [{"msgid": "m2"}]}])
    assert [m["msgid"] for m in r.groupmsg_list("single", 1, 2, creator="a")] == ["m1", "m2"]
    assert r.sent[0][1] == {"chat_type": "single", "start_time": 1, "end_time": 2, "filter_type": 2, "limit": 100,
                            "creator": "a"}  # fmt: skip


def test_batches_use_the_fewest_calls_the_limit_allows() -> None:
    ids = [f"wm{i}" for i in range(2 * MAX_CUSTOMERS_PER_TASK + 1)]
    parts = batches(ids)
    assert [len(p) for p in parts] == [MAX_CUSTOMERS_PER_TASK, MAX_CUSTOMERS_PER_TASK, 1]
    assert [i for p in parts for i in p] == ids and batches([]) == []


def test_remind_and_cancel_name_the_task() -> None:
    r = Recorder([])
    r.remind_groupmsg("msgA")
    r.cancel_groupmsg("msgA")
    assert r.sent == [("externalcontact/remind_groupmsg_send", {"msgid": "msgA"}),
                      ("externalcontact/cancel_groupmsg_send", {"msgid": "msgA"})]  # fmt: skip
