"""The WeCom calls behind mass sends and SOP tasks (客户群发 / 客户群群发; docs 92135, 93338, remind/cancel).

WeCom does not message customers for a company: ``add_msg_template`` creates a task per member, who
confirms it in the WeCom app; the results are read back later (41063 while WeCom is still dispatching).
wechatpy 1.8.18 passes ``add_msg_template`` through and lacks the rest: all go through ``_post``, which keeps
our token handling and retries. Mixed into WeComGateway.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

MAX_CUSTOMERS_PER_TASK = 10_000  # add_msg_template external_userid
MAX_CHATS_PER_TASK = 2_000  # add_msg_template chat_id_list


class GroupMsgCalls:
    def _post(self, path: str, body: dict[str, Any]) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def add_msg_template(
        self,
        chat_type: str,
        content: dict[str, Any],
        sender: str = "",
        external_userids: Sequence[str] = (),
        chat_ids: Sequence[str] = (),
        allow_select: bool = False,
    ) -> tuple[str, list[str]]:
        """One mass-send task: (msgid, fail_list). ``content`` holds ``text`` and ``attachments`` in WeCom's
        shape. At most 10,000 customers (single) or 2,000 chats (group) per call."""
        body: dict[str, Any] = {"chat_type": chat_type, **content}
        if sender:
            body["sender"] = sender
        if external_userids:
            body["external_userid"] = list(external_userids)
        if chat_ids:
            body["chat_id_list"] = list(chat_ids)
        if allow_select:
            body["allow_select"] = True
        res = self._post("externalcontact/add_msg_template", body)
        return str(res.get("msgid") or ""), [str(f) for f in res.get("fail_list") or []]

    def groupmsg_list(
        self, chat_type: str, start_time: int, end_time: int, creator: str = "", filter_type: int = 2
    ) -> Iterator[dict[str, Any]]:
        """get_groupmsg_list_v2: every task created in [start_time, end_time] (at most a month), 100 a page."""
        cursor = ""
        while True:
            body: dict[str, Any] = {"chat_type": chat_type, "start_time": start_time, "end_time": end_time,
                                    "filter_type": filter_type, "limit": 100}  # fmt: skip
            if creator:
                body["creator"] = creator
            if cursor:
                body["cursor"] = cursor
            res = self._post("externalcontact/get_groupmsg_list_v2", body)
            yield from res.get("group_msg_list") or []
            cursor = res.get("next_cursor") or ""
            if not cursor:
                return

    def groupmsg_tasks(self, msgid: str) -> list[dict[str, Any]]:
        """get_groupmsg_task: each member's part of a task ({userid, status 0 not sent / 2 sent, send_time})."""
        return list(self._pages("externalcontact/get_groupmsg_task", {"msgid": msgid}, "task_list"))

    def groupmsg_send_results(self, msgid: str, userid: str) -> list[dict[str, Any]]:
        """get_groupmsg_send_result: per customer (or chat) of one member's part: status 0 not sent, 1 sent,
        2 not a friend, 3 the customer already received a mass message (quota)."""
        return list(self._pages("externalcontact/get_groupmsg_send_result", {"msgid": msgid, "userid": userid}, "send_list"))

    def _pages(self, path: str, body: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
        cursor = ""
        while True:
            page = {**body, "limit": 1000, **({"cursor": cursor} if cursor else {})}
            res = self._post(path, page)
            yield from res.get(key) or []
            cursor = res.get("next_cursor") or ""
            if not cursor:
                return

    def remind_groupmsg(self, msgid: str) -> None:
        """At most 3 reminders per task per 24 h (41094 beyond)."""
        self._post("externalcontact/remind_groupmsg_send", {"msgid": msgid})

    def cancel_groupmsg(self, msgid: str) -> None:
        """Stops the parts members have not sent yet."""
        self._post("externalcontact/cancel_groupmsg_send", {"msgid": msgid})


def batches(ids: Sequence[str], size: int = MAX_CUSTOMERS_PER_TASK) -> list[list[str]]:
    """A sender's customers in the fewest add_msg_template calls the per-call limit allows."""
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]
