"""One textcard to one recipient as the corp's app, and what a refusal means: final (the record is
marked failed with the reason; retrying cannot help) or passing (raised, so the event or the digest run
is retried later and the send repeated, which WeCom's duplicate check makes harmless)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scrm.domain.channel_code import CHINA
from scrm.domain.wecom_error import WeComError
from scrm.services.alert_ports import AlertRepo, MessageWeCom

# 81013 no valid recipient (left, or outside the app's scope), 40056 bad agentid, 40008 bad message type,
# 44004 empty content, 60011 / 60020 no permission / IP not allowed, 301002 no permission on the member.
FINAL = frozenset({81013, 40056, 40008, 44004, 60011, 60020, 301002})


def china_time(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, CHINA)


def china_day(ts: float) -> str:
    return china_time(ts).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Outcome:
    sent: bool
    msgid: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Delivery:
    wecom: Callable[[str], MessageWeCom]
    agent_of: Callable[[str], str]

    def send(self, corp_id: str, recipient: str, card: dict[str, Any]) -> Outcome:
        agent_id = self.agent_of(corp_id)
        if not agent_id:
            return Outcome(False, reason="the corp has no agent id (scrm corps add --agent-id)")
        try:
            res = self.wecom(corp_id).send_app_message(agent_id, [recipient], "textcard", card)
        except WeComError as exc:
            if exc.errcode in FINAL:
                return Outcome(False, reason=f"WeCom {exc.errcode}: {exc.errmsg}"[:300])
            raise
        return Outcome(True, msgid=str(res.get("msgid") or ""))

    def send_marked(
        self, repo: AlertRepo, corp_id: str, recipient: str, sk: str, card: dict[str, Any], clock: Callable[[], float]
    ) -> Outcome:
        """A ``sending`` record's card, then the record marked sent (with WeCom's msgid) or failed (with
        the reason): what every paced app message (churn alert, SOP reminder) does once it holds a slot."""
        outcome = self.send(corp_id, recipient, card)
        if outcome.sent:
            repo.mark(corp_id, recipient, sk, "sent", "sending", clock(), msgid=outcome.msgid)
        else:
            repo.mark(corp_id, recipient, sk, "failed", "sending", clock(), reason=outcome.reason)
        return outcome
