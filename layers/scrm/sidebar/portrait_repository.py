"""The portrait's reads on DynamoDB: the customer view and group of the admin API's reads, the tag library,
and BatchGetItems for codes' and members' names (never one read per relation)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrm.adapters.dynamo import reads
from scrm.adapters.dynamo.models import EmployeeItem, LiveCodeItem

BATCH = 100  # keys per BatchGetItem


class DynamoPortraitReads:
    def customer_view(self, corp_id: str, external_userid: str, timeline_limit: int) -> dict[str, Any] | None:
        return reads.customer_view(corp_id, external_userid, timeline_limit)

    def tag_names(self, corp_id: str) -> dict[str, str]:
        return {t["tag_id"]: t["name"] for g in reads.tag_library(corp_id) for t in g["tags"]}

    def code_names(self, corp_id: str, states: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(states), BATCH):
            for i in LiveCodeItem.batch_get([(corp_id, f"c#{s}") for s in states[start:start + BATCH]]):
                if (i.status or "active") == "active":
                    found[i.sk[2:]] = str((i.data or {}).get("name") or "")
        return found

    def member_names(self, corp_id: str, userids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(userids), BATCH):
            for i in EmployeeItem.batch_get([(corp_id, u) for u in userids[start:start + BATCH]]):
                found[i.sk] = i.name or ""
        return found

    def groups_with(self, corp_id: str, member_id: str, limit: int) -> list[dict[str, Any]]:
        return reads.groups_with(corp_id, member_id, limit)

    def relations(self, corp_id: str, external_userid: str) -> list[dict[str, Any]]:
        return reads.follows(corp_id, external_userid)

    def group(self, corp_id: str, chat_id: str) -> dict[str, Any] | None:
        return reads.group(corp_id, chat_id)
