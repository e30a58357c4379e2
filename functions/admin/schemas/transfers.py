"""Customer and group handovers (离职继承 / 在职继承; admin/transfers.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from admin.schemas.base import NULLABLE, Body, Model

Id = Annotated[str, Field(min_length=1)]


class TransferInput(Body):
    kind: Literal["resigned", "onjob"] = Field(
        "resigned",
        description="resigned (default): the member has left (WeCom's delete_user reached us); onjob: the member is still employed",
    )
    handover_userid: Id = Field(description="whose customers and groups move")
    takeover_userid: Id | None = Field(None, description="one taker (or takeover_userids)")
    takeover_userids: list[Id] | None = Field(
        None,
        min_length=1,
        description="at most 100 active employees, not the handover; customers and groups are split evenly, in turn",
    )
    customers: Literal["all"] | list[Id] | None = Field(
        "all", description='"all" (default: every customer of the handover) or at most 100000 external_userids'
    )
    groups: Literal["all"] | list[Id] | None = Field(
        "all",
        description='"all" (default: the handover\'s groups) or at most 10000 chat ids; [] for none (customers and groups may not both be empty)',
    )
    transfer_success_msg: str = Field(
        "",
        max_length=200,
        description="onjob only: what WeCom sends the customer (WeCom's default when empty)",
    )
    on_refused: Literal["leave", "reassign", ""] = Field(
        "",
        description="refused / taker at limit: leave them, or give them to the next taker (default: the corp's policy)",
    )
    request_id: str = Field(
        "", max_length=64, description="makes a retry return the same job; without it, the same fields do"
    )

    wording: ClassVar[Mapping[str, str]] = {
        "kind": "kind must be resigned (离职继承) or onjob (在职继承)",
        "handover_userid": "handover_userid is required",
        "takeover_userids": "takeover_userid or takeover_userids (a non-empty list) is required",
        "customers": 'customers must be "all" or a list of ids',
        "groups": 'groups must be "all" or a list of ids',
        "transfer_success_msg": "transfer_success_msg: a string of at most 200 characters",
        "on_refused": "on_refused must be leave or reassign",
        "request_id": "request_id: a string of at most 64 characters",
    }

    def request(self) -> Any:
        """The domain's request (scrm.transfers.request), which checks the rules between the fields."""
        from scrm.transfers.request import new_request

        takers = self.takeover_userids
        if takers is None:
            takers = [self.takeover_userid] if self.takeover_userid is not None else []
        return new_request(
            self.kind, self.handover_userid, takers,
            None if self.customers in ("all", None) else self.customers,
            None if self.groups in ("all", None) else self.groups,
            self.transfer_success_msg, self.on_refused, self.request_id,
        )  # fmt: skip


class TransferProgressCustomers(Model):
    total: int | None = None
    requested: int | None = None
    waiting: int | None = None
    done: int | None = None
    refused: int | None = None
    taker_limit: int | None = None
    failed: int | None = None
    cancelled: int | None = None
    reassigned: int | None = None


class TransferProgressGroups(Model):
    total: int | None = None
    requested: int | None = None
    queued: int | None = None
    done: int | None = None
    failed: int | None = None
    cancelled: int | None = None


class TransferProgressItemsItem(Model):
    type: Literal["customer", "group"] | None = None
    id: str | None = None
    taker: str | None = None
    state: str | None = None
    reason: str | None = Field(
        None, description="why it failed, was refused or cancelled", json_schema_extra=NULLABLE
    )
    at: int | None = Field(None, description="when the state was set (takeover_time for done)")


class TransferProgress(Model):
    job_id: str | None = None
    kind: Literal["resigned", "onjob"] | None = None
    state: Literal["planning", "running", "cancelling", "finished", "cancelled"] | None = None
    handover_userid: str | None = None
    takeover_userids: list[str] | None = None
    on_refused: Literal["leave", "reassign"] | None = None
    created_at: int | None = Field(None, description="unix seconds")
    error: str | None = Field(None, json_schema_extra=NULLABLE)
    customers: TransferProgressCustomers | None = None
    groups: TransferProgressGroups | None = None
    by_taker: dict[str, dict[str, int]] | None = Field(None, description="taker → {customer state: count}")
    requested_percent: float | None = Field(
        None, description="customers and groups sent to WeCom (0 while planning)"
    )
    settled_percent: float | None = Field(None, description="customers and groups with their outcome")
    next_check_at: int | None = Field(
        None, description="unix seconds of the next scheduled check", json_schema_extra=NULLABLE
    )
    next_cursor: str | None = Field(
        None, description='with ?items=1: the next page\'s cursor, "" after the last'
    )
    items: list[TransferProgressItemsItem] | None = Field(
        None, description="with ?items=1 only: a page, by type then id"
    )


class TransferCreated(Model):
    created: bool | None = Field(None, description="false: a repeat of an earlier request")
    job: TransferProgress | None = None


class TransferBrief(Model):
    job_id: str | None = None
    kind: str | None = None
    state: Literal["planning", "running", "cancelling", "finished", "cancelled"] | None = None
    handover_userid: str | None = None
    takers: list[str] | None = None
    created_at: int | None = None
    finished_at: int | None = Field(None, json_schema_extra=NULLABLE)
    customers_planned: int | None = Field(None, json_schema_extra=NULLABLE)
    groups_planned: int | None = Field(None, json_schema_extra=NULLABLE)
    on_refused: str | None = None


class TransferConflictDetailsItem(Model):
    id: str | None = None
    frees_on: str | None = Field(None, description="YYYY-MM-DD, the first day WeCom allows it")
    frees_at: int | None = Field(None, description="unix seconds")


class TransferConflict(Model):
    error: str
    field: str | None = None
    details: list[TransferConflictDetailsItem] | None = Field(
        None, description="the 90-day rule: each blocked customer or group"
    )


class TransferPolicy(Body):
    """What the corp's jobs do with refusals; only this field may be sent."""

    wording: ClassVar[Mapping[str, str]] = {
        "on_refused": "on_refused must be leave (the admin decides) or reassign (the next taker)"
    }

    on_refused: Literal["leave", "reassign"] = Field(
        description="leave: the admin decides; reassign: the next taker of the job"
    )


class TransferUnassignedItemsItem(Model):
    handover_userid: str | None = None
    dimission_time: int | None = Field(
        None, description="unix seconds, as WeCom gives it", json_schema_extra=NULLABLE
    )
    customers: int | None = None
    groups: int | None = None
    customer_ids: list[str] | None = Field(None, description="with handover_userid only")
    group_ids: list[str] | None = Field(None, description="with handover_userid only")


class TransferUnassigned(Model):
    items: list[TransferUnassignedItemsItem] | None = None


class TransferList(Model):
    items: list[TransferBrief] | None = None


class UnassignedQuery(Model):
    handover_userid: str | None = Field(
        None, description="only this member, with the ids of their customers and groups"
    )


STATE_MACHINE = (
    "A job is `planning` (its customers and groups are being listed and split across the takers), then "
    "`running`, then `finished`; after a cancel, `cancelling` (customers already in WeCom's 24 h window "
    "cannot be called back) and then `cancelled`. Customers: requested → waiting (WeCom's 24 h acceptance "
    "window) → done / refused / taker_limit / failed; requested → cancelled; refused or taker_limit → "
    "reassigned (to the next taker, when on_refused is reassign). Groups take effect at once: requested → "
    "done / failed, or queued (the new owner's 300-groups-a-day limit) → requested on a later day. "
    "requested_percent reaches 100 when every customer and group has been sent to WeCom; settled_percent "
    "when every one has its outcome."
)
