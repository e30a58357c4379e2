"""Telling a member that a SOP step handed them a task: one app textcard per (send, member), paced
through the same per-recipient item as churn alerts, so a member never gets more app messages than
WeCom allows, whichever feature sends them.

Once only: the reminder is a record in the alerts table keyed by the send and the member, created before
the send; a crash between send and mark sends the same card again under WeCom's duplicate check. When
the member's minute or hour is full the reminder is not dropped and not folded into the churn digest:
the caller retries it a minute later ("full").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from scrm.alerts.alert_settings import AlertSettings
from scrm.alerts.cards import TITLE_MAX, card_description, cut, link
from scrm.alerts.churn import alert_sk
from scrm.alerts.delivery import Delivery, china_time
from scrm.alerts.once import send_once
from scrm.alerts.pacing import Caps
from scrm.alerts.ports import AlertRepo

log = logging.getLogger("scrm.sops")
KIND = "sop_task"


def reminder_card(
    sop_name: str, step_id: str, minute: str, recipients: int, groups: bool, url: str
) -> dict[str, str]:
    what = f"{recipients} 个客户群" if groups else f"{recipients} 位客户"
    lines = [
        ("gray", minute.replace("T", " ")),
        ("normal", f"SOP：{sop_name}（步骤 {step_id}）"),
        ("highlight", f"待发送：{what}"),
        ("normal", "请在企业微信「客户联系 → 群发助手」中确认发送"),
    ]
    return {"title": cut(f"SOP 任务：{sop_name}", TITLE_MAX), "description": card_description(lines), "url": url,
            "btntxt": "详情"}  # fmt: skip


class SopReminders:
    def __init__(
        self, repo: AlertRepo, delivery: Delivery, caps: Caps, clock: Callable[[], float] = time.time
    ) -> None:
        self.repo = repo
        self.delivery = delivery
        self.caps = caps
        self.clock = clock

    def notify(self, corp_id: str, send: dict[str, Any], member: str, recipients: int, sop_name: str) -> str:
        """ "sent", "failed" (WeCom refused for good: the record says why), "full" (try again later), or
        the record's state when an earlier call already dealt with it."""
        source = dict(send.get("source") or {})
        send_id = str(send["send_id"])
        sk = alert_sk(int(send.get("created_at") or 0), f"sop-{send_id}")
        settings = AlertSettings.of(self.repo.settings(corp_id))
        url = link(settings.link_url, sop=str(source.get("sop_id") or ""), send=send_id, member=member)
        card = reminder_card(sop_name, str(source.get("step_id") or ""), str(source.get("minute") or ""),
                             recipients, (send.get("spec") or {}).get("chat_type") == "group", url)  # fmt: skip
        now = self.clock()
        fields = {"kind": KIND, "external_userid": "", "userid": member, "now": now, "card": card,
                  "summary": {"kind": KIND, "send_id": send_id, "sop_id": source.get("sop_id"),
                              "recipients": recipients, "at": china_time(now).strftime("%Y-%m-%d %H:%M")}}  # fmt: skip
        # A member's parts each queue a notify ({name} steps: one part per customer), so several may reach
        # here at once: one claims the send, the others come back later and find it sent ("busy").
        got = send_once(self.repo, self.delivery, self.caps, self.clock, corp_id, member, sk, fields)
        if got.state == "failed":
            log.warning("sop reminder not sent", extra={"member": member, "send_id": send_id, "reason": got.reason})
        return got.state
