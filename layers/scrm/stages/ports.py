"""What the stages and notes service needs from the outside world: its DynamoDB tables, the customers we
hold, the customer's timeline, and the customers feature's tag service (WeCom's mark_tag, first). Unit
tests fake them (tests/unit/stage_fakes.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from scrm.stages.model import Move


class StageRepo(Protocol):
    def config(self, corp_id: str) -> tuple[dict[str, Any] | None, int]: ...

    def save_config(self, corp_id: str, data: dict[str, Any], version: int, merges: Mapping[str, str],
                    counts: Mapping[str, int]) -> bool: ...  # fmt: skip

    def record(self, corp_id: str, external_userid: str) -> dict[str, Any] | None: ...

    def config_and_record(
        self, corp_id: str, external_userid: str
    ) -> tuple[tuple[dict[str, Any] | None, int], dict[str, Any] | None]:
        """``config`` and ``record`` read together (one round trip)."""
        ...

    def move(self, corp_id: str, move: Move) -> bool: ...

    def counts(self, corp_id: str) -> dict[str, int]: ...

    def moves(self, corp_id: str, first_day: str, last_day: str) -> list[dict[str, Any]]: ...


class NoteRepo(Protocol):
    def add(self, corp_id: str, note: dict[str, Any]) -> tuple[dict[str, Any], bool]: ...

    def of_customer(self, corp_id: str, external_userid: str, after: str, limit: int) -> list[dict[str, Any]]: ...

    def newest(self, corp_id: str, userid: str, after: Mapping[str, str] | None, limit: int) -> list[dict[str, Any]]: ...


class Customers(Protocol):
    """The store's read views of a customer (plain dicts; None / [] when we hold none)."""

    def customer(self, corp_id: str, external_userid: str) -> dict[str, Any] | None: ...

    def follows(self, corp_id: str, external_userid: str) -> list[dict[str, Any]]: ...


class Timeline(Protocol):
    def add_timeline(
        self, corp_id: str, subject: str, create_time: int, event_id: str, entry: dict[str, Any]
    ) -> None: ...


class Tagging(Protocol):
    """The customers feature's tag service (scrm.customers.service.CustomerAdmin): WeCom first, then stored."""

    def tags(self, corp_id: str) -> dict[str, Any]: ...

    def edit_tags(
        self, corp_id: str, external_userid: str, userid: str, add: Sequence[str], remove: Sequence[str]
    ) -> dict[str, Any]: ...

    def create_tags(
        self, corp_id: str, names: Sequence[str], group_id: str = "", group_name: str = "", order: int | None = None
    ) -> dict[str, Any]: ...

    def edit_tag(
        self, corp_id: str, tag_or_group_id: str, name: str | None = None, order: int | None = None
    ) -> dict[str, Any]: ...
