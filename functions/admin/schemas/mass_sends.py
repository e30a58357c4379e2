"""Mass sends (客户群发; admin/mass_sends.py). The request's shape is checked here; the domain's rules
(scrm.mass_sends.spec.new_send) take the typed values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StringConstraints, model_validator

from admin.schemas.base import Body, Model

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Seconds = Annotated[int, Field(ge=0, description="unix seconds, inclusive")]


class MassSendInputRecipientsFilter(Body):
    """every condition must hold; {} is every customer"""

    tags_all: list[Id] = Field([], max_length=20)
    tags_any: list[Id] = Field([], max_length=20)
    tags_none: list[Id] = Field([], max_length=20)
    employees: list[Id] = Field([], max_length=1000, description="only relations of these members")
    states: list[Id] = Field([], max_length=100, description="channel codes (state) the customer came through")
    added_from: Seconds | None = None
    added_to: Seconds | None = None


class MassSendInputRecipientsGroups(Body):
    """customer groups from our store, each sent by its owner; {} is every active group"""

    owners: list[Id] = Field([], max_length=1000, description="only groups these members own")
    name_contains: str = Field("", max_length=50, description="the group name contains this (case-insensitive)")


class MassSendInputRecipients(Body):
    """exactly one of filter, external_userids (customers: chat_type single), groups, chat_ids (customer groups: chat_type group, each owner's groups in tasks of at most 2,000; each group counts against the receive quota as a customer does)"""

    filter: MassSendInputRecipientsFilter | None = Field(
        None, description="every condition must hold; {} is every customer"
    )
    external_userids: list[Id] | None = Field(None, min_length=1, max_length=100_000, description="customers")
    groups: MassSendInputRecipientsGroups | None = Field(
        None, description="customer groups from our store, each sent by its owner; {} is every active group"
    )
    chat_ids: list[Id] | None = Field(None, min_length=1, max_length=20_000, description="customer groups, by chat id")

    @model_validator(mode="after")
    def _one_kind(self) -> MassSendInputRecipients:
        chosen = self.model_fields_set
        if len(chosen) != 1 or getattr(self, next(iter(chosen))) is None:
            raise ValueError("needs exactly one of filter, external_userids, groups, chat_ids")
        return self

    def spec(self, name: str, content: Any) -> Any:
        """The domain's spec (scrm.mass_sends.spec.new_send) of a send of ``content`` to these recipients."""
        from scrm.mass_sends import spec as D

        found = D.recipient_filter(**self.filter.model_dump()) if self.filter is not None else None
        groups = D.GroupFilter(tuple(self.groups.owners), self.groups.name_contains) if self.groups else None
        return D.new_send(name, content, filter=found, external_userids=self.external_userids or (),
                          groups=groups, chat_ids=self.chat_ids or ())  # fmt: skip


class MassSendInput(Body):
    name: str = Field(min_length=1, max_length=50, description="1..50 characters")
    text: str = Field(
        "", description="the message (≤ 4000 bytes); {name} is not supported: one text for every recipient"
    )
    attachments: list[dict[str, Any]] = Field(
        [], description="≤ 9, in WeCom's add_msg_template shape (image, link, miniprogram, …)"
    )
    recipients: MassSendInputRecipients = Field(
        description="exactly one of filter, external_userids (customers: chat_type single), groups, chat_ids (customer groups: chat_type group, each owner's groups in tasks of at most 2,000; each group counts against the receive quota as a customer does)"
    )
    request_id: str | None = Field(
        None, min_length=1, max_length=64, description="1..64 characters: the same id always returns the same send"
    )

    wording: ClassVar[Mapping[str, str]] = {"name": "name: required: a string of 1..50 characters"}
    unknown: ClassVar[str] = "{field}: unknown field"

    def spec(self) -> Any:
        """The domain's spec (scrm.mass_sends.spec.new_send), which checks the rules between the fields;
        the content is checked by the domain's welcome rules (WeCom's attachment shapes, 4000 bytes)."""
        from scrm.welcome.message import parse_welcome

        content = parse_welcome({"text": self.text, "attachments": self.attachments}, "content")
        return self.recipients.spec(self.name, content)


class MassSendPreviewInput(Body):
    """The recipients of a send to be (as POST /admin/mass-sends takes them), to count before sending."""

    recipients: MassSendInputRecipients = Field(
        description="exactly one of filter, external_userids, groups, chat_ids (as POST /admin/mass-sends)"
    )

    def spec(self) -> Any:
        """A spec of these recipients: the planner's resolution needs no content, so it has none."""
        from scrm.welcome.message import Welcome

        return self.recipients.spec("preview", Welcome())


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
    external_userid: str | None = Field(None, description="the customer (a group send: the group's chat_id)")
    outcome: Literal["pending", "not_sent", "sent", "not_a_friend", "over_quota"] | None = None
    userid: str | None = Field(None, description="the member whose WeCom task holds this customer or group")
    name: str | None = Field(
        None, description="the customer's (or group's) name as we store it; \"\" when not known"
    )
    remark: str | None = Field(None, description="the sending member's remark for the customer; \"\" when none")
    known: bool | None = Field(None, description="false when our store does not hold this customer or group")


class MassSendProgress(Model):
    send_id: str | None = None
    name: str | None = Field(None, description="the send's name, as created")
    chat_type: Literal["single", "group"] | None = Field(
        None, description="single: to customers; group: to customer groups (counts are groups)"
    )
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
        None, description="with items=1: a page of customers, by external_userid, with their names"
    )


class MassSendPreviewMembersItem(Model):
    userid: str | None = None
    recipients: int | None = Field(None, description="the recipients this member would send to")
    parts: int | None = Field(None, description="the WeCom tasks this member would get")


class MassSendPreview(Model):
    chat_type: Literal["single", "group"] | None = Field(
        None, description="single: to customers; group: to customer groups (counts are groups)"
    )
    recipients: int | None = Field(None, description="who the send would reach if it were planned now")
    parts: int | None = Field(None, description="the WeCom tasks (add_msg_template calls) it would make")
    skipped: dict[str, int] | None = Field(
        None, description="left out by reason: over_quota (the receive quota, now), no_active_relation"
    )
    members: list[MassSendPreviewMembersItem] | None = None
    quota_setting: Literal["month_days", "week_7", "day_1"] | None = None
    period: str | None = Field(None, description="the quota period counted against")
    complete: bool | None = Field(
        None, description="false: a very large filter was counted only in part (the counts are a lower bound)"
    )


class MassSendQuota(Body):
    msg_quota: Literal["month_days", "week_7", "day_1"]

    wording: ClassVar[Mapping[str, str]] = {
        "msg_quota:missing": "msg_quota: required (month_days, week_7 or day_1)",
        "msg_quota": "msg_quota: must be one of month_days, week_7, day_1",
    }


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
