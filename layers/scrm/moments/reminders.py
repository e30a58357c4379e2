"""Reminding a member who has not posted a moment task yet (issue 20 item 3): one app textcard per (task,
member), paced through the same per-recipient item as churn alerts and SOP reminders, so a member never gets
more app messages than WeCom allows, whichever feature sends them.

Once only (scrm.alerts.once, shared with the SOP reminders): a record in the alerts table keyed by the task and
the member, created before the send. When the member's minute or hour is full the answer is "full" and the
next results pass tries again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from scrm.alerts.alert_settings import AlertSettings
from scrm.alerts.cards import TITLE_MAX, card_description, cut, link
from scrm.alerts.churn import alert_sk
from scrm.alerts.delivery import Delivery, china_time
from scrm.alerts.once import send_once
from scrm.alerts.pacing import Caps
from scrm.alerts.ports import AlertRepo
from scrm.moments.model import Moment

log = logging.getLogger("scrm.moments")
KIND = "moment_task"


def reminder_card(name: str, text: str, created: str, url: str) -> dict[str, str]:
    lines = [
        ("gray", created),
        ("normal", f"朋友圈任务：{name}"),
        ("highlight", "你还没有发表这条朋友圈"),
        ("normal", cut(text, 60) if text else "（图片、视频或链接）"),
        ("normal", "请在企业微信「客户朋友圈」中发表"),
    ]
    return {"title": cut(f"朋友圈任务：{name}", TITLE_MAX), "description": card_description(lines), "url": url,
            "btntxt": "详情"}  # fmt: skip


class MomentReminders:
    def __init__(
        self, repo: AlertRepo, delivery: Delivery, caps: Caps, clock: Callable[[], float] = time.time
    ) -> None:
        self.repo = repo
        self.delivery = delivery
        self.caps = caps
        self.clock = clock

    def notify(self, corp_id: str, moment: Moment, member: str) -> str:
        """ "sent", "failed" (WeCom refused for good: the record says why), "full" or "busy" (try again on
        the next pass), or the record's state when an earlier pass already dealt with it."""
        sk = alert_sk(int(moment.created_at), f"moment-{moment.moment_task_id}")
        settings = AlertSettings.of(self.repo.settings(corp_id))
        url = link(settings.link_url, moment=moment.moment_task_id, member=member)
        created = china_time(float(moment.created_at)).strftime("%Y-%m-%d %H:%M")
        card = reminder_card(str(moment.spec.get("name") or ""), str(moment.spec.get("text") or ""), created, url)
        now = self.clock()
        fields = {"kind": KIND, "external_userid": "", "userid": member, "now": now, "card": card,
                  "summary": {"kind": KIND, "moment_task_id": moment.moment_task_id,
                              "at": china_time(now).strftime("%Y-%m-%d %H:%M")}}  # fmt: skip
        got = send_once(self.repo, self.delivery, self.caps, self.clock, corp_id, member, sk, fields)
        if got.state == "failed":
            log.warning("moment reminder not sent", extra={"member": member, "moment_task_id": moment.moment_task_id,
                                                            "reason": got.reason})  # fmt: skip
        return got.state
