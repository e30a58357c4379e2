"""Mass sends (客户群发; admin/mass_sends.py). The request is checked by scrm's parse_mass_send."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from admin.schemas.base import Model


class MassSendInputRecipientsFilter(Model):
    """every condition must hold; {} is every customer"""

    tags_all: list[str] | None = None
    tags_any: list[str] | None = None
    tags_none: list[str] | None = None
    employees: list[str] | None = Field(None, description="only relations of these members")
    states: list[str] | None = Field(None, description="channel codes (state) the customer came through")
    added_from: int | None = Field(None, description="unix seconds, inclusive")
    added_to: int | None = Field(None, description="unix seconds, inclusive")


class MassSendInputRecipientsGroups(Model):
    """customer groups from our store, each sent by its owner; {} is every active group"""

    owners: list[str] | None = Field(None, description="only groups these members own (≤ 1000)")
    name_contains: str | None = Field(
        None, max_length=50, description="the group name contains this (case-insensitive)"
    )


class MassSendInputRecipients(Model):
    """exactly one of filter, external_userids (customers: chat_type single), groups, chat_ids (customer groups: chat_type group, each owner's groups in tasks of at most 2,000; each group counts against the receive quota as a customer does)"""

    filter: MassSendInputRecipientsFilter | None = Field(
        None, description="every condition must hold; {} is every customer"
    )
    external_userids: list[str] | None = Field(None, description="≤ 100,000 customers")
    groups: MassSendInputRecipientsGroups | None = Field(
        None, description="customer groups from our store, each sent by its owner; {} is every active group"
    )
    chat_ids: list[str] | None = Field(None, description="≤ 20,000 customer groups, by chat id")


class MassSendInput(Model):
    name: str = Field(description="1..50 characters")
    text: str | None = Field(
        None, description="the message (≤ 4000 bytes); {name} is not supported: one text for every recipient"
    )
    attachments: list[dict[str, Any]] | None = Field(
        None, description="≤ 9, in WeCom's add_msg_template shape (image, link, miniprogram, …)"
    )
    recipients: MassSendInputRecipients = Field(
        description="exactly one of filter, external_userids (customers: chat_type single), groups, chat_ids (customer groups: chat_type group, each owner's groups in tasks of at most 2,000; each group counts against the receive quota as a customer does)"
    )
    request_id: str | None = Field(
        None, description="1..64 characters: the same id always returns the same send"
    )


class MassSendCounts(Model):
    recipients: int | None = None
    parts: int | None = None
    skipped: dict[str, int] | None = None


class MassSend(Model):
    send_id: str | None = None
    state: Literal["new", "planned", "cancelled"] | None = None
    spec: dict[str, Any] | None = None
    created_at: int | None = None
    planned_at: int | None = None
    period: str | None = Field(None, description="the quota period")
    quota_setting: Literal["month_days", "week_7", "day_1"] | None = None
    counts: MassSendCounts | None = None


class MassSendCreated(Model):
    created: bool | None = None
    send: MassSend | None = None


class MassSendProgressMembersItem(Model):
    userid: str | None = None
    customers: int | None = None
    sent: int | None = None
    parts: int | None = None
    completion_rate: float | None = None


class MassSendProgressItemsItem(Model):
    external_userid: str | None = None
    outcome: Literal["pending", "not_sent", "sent", "not_a_friend", "over_quota"] | None = None


class MassSendProgress(Model):
    send_id: str | None = None
    state: str | None = None
    parts: dict[str, int] | None = Field(
        None, description="tasks by state: requested, created, failed, cancelled"
    )
    outcomes: dict[str, int] | None = Field(
        None, description="customers by outcome: pending, not_sent, sent, not_a_friend, over_quota"
    )
    skipped: dict[str, int] | None = Field(
        None,
        description="customers left out before any task: over_quota (our ledger), no_active_relation (a listed customer nobody active follows)",
    )
    recipients: int | None = None
    completion_rate: float | None = None
    members: list[MassSendProgressMembersItem] | None = None
    next_cursor: str | None = Field(
        None, description='with items=1: the next page\'s cursor, "" after the last'
    )
    items: list[MassSendProgressItemsItem] | None = Field(
        None, description="with items=1: a page of customers, by external_userid"
    )


class MassSendQuota(Model):
    msg_quota: Literal["month_days", "week_7", "day_1"]


class MassSendList(Model):
    items: list[MassSend] | None = None


class MassSendCancelled(Model):
    send_id: str | None = None
    state: str | None = None
    cancelled_tasks: int | None = None


class MassSendReminded(Model):
    send_id: str | None = None
    reminded: int | None = None
    cancelled_in_wecom: int | None = None


FLOW = (
    "A send is `new` until the mass-sends queue plans it: its customers are resolved from our store (one "
    "per customer, from the member who added them most recently), customers over the corp's receive quota "
    "are skipped with the reason, and each member's customers are cut into the fewest add_msg_template "
    "tasks (10,000 customers each); then `planned`, and each task is created once, for the member to "
    "confirm in WeCom. Outcomes per customer come from WeCom's results, read every 10 minutes: pending "
    "until the member sends (or the send is cancelled), then sent, not_sent, not_a_friend or over_quota "
    "(WeCom's own count). `cancelled` after a cancel."
)
