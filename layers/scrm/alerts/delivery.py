"""One textcard to one recipient as the corp's app, and what a refusal means: final (the record is
marked failed with the reason; retrying cannot help) or passing (raised, so the event or the digest run
is retried later and the send repeated, which WeCom's duplicate check makes harmless).

Passing are only the answers a later try can change (busy, rate limits, a token problem the client's one
refetch did not cure, HTTP failures: ``wecom_errors.alert_passing``); every other code is final, named with WeCom's code and
message, so a code we never met (or one WeCom uses differently from what we expect) is recorded, not
retried forever. message/send also answers errcode 0 for a recipient it did not deliver to: listed in
``invaliduser`` (not a member, or outside the app's scope) or ``unlicenseduser`` (no 接口许可 license,
90236). That recipient is recorded as not delivered, with the reason, not as sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scrm.alerts.ports import AlertRepo, MessageWeCom
from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.china_time import CHINA
from scrm.kernel.wecom_error import WeComError

UNDELIVERED = {
    "invaliduser": "not a valid recipient (left, or outside the app's scope)",
    "unlicenseduser": "has no WeCom API license (接口许可)",
}


def _ids(value: Any) -> set[str]:
    """WeCom's "a|b" lists (some SDKs hand them over as arrays)."""
    if isinstance(value, str):
        return {v for v in value.split("|") if v}
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    return set()


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
            if errcodes.alert_passing(exc.errcode):
                raise
            return Outcome(False, reason=f"WeCom {exc.errcode}: {exc.errmsg}"[:300])
        msgid = str(res.get("msgid") or "")
        for key, why in UNDELIVERED.items():
            if recipient in _ids(res.get(key)):
                return Outcome(False, msgid=msgid, reason=f"not delivered: WeCom lists {recipient} in {key}, {why}")
        return Outcome(True, msgid=msgid)

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
