"""What the customers feature needs from the outside world (the store, WeCom, the synced directory); adapters
implement these, unit tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from scrm.customers.customer import CustomerProfile, FollowInfo
from scrm.customers.employee import Employee, EmployeeStatus
from scrm.customers.follow import FollowStatus
from scrm.customers.group import GroupChat, GroupStatus
from scrm.customers.tags import TagGroup
from scrm.kernel.events import WeComEvent


class Store(Protocol):
    """Every write is conditional: ``synced_at_ms`` guards data refreshed from WeCom (newer read wins),
    ``version`` guards state set by events (newer event wins; see kernel.versions)."""

    def save_customer(self, corp_id: str, profile: CustomerProfile, synced_at_ms: int) -> None: ...

    def note_transfer_fail(
        self, corp_id: str, external_userid: str, takeover_userid: str, reason: str, create_time: int
    ) -> None: ...

    def sync_follow(
        self, corp_id: str, external_userid: str, info: FollowInfo, synced_at_ms: int, name: str = ""
    ) -> bool: ...

    def set_follow_status(
        self, corp_id: str, external_userid: str, userid: str, status: FollowStatus, version: int,
        extra: dict[str, Any],
    ) -> bool: ...  # fmt: skip

    def add_timeline(
        self, corp_id: str, subject: str, create_time: int, event_id: str, entry: dict[str, Any]
    ) -> None: ...

    def save_tag_groups(self, corp_id: str, groups: Sequence[TagGroup], synced_at_ms: int) -> None: ...

    def delete_tag(self, corp_id: str, tag_id: str, is_group: bool, version: int) -> bool: ...

    def save_group(self, corp_id: str, group: GroupChat, synced_at_ms: int) -> None: ...

    def set_group_status(self, corp_id: str, chat_id: str, status: GroupStatus, version: int) -> bool: ...

    def save_employee(self, corp_id: str, employee: Employee, synced_at_ms: int) -> None: ...

    def set_employee_status(
        self, corp_id: str, userid: str, status: EmployeeStatus, version: int, renamed_to: str = ""
    ) -> bool: ...


class WeCom(Protocol):
    """The WeCom reads the consumers make, for one corp. ``None`` means WeCom says it does not exist."""

    def get_customer(self, external_userid: str) -> tuple[CustomerProfile, list[FollowInfo]] | None: ...

    def get_tag_groups(
        self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()
    ) -> list[TagGroup]: ...

    def get_group_chat(self, chat_id: str) -> GroupChat | None: ...

    def get_user(self, userid: str) -> Employee | None: ...


class WeComDirectory(Protocol):
    def for_corp(self, corp_id: str) -> WeCom: ...


class CustomerReads(Protocol):
    """Read views the admin service shows (plain dicts)."""

    def customer_view(self, corp_id: str, external_userid: str, timeline_limit: int = 20) -> dict[str, Any] | None: ...

    def follow(self, corp_id: str, external_userid: str, userid: str) -> dict[str, Any] | None: ...

    def tag_library(self, corp_id: str) -> list[dict[str, Any]]: ...

    def employees_page(self, corp_id: str, after: str = "", limit: int = 100) -> tuple[list[dict[str, Any]], str]: ...


class CustomerSearch(Protocol):
    def search(self, corp_id: str, q: Any) -> tuple[list[dict[str, Any]], str]: ...


class AdminWeCom(Protocol):
    """The WeCom calls behind admin edits, for one corp; failures raise WeComError."""

    def get_customer(self, external_userid: str) -> tuple[CustomerProfile, list[FollowInfo]] | None: ...

    def get_tag_groups(self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()) -> list[TagGroup]: ...

    def remark(self, userid: str, external_userid: str, fields: dict[str, Any]) -> None: ...

    def mark_tag(self, userid: str, external_userid: str, add: Sequence[str], remove: Sequence[str]) -> None: ...

    def add_corp_tags(
        self, names: Sequence[str], group_id: str = "", group_name: str = "", order: int | None = None
    ) -> TagGroup: ...

    def edit_corp_tag(self, tag_or_group_id: str, name: str | None = None, order: int | None = None) -> None: ...

    def del_corp_tags(self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()) -> None: ...



class Directory(Protocol):
    """What the admin checks input against: the corp's synced employees, tags and groups."""

    def known_employees(self, corp_id: str, userids: Sequence[str]) -> set[str]: ...

    def departed_employees(self, corp_id: str) -> list[str]: ...

    def known_tags(self, corp_id: str) -> set[str]: ...

    def known_groups(self, corp_id: str, chat_ids: Sequence[str]) -> set[str]: ...


class GroupPages(Protocol):
    """The corp's customer groups a page at a time, for the console's list: in (owner, creation time) order,
    since the store indexes groups by owner only (no scan of the table). A page ends after ``limit`` rows;
    ``after`` is the (owner, creation key) of the last row of the page before, and the second value returned
    is that of this page's last row when more follow (None at the end)."""

    def groups_page(
        self, corp_id: str, after: tuple[str, str] | None, limit: int, owner: str = "", name: str = ""
    ) -> tuple[list[dict[str, Any]], tuple[str, str] | None]: ...

    def groups_of(self, corp_id: str, chat_ids: Sequence[str]) -> list[dict[str, Any]]: ...


class EventObserver(Protocol):
    """Something that acts on an event after the store applied it (statistics, churn alerts, transfer
    states). Called once per event key, but again if any later step failed: it must be idempotent."""

    def observe(self, event: WeComEvent, event_id: str) -> list[str]: ...
