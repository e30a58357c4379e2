"""The WeCom calls behind customer and group handovers (离职继承 / 在职继承).

wechatpy 1.8.18 has none of transfer_customer / transfer_result (either kind), groupchat/transfer or
onjob_transfer, and only the legacy page_id form of get_unassigned_list: all go through ``_get`` /
``_post``, which keep our token handling and retries. Mixed into WeComGateway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

CUSTOMER_PATHS = {"resigned": "externalcontact/resigned/transfer_customer", "onjob": "externalcontact/transfer_customer"}
RESULT_PATHS = {"resigned": "externalcontact/resigned/transfer_result", "onjob": "externalcontact/transfer_result"}
GROUP_PATHS = {"resigned": "externalcontact/groupchat/transfer", "onjob": "externalcontact/groupchat/onjob_transfer"}


class TransferCalls:
    def _get(self, path: str, params: dict[str, Any]) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def _post(self, path: str, body: dict[str, Any]) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def transfer_customers(
        self, kind: str, handover: str, takeover: str, external_userids: Sequence[str], success_msg: str = ""
    ) -> dict[str, int]:
        """At most 100 customers; WeCom's per-customer errcode (0: the 24 h window started)."""
        body: dict[str, Any] = {
            "handover_userid": handover, "takeover_userid": takeover, "external_userid": list(external_userids),
        }  # fmt: skip
        if success_msg and kind == "onjob":
            body["transfer_success_msg"] = success_msg
        res = self._post(CUSTOMER_PATHS[kind], body)
        return {str(c.get("external_userid")): int(c.get("errcode") or 0) for c in res.get("customer") or []}

    def transfer_results(self, kind: str, handover: str, takeover: str) -> dict[str, tuple[int, int]]:
        """Every customer of the (handover, taker) pair: {external_userid: (status, takeover_time)}."""
        out: dict[str, tuple[int, int]] = {}
        cursor = ""
        while True:
            body: dict[str, Any] = {"handover_userid": handover, "takeover_userid": takeover}
            if cursor:
                body["cursor"] = cursor
            res = self._post(RESULT_PATHS[kind], body)
            for c in res.get("customer") or []:
                out[str(c.get("external_userid"))] = (int(c.get("status") or 0), int(c.get("takeover_time") or 0))
            cursor = res.get("next_cursor") or ""
            if not cursor:
                return out

    def unassigned(self) -> list[dict[str, Any]]:
        """Departed members' customers not handed over yet (get_unassigned_list, 1000 a page)."""
        out: list[dict[str, Any]] = []
        cursor = ""
        while True:
            body: dict[str, Any] = {"page_size": 1000}
            if cursor:
                body["cursor"] = cursor
            res = self._post("externalcontact/get_unassigned_list", body)
            out += list(res.get("info") or [])
            cursor = res.get("next_cursor") or ""
            if res.get("is_last", not cursor) or not cursor:
                return out

    def customer_ids(self, userid: str) -> list[str]:
        """externalcontact/list: the ids of a member's customers, in one call."""
        return [str(e) for e in self._get("externalcontact/list", {"userid": userid}).get("external_userid") or []]

    def group_ids(self, owner: str, status_filter: int) -> list[str]:
        """groupchat/list for one owner (status_filter 1: the groups of a departed owner, 离职待继承)."""
        out: list[str] = []
        cursor = ""
        while True:
            body: dict[str, Any] = {"status_filter": status_filter, "owner_filter": {"userid_list": [owner]}, "limit": 1000}
            if cursor:
                body["cursor"] = cursor
            res = self._post("externalcontact/groupchat/list", body)
            out += [str(g["chat_id"]) for g in res.get("group_chat_list") or [] if g.get("chat_id")]
            cursor = res.get("next_cursor") or ""
            if not cursor:
                return out

    def transfer_groups(self, kind: str, chat_ids: Sequence[str], new_owner: str) -> dict[str, int]:
        """At most 100 chats; {chat_id: errcode} of the chats NOT handed over (failed_chat_list)."""
        res = self._post(GROUP_PATHS[kind], {"chat_id_list": list(chat_ids), "new_owner": new_owner})
        return {str(f.get("chat_id")): int(f.get("errcode") or 0) for f in res.get("failed_chat_list") or []}

    def group_owner(self, chat_id: str) -> str:
        """groupchat/get's owner: after a call whose answer was lost, who holds the group now."""
        res = self._post("externalcontact/groupchat/get", {"chat_id": chat_id})
        return str((res.get("group_chat") or {}).get("owner") or "")
