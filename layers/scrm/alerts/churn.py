"""Churn alerts: a customer who deletes an employee (del_follow_user) is told to that employee; an
employee who deletes a customer (del_external_contact, not a handover) is told to the corp's admins.

Runs after the store applied the event, so the relation (now deleted) still holds what the card says:
the customer's name and remark, tags, the channel code's state and the add time. Exactly once per
(event, recipient): the alert record is created first; a repeat finds it (sent, deferred, failed: done;
sending: the slot is held and the send repeated with WeCom's duplicate check). Never past WeCom's
per-member limits: a send needs a pacing slot, and an alert without one waits for the daily digest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrm.alerts.alert_settings import AlertSettings
from scrm.alerts.cards import DELETED_BY_EMPLOYEE, LOST_BY_CUSTOMER, AlertFacts, alert_card
from scrm.alerts.delivery import Delivery, china_day, china_time
from scrm.alerts.pacing import Caps
from scrm.alerts.ports import AlertReads, AlertRepo, CodeNames
from scrm.customers.follow import DELETE_BY_TRANSFER, FollowStatus
from scrm.kernel.events import ExternalContactEvent, WeComEvent
from scrm.kernel.versions import version_of
from scrm.live_codes.channel_code import code_from_dict
from scrm.live_codes.keys import CHANNEL, sort_key

log = logging.getLogger("scrm.alerts")
DAY_S = 86_400


def alert_kind(event: WeComEvent) -> str | None:
    if not isinstance(event, ExternalContactEvent) or not event.external_user_id or not event.user_id:
        return None
    if event.change_type == "del_follow_user":
        return LOST_BY_CUSTOMER
    if event.change_type == "del_external_contact" and event.source != DELETE_BY_TRANSFER:
        return DELETED_BY_EMPLOYEE
    return None


def alert_sk(create_time: int, event_id: str) -> str:
    """The record's sort key: China day of the event first, so a recipient's day is one range."""
    return f"{china_day(create_time)}#{create_time:010d}#{event_id}"


@dataclass(eq=False)
class ChurnAlerts:
    repo: AlertRepo
    reads: AlertReads
    codes: CodeNames
    delivery: Delivery
    caps: Caps
    clock: Callable[[], float] = time.time

    def observe(self, event: WeComEvent, event_id: str) -> list[str]:
        kind = alert_kind(event)
        if kind is None:
            return []
        assert isinstance(event, ExternalContactEvent)
        corp = event.corp_id
        settings = AlertSettings.of(self.repo.settings(corp))
        if kind == LOST_BY_CUSTOMER:
            recipients = [event.user_id] if settings.employee_alerts else []
        else:
            recipients = list(settings.admins) if settings.admin_alerts else []
        if not recipients:
            return ["alert:off"]
        facts = self._facts(event, kind)
        if facts is None:
            return ["alert:stale"]
        card = alert_card(facts, event_id, settings.link_url)
        sk = alert_sk(event.create_time, event_id)
        fields = {"kind": kind, "external_userid": facts.external_userid, "userid": facts.userid,
                  "summary": facts.summary(), "card": card}  # fmt: skip
        return [f"alert:{self._one(corp, r, sk, fields, settings)}:{r}" for r in recipients]

    def _facts(self, e: ExternalContactEvent, kind: str) -> AlertFacts | None:
        """What the store holds about the lost relation; None when a newer add revived it (this event
        is a late replay of an old loss, not news)."""
        corp, ext, uid = e.corp_id, e.external_user_id, e.user_id
        follow = self.reads.follow(corp, ext, uid) or {}
        if follow.get("status") == FollowStatus.ACTIVE.value and int(
            follow.get("status_version") or 0
        ) > version_of(e.create_time, e.change_type):
            return None
        name = str(follow.get("name") or "")
        if not name:
            name = str((self.reads.customer(corp, ext) or {}).get("name") or "")
        added = int(follow.get("add_time") or 0)
        state = str(follow.get("state") or "")
        employee = (self.reads.employee(corp, uid) or {}) if kind == DELETED_BY_EMPLOYEE else {}
        return AlertFacts(
            kind=kind,
            external_userid=ext,
            userid=uid,
            name=name,
            remark=str(follow.get("remark") or ""),
            employee_name=str(employee.get("name") or ""),
            tags=self._tag_names(corp, follow),
            channel=self._channel(corp, state),
            days=max(0, (e.create_time - added) // DAY_S) if added else None,
            at=china_time(e.create_time).strftime("%Y-%m-%d %H:%M"),
        )

    def _tag_names(self, corp: str, follow: dict[str, Any]) -> tuple[str, ...]:
        """Names from the tag library (current names); the relation's own copy for tags it lacks."""
        refs = [t for t in follow.get("tags") or [] if t.get("tag_id")]
        if not refs:
            return ()
        library = {t["tag_id"]: t["name"] for g in self.reads.tag_library(corp) for t in g.get("tags") or []}
        return tuple(library.get(t["tag_id"]) or t.get("tag_name") or t["tag_id"] for t in refs)

    def _channel(self, corp: str, state: str) -> str:
        if not state:
            return ""
        data = self.codes.cached(corp, sort_key(CHANNEL, state))
        return code_from_dict(data).spec.name if data else ""

    def _one(self, corp: str, recipient: str, sk: str, fields: dict[str, Any], settings: AlertSettings) -> str:
        now = self.clock()
        created, record = self.repo.create(corp, recipient, sk, {**fields, "now": now})
        state = str(record.get("state"))
        if state == "new":
            state = self.repo.take_slot(corp, recipient, sk, now, self.caps, china_day(now), settings.digest_above)
            if state == "full":
                if self.repo.defer(corp, recipient, sk, now):
                    log.info("alert deferred to the digest", extra={"recipient": recipient, "sk": sk})
                    return "deferred"
                state = str((self.repo.record(corp, recipient, sk) or {}).get("state"))
        if state != "sending":
            return state if created else f"{state}:repeat"
        outcome = self.delivery.send_marked(self.repo, corp, recipient, sk, record["card"], self.clock)
        if outcome.sent:
            return "sent" if created else "sent:again"
        log.warning("alert not sent", extra={"recipient": recipient, "sk": sk, "reason": outcome.reason})
        return "failed"
