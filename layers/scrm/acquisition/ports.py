"""What the acquisition statistics need from their store; the DynamoDB repository implements it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class ChannelStatsRepo(Protocol):
    def record_add(
        self, corp_id: str, state: str, external_userid: str, userid: str, added_at: int, day: str
    ) -> bool: ...

    def record_loss(self, corp_id: str, external_userid: str, userid: str, by: str, at: int) -> bool: ...

    def record_missed_welcome(
        self, corp_id: str, state: str, external_userid: str, userid: str, day: str, marker: str
    ) -> bool: ...

    def record_welcomed(self, markers: Sequence[tuple[str, str, str]]) -> None:
        """(corp_id, external_userid, marker) of each welcome WeCom took, in one batch write."""
        ...

    def welcomed(self, corp_id: str, external_userid: str, marker: str) -> bool: ...

    def adds_on(self, corp_id: str, state: str, day: str) -> dict[str, int]: ...

    def rows(self, corp_id: str, state: str, first_day: str, last_day: str) -> list[dict[str, Any]]: ...
