"""The JS-SDK tickets' calls (96909), mixed into WeComGateway: ``get_jsapi_ticket`` (the corp's, for
``wx.config``) and ``ticket/get?type=agent_config`` (the app's, for ``wx.agentConfig``). Through ``_get``,
which keeps our token handling and retries (wechatpy's ``WeChatJSAPI`` caches in the session without a lock,
which a fleet of Lambdas cannot share: sidebar/tickets.py does that)."""

from __future__ import annotations

from typing import Any

from scrm.kernel.wecom_error import WeComError


class TicketCalls:
    def _get(self, path: str, params: dict[str, Any]) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def jsapi_ticket(self) -> tuple[str, int]:
        return _ticket(self._get("get_jsapi_ticket", {}), "get_jsapi_ticket")

    def agent_ticket(self) -> tuple[str, int]:
        return _ticket(self._get("ticket/get", {"type": "agent_config"}), "ticket/get")


def _ticket(answer: Any, path: str) -> tuple[str, int]:
    ticket = (answer or {}).get("ticket")
    if not isinstance(ticket, str) or not ticket:
        raise WeComError(None, "the answer has no ticket", path)
    try:
        expires_in = int(answer.get("expires_in", 7200))
    except (TypeError, ValueError):
        raise WeComError(None, "the answer's expires_in is not a number", path) from None
    return ticket, expires_in
