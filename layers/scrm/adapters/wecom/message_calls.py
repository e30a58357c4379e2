"""Application messages (message/send, 90236), mixed into WeComGateway.

``enable_duplicate_check`` is always on: a send repeated after a crash between WeCom's answer and our
"sent" mark carries the same content and is dropped by WeCom within ``duplicate_check_interval``. Our
cards carry the alert's id in their url, so two different alerts never look alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DUPLICATE_CHECK_S = 1800  # WeCom's default (and maximum is 4 h): covers SQS's retries of one event


class MessageCalls:
    def _post(self, path: str, body: dict[str, Any]) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def send_app_message(
        self, agent_id: str, touser: Sequence[str], msgtype: str, content: dict[str, Any]
    ) -> dict[str, Any]:
        """Send as the corp's app; returns WeCom's answer (msgid, and the recipients it did not deliver to:
        invaliduser, invalidparty, invalidtag, unlicenseduser, 90236). All recipients invalid: WeComError 81013."""
        body = {
            "touser": "|".join(touser),
            "msgtype": msgtype,
            "agentid": int(agent_id),
            msgtype: content,
            "enable_duplicate_check": 1,
            "duplicate_check_interval": DUPLICATE_CHECK_S,
        }
        return dict(self._post("message/send", body) or {})
