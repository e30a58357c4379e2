"""What admin input is checked against: the corp's synced employees, tag library and groups."""

from __future__ import annotations

from collections.abc import Sequence

from scrm.adapters.dynamo.models import EmployeeItem, GroupItem, TagItem


class DynamoDirectory:
    def known_employees(self, corp_id: str, userids: Sequence[str]) -> set[str]:
        keys = [(corp_id, u) for u in dict.fromkeys(userids)]
        return {i.sk for i in EmployeeItem.batch_get(keys) if (i.status or "active") == "active"} if keys else set()

    def departed_employees(self, corp_id: str) -> list[str]:
        """Members WeCom's delete_user (or a sync) marked as gone: an admin read of one partition."""
        return sorted(i.sk for i in EmployeeItem.query(corp_id, filter_condition=EmployeeItem.status == "deleted"))

    def known_tags(self, corp_id: str) -> set[str]:
        return {i.id for i in TagItem.query(corp_id, TagItem.sk.startswith("tag#")) if not i.deleted}

    def known_groups(self, corp_id: str, chat_ids: Sequence[str]) -> set[str]:
        keys = [f"{corp_id}#{c}" for c in dict.fromkeys(chat_ids)]
        return {i.pk.split("#", 1)[1] for i in GroupItem.batch_get(keys) if (i.status or "active") != "dismissed"} if keys else set()

    def departments(self, corp_id: str) -> dict[str, frozenset[int]]:
        """Every synced member's departments (SOP targets by department are checked at the due moment)."""
        items = EmployeeItem.query(corp_id, attributes_to_get=["pk", "sk", "departments"])
        return {str(i.sk): frozenset(int(d) for d in i.departments or ()) for i in items}
