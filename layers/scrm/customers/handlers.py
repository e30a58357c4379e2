"""What each callback event changes. Called by the event consumer once per event key.

Reads from WeCom give current state (profiles, tags, groups, employees) and are stored when they are newer
than what we hold; statuses come from the events themselves, versioned so that a late or reordered event
never overwrites a newer one. Every event also lands on a timeline (customer, group, employee, tag
library, or the corp for events we do not know), keyed by its event id, so a redelivery rewrites one item.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from scrm.customers.employee import EmployeeStatus
from scrm.customers.follow import FollowStatus, status_after
from scrm.customers.group import GroupStatus, MemberType
from scrm.customers.ports import EventObserver, Store, WeCom, WeComDirectory
from scrm.kernel.events import (
    ContactEvent,
    ExternalChatEvent,
    ExternalContactEvent,
    ExternalTagEvent,
    WeComEvent,
    parse_event,
)
from scrm.kernel.sources import may_be_channel_code, source_of
from scrm.kernel.versions import version_of

if TYPE_CHECKING:
    from scrm.acquisition.service import Acquisition

log = logging.getLogger("scrm.events")
T = TypeVar("T")

CUSTOMER_ID_PREFIXES = ("wm", "wo")  # WeCom's external_userid prefixes (WeChat customers)
LOSSES = {FollowStatus.DELETED_BY_CUSTOMER: "customer", FollowStatus.DELETED_BY_EMPLOYEE: "employee"}
REFRESHING_CHANGES = frozenset({"add_external_contact", "add_half_external_contact", "edit_external_contact"})


def timeline_entry(event: WeComEvent, **extra: Any) -> dict[str, Any]:
    """What the timeline keeps: the event's own fields, minus the one-time welcome code."""
    fields = {k: v for k, v in event.fields.items() if k not in ("WelcomeCode", "ToUserName", "FromUserName")}
    return {"event": event.event, "change_type": event.change_type, "fields": fields, **extra}


@dataclass(eq=False)
class Handlers:
    store: Store
    wecom: WeComDirectory
    clock: Callable[[], float] = time.time
    channels: Acquisition | None = None
    observers: Sequence[EventObserver] = ()

    def __post_init__(self) -> None:
        self.observers = tuple(self.observers)

    def _refresh(self, corp: str, read: Callable[[WeCom], T | None], save: Callable[[str, T, int], Any]) -> T | None:
        """What WeCom holds now, saved as of when we asked (a slower, older read must not win); None: gone."""
        asked_at = self._now_ms()
        current = read(self.wecom.for_corp(corp))
        if current is not None:
            save(corp, current, asked_at)
        return current

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def apply_message(self, message: dict[str, Any]) -> dict[str, Any]:
        event = parse_event(message["fields"])
        effects = self.apply(event, message["event_id"])
        return {"event_id": message["event_id"], "effects": effects}

    def apply(self, event: WeComEvent, event_id: str) -> list[str]:
        effects = self._apply(event, event_id)
        # After the store has the event: statistics, alerts and transfers read what it now holds. Each
        # observer is idempotent per event key, so a retried event (any step failed) changes nothing twice.
        for observer in self.observers:
            effects += observer.observe(event, event_id)
        return effects

    def _apply(self, event: WeComEvent, event_id: str) -> list[str]:
        if isinstance(event, ExternalContactEvent):
            return self._external_contact(event, event_id)
        if isinstance(event, ExternalChatEvent):
            return self._external_chat(event, event_id)
        if isinstance(event, ExternalTagEvent):
            return self._external_tag(event, event_id)
        if isinstance(event, ContactEvent):
            return self._contact(event, event_id)
        return self._unknown(event, event_id)

    # change_external_contact ----------------------------------------------------------------------
    def _external_contact(self, e: ExternalContactEvent, event_id: str) -> list[str]:
        effects: list[str] = []
        corp, ext, uid = e.corp_id, e.external_user_id, e.user_id
        status = status_after(e.change_type, e.source)
        if status is not None and ext and uid:
            extra: dict[str, Any] = {}
            if e.change_type in ("add_external_contact", "add_half_external_contact"):
                extra = {"half_added": e.change_type == "add_half_external_contact", "state": e.state}
            applied = self.store.set_follow_status(
                corp, ext, uid, status, version_of(e.create_time, e.change_type), extra
            )
            effects.append(f"follow:{status.value}" if applied else "follow:stale")
        if e.change_type == "transfer_fail" and ext:
            self.store.note_transfer_fail(corp, ext, uid, e.fail_reason, e.create_time)
            effects.append("customer:transfer_fail")
        arrived = e.change_type in ("add_external_contact", "add_half_external_contact")
        looked_up = self.channels and arrived and may_be_channel_code(e.state) and ext and uid
        code = self.channels.code(corp, e.state) if looked_up else None
        if e.change_type in REFRESHING_CHANGES and ext:
            effects += self._refresh_customer(corp, ext, (uid, code) if code else None)
        if code is not None and self.channels:
            effects += self.channels.count_add(corp, e.state, ext, uid, e.create_time)
        if self.channels and ext and uid and status in LOSSES:
            effects += self.channels.count_loss(corp, ext, uid, LOSSES[status], e.create_time)
        if ext:
            extra_fields: dict[str, Any] = {"channel_name": code.spec.name} if code else {}
            if arrived and e.state:
                extra_fields["source"] = source_of(e.state)  # store (门店活码) or channel
            self.store.add_timeline(
                corp, f"customer:{ext}", e.create_time, event_id, timeline_entry(e, **extra_fields)
            )
            effects.append("timeline")
        return effects

    def _refresh_customer(self, corp: str, ext: str, channel: tuple[str, Any] | None = None) -> list[str]:
        """Read the customer and store it; for an arrival through a live code, first apply the code's tags
        and remark to that relation (``channel`` = (userid, code)) and store the result of both."""
        now = self._now_ms()  # the snapshot's time is when we asked: a slower, older read must not win
        found = self.wecom.for_corp(corp).get_customer(ext)
        if found is None:
            return ["customer:gone"]
        profile, follows = found
        effects: list[str] = []
        self.store.save_customer(corp, profile, now)
        for info in follows:
            at = now
            if channel is not None and self.channels and info.userid == channel[0]:
                info, done = self.channels.apply_actions(corp, ext, channel[1], profile.name, info)
                effects += done
                at = self._now_ms()  # after our writes: this view of the relation is newer than the read
            self.store.sync_follow(corp, ext, info, at, name=profile.name)
        return ["customer:refreshed", f"follows:{len(follows)}", *effects]

    # change_external_chat -------------------------------------------------------------------------
    def _external_chat(self, e: ExternalChatEvent, event_id: str) -> list[str]:
        effects: list[str] = []
        corp, chat = e.corp_id, e.chat_id
        version = version_of(e.create_time, e.change_type)
        customers_changed: list[str] = []
        if e.change_type == "dismiss":
            applied = self.store.set_group_status(corp, chat, GroupStatus.DISMISSED, version)
            effects.append("group:dismissed" if applied else "group:stale")
        else:
            if e.change_type == "create":
                applied = self.store.set_group_status(corp, chat, GroupStatus.ACTIVE, version)
                effects.append("group:created" if applied else "group:stale")
            group = self._refresh(corp, lambda gw: gw.get_group_chat(chat), self.store.save_group)
            if group is None:
                effects.append("group:gone")
            else:
                effects.append(f"group:refreshed:{len(group.members)}")
                if self.channels and e.update_detail in ("add_member", "del_member"):
                    effects += self.channels.group_size(corp, chat, len(group.members))
                types = {m.member_id: m.type for m in group.members}
                # Members still listed are typed by WeCom; those who left are judged by their id's prefix.
                customers_changed = [
                    m
                    for m in e.mem_change_list
                    if types.get(m) is MemberType.CUSTOMER
                    or (m not in types and m.startswith(CUSTOMER_ID_PREFIXES))
                ]
        self.store.add_timeline(corp, f"chat:{chat}", e.create_time, event_id, timeline_entry(e))
        effects.append("timeline")
        # Joining or leaving a group is part of each customer's own history too.
        if e.update_detail in ("add_member", "del_member"):
            for ext in customers_changed:
                self.store.add_timeline(
                    corp, f"customer:{ext}", e.create_time, event_id, timeline_entry(e, chat_id=chat)
                )
            if customers_changed:
                effects.append(f"customer_timelines:{len(customers_changed)}")
        return effects

    # change_external_tag --------------------------------------------------------------------------
    def _external_tag(self, e: ExternalTagEvent, event_id: str) -> list[str]:
        effects: list[str] = []
        corp = e.corp_id
        is_group = e.tag_type == "tag_group"
        if e.strategy_id:
            # Rule-group (规则组) tags live behind get_strategy_tag_list, which we do not mirror yet.
            effects.append("tags:strategy_recorded")
        elif e.change_type == "delete":
            applied = self.store.delete_tag(
                corp, e.tag_id, is_group, version_of(e.create_time, e.change_type)
            )
            effects.append("tags:deleted" if applied else "tags:stale")
        else:
            gw = self.wecom.for_corp(corp)
            asked_at = self._now_ms()
            if e.change_type == "shuffle":
                groups = gw.get_tag_groups(group_ids=[e.tag_id] if e.tag_id else ())
            elif is_group:
                groups = gw.get_tag_groups(group_ids=[e.tag_id])
            else:
                groups = gw.get_tag_groups(tag_ids=[e.tag_id])
            self.store.save_tag_groups(corp, groups, asked_at)
            effects.append(f"tags:refreshed:{sum(len(g.tags) for g in groups)}")
        self.store.add_timeline(corp, "tags", e.create_time, event_id, timeline_entry(e))
        effects.append("timeline")
        return effects

    # change_contact -------------------------------------------------------------------------------
    def _contact(self, e: ContactEvent, event_id: str) -> list[str]:
        effects: list[str] = []
        corp, uid = e.corp_id, e.user_id
        version = version_of(e.create_time, e.change_type)
        if e.change_type == "delete_user":
            applied = self.store.set_employee_status(corp, uid, EmployeeStatus.DELETED, version)
            effects.append("employee:deleted" if applied else "employee:stale")
            if self.channels and uid:
                effects += self.channels.employee_left(corp, uid)
        else:
            target = uid
            if e.change_type == "update_user" and e.new_user_id and e.new_user_id != uid:
                self.store.set_employee_status(
                    corp, uid, EmployeeStatus.RENAMED, version, renamed_to=e.new_user_id
                )
                effects.append("employee:renamed")
                target = e.new_user_id
            employee = self._refresh(corp, lambda gw: gw.get_user(target), self.store.save_employee)
            if employee is None:
                effects.append("employee:gone")
            else:
                applied = self.store.set_employee_status(corp, target, EmployeeStatus.ACTIVE, version)
                effects.append("employee:refreshed" if applied else "employee:refreshed_stale_status")
        self.store.add_timeline(corp, f"employee:{uid}", e.create_time, event_id, timeline_entry(e))
        effects.append("timeline")
        return effects

    # anything else --------------------------------------------------------------------------------
    def _unknown(self, e: WeComEvent, event_id: str) -> list[str]:
        """Kept raw, acknowledged and logged: a new WeCom event must never be lost or block the queue."""
        log.warning("unknown event kept raw", extra={"wecom_event": e.event, "change_type": e.change_type})
        ext = str(e.fields.get("ExternalUserID") or "")
        subject = f"customer:{ext}" if ext else "corp"
        self.store.add_timeline(e.corp_id, subject, e.create_time, event_id, timeline_entry(e, unknown=True))
        return ["unknown:kept"]
