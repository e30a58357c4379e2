"""What a sidebar page passes to ``wx.config`` and ``wx.agentConfig`` (96909, 90514/90515): the corp's and
the app's signatures of the page's URL, from tickets shared by every instance (tickets.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from scrm.sidebar.js_sdk import page_url, sign
from scrm.sidebar.tickets import TicketKeeper, app_key, corp_key


class TicketSource(Protocol):
    """A corp's WeCom gateway, as far as tickets go (sidebar/wecom.py mixed into WeComGateway)."""

    @property
    def access_token_key(self) -> str: ...
    def jsapi_ticket(self) -> tuple[str, int]: ...
    def agent_ticket(self) -> tuple[str, int]: ...


@dataclass
class JsConfig:
    keeper: TicketKeeper
    source: Callable[[str], TicketSource]  # corp_id → its gateway
    agent_id: Callable[[str], str]  # corp_id → the app's agentid
    clock: Callable[[], float] = time.time

    def config(self, corp_id: str, url: str) -> dict[str, Any]:
        """``{"config": {...}, "agentConfig": {...}}`` for the page at ``url`` (its ``#…`` ignored). A bad
        URL raises InvalidInput("url") before any ticket is read."""
        bare = page_url(url)
        gw = self.source(corp_id)
        corp_ticket = self.keeper.ticket(corp_key(corp_id), gw.jsapi_ticket)
        app_ticket = self.keeper.ticket(app_key(gw.access_token_key), gw.agent_ticket)
        return {
            "config": {"appId": corp_id, **sign(corp_ticket, bare, self.clock).as_dict()},
            "agentConfig": {"corpid": corp_id, "agentid": self.agent_id(corp_id),
                            **sign(app_ticket, bare, self.clock).as_dict()},  # fmt: skip
        }
