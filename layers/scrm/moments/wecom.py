"""The WeCom calls behind moment tasks (客户朋友圈), mixed into WeComGateway: media/upload_attachment (95098,
attachment_type 1: a moments media_id for 3 days), add_moment_task / get_moment_task_result (95094),
cancel_moment_task (97612) and get_moment_list (93333). wechatpy 1.8.18 has none of them: all go through
``_call`` / ``_post``, which spend the corp's call budget and keep our token handling and retries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrm.kernel.wecom_error import WeComError

MOMENTS_ATTACHMENT = 1  # attachment_type: 1 moments, 2 商品图册
LIST_LIMIT = 20  # get_moment_list: at most 20 a page (93333)


class MomentCalls:
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def _post(self, path: str, body: dict[str, Any]) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def upload_attachment(self, media_type: str, filename: str, content: bytes) -> str:
        answer = self._call("post", "media/upload_attachment",
                            params={"media_type": media_type, "attachment_type": MOMENTS_ATTACHMENT},
                            files={"media": (filename, content)})  # fmt: skip
        media_id = (answer or {}).get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise WeComError(None, "the answer has no media_id", "media/upload_attachment")
        return media_id

    def add_moment_task(self, body: dict[str, Any]) -> str:
        answer = self._post("externalcontact/add_moment_task", body)
        jobid = (answer or {}).get("jobid")
        if not isinstance(jobid, str) or not jobid:
            raise WeComError(None, "the answer has no jobid", "externalcontact/add_moment_task")
        return jobid

    def moment_task_result(self, jobid: str) -> dict[str, Any]:
        """get_moment_task_result is a GET with the jobid in the query (95094)."""
        return dict(self._call("get", "externalcontact/get_moment_task_result", params={"jobid": jobid}) or {})

    def cancel_moment_task(self, moment_id: str) -> None:
        self._post("externalcontact/cancel_moment_task", {"moment_id": moment_id})

    def moment_list(self, start_time: int, end_time: int, filter_type: int) -> Iterator[dict[str, Any]]:
        cursor = ""
        while True:
            body: dict[str, Any] = {"start_time": start_time, "end_time": end_time, "filter_type": filter_type,
                                    "limit": LIST_LIMIT, **({"cursor": cursor} if cursor else {})}  # fmt: skip
            answer = self._post("externalcontact/get_moment_list", body) or {}
            yield from answer.get("moment_list") or []
            cursor = answer.get("next_cursor") or ""
            if not cursor:
                return

    # the results (93333): one page each; the caller pages and counts the calls against its budget
    def moment_tasks(self, moment_id: str, cursor: str, limit: int) -> tuple[list[dict[str, Any]], str]:
        answer = self._post("externalcontact/get_moment_task",
                            {"moment_id": moment_id, "limit": limit, **({"cursor": cursor} if cursor else {})}) or {}
        return list(answer.get("task_list") or []), str(answer.get("next_cursor") or "")

    def moment_customer_list(self, moment_id: str, userid: str, cursor: str,
                             limit: int) -> tuple[list[dict[str, Any]], str]:  # fmt: skip
        body = {"moment_id": moment_id, "userid": userid, "limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = self._post("externalcontact/get_moment_customer_list", body) or {}
        return list(answer.get("customer_list") or []), str(answer.get("next_cursor") or "")

    def moment_send_result(self, moment_id: str, userid: str, cursor: str,
                           limit: int) -> tuple[list[dict[str, Any]], str]:  # fmt: skip
        body = {"moment_id": moment_id, "userid": userid, "limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = self._post("externalcontact/get_moment_send_result", body) or {}
        return list(answer.get("customer_list") or []), str(answer.get("next_cursor") or "")

    def moment_comments(self, moment_id: str, userid: str) -> dict[str, Any]:
        return dict(self._post("externalcontact/get_moment_comments", {"moment_id": moment_id, "userid": userid}) or {})
