"""The portrait's reads on DynamoDB: the customer view and group of the admin API's reads, the tag library,
and BatchGetItems for codes' and members' names (never one read per relation).

The customer view's three reads (profile, relations, timeline) are independent and run at once, as do a
group's two (its item, its members); the tag
names and the names by key read only the attributes the portrait shows (a projection: the tag library is
every tag of the corp, up to 3,000 items, read on each portrait)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrm.adapters.dynamo import reads
from scrm.adapters.dynamo.models import EmployeeItem, GroupMemberItem, LiveCodeItem, TagItem

BATCH = 100  # keys per BatchGetItem
TAG_NAME_ATTRIBUTES = ["id", "name", "deleted"]


class DynamoPortraitReads:
    def customer_view(self, corp_id: str, external_userid: str, timeline_limit: int) -> dict[str, Any] | None:
        """reads.customer_view with its three reads at once (the timeline is read also for an id we do not
        hold: one read wasted on a 404, instead of a round trip more on every portrait)."""
        with ThreadPoolExecutor(3) as pool:
            profile_f = pool.submit(reads.customer, corp_id, external_userid)
            relations_f = pool.submit(reads.follows, corp_id, external_userid)
            timeline_f = pool.submit(reads.timeline, corp_id, f"customer:{external_userid}", timeline_limit)
            profile, relations, timeline = profile_f.result(), relations_f.result(), timeline_f.result()
        if profile is None and not relations:
            return None
        return {"profile": profile, "follows": relations, "timeline": timeline}

    def tag_names(self, corp_id: str, tag_ids: Sequence[str]) -> dict[str, str]:
        """One BatchGetItem of the relation's tags (about ten items), not a Query of the corp's library (up to
        3,000): a tag WeCom deleted is left out; a tag whose group was deleted keeps its name until the
        event marks it (WeCom deletes a group's tags with it)."""
        found: dict[str, str] = {}
        for start in range(0, len(tag_ids), BATCH):
            keys = [(corp_id, f"tag#{t}") for t in tag_ids[start : start + BATCH]]
            for i in TagItem.batch_get(keys, attributes_to_get=TAG_NAME_ATTRIBUTES):
                if not i.deleted:
                    found[i.id] = i.name or ""
        return found

    def code_names(self, corp_id: str, states: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(states), BATCH):
            keys = [(corp_id, f"c#{s}") for s in states[start : start + BATCH]]
            for i in LiveCodeItem.batch_get(keys, attributes_to_get=["sk", "status", "data"]):
                if (i.status or "active") == "active":
                    found[i.sk[2:]] = str((i.data or {}).get("name") or "")
        return found

    def member_names(self, corp_id: str, userids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(userids), BATCH):
            keys = [(corp_id, u) for u in userids[start : start + BATCH]]
            for i in EmployeeItem.batch_get(keys, attributes_to_get=["sk", "name"]):
                found[i.sk] = i.name or ""
        return found

    def groups_with(self, corp_id: str, member_id: str, limit: int) -> list[dict[str, Any]]:
        return reads.groups_with(corp_id, member_id, limit)

    def relations(self, corp_id: str, external_userid: str) -> list[dict[str, Any]]:
        return reads.follows(corp_id, external_userid)

    def group(self, corp_id: str, chat_id: str) -> dict[str, Any] | None:
        """reads.group with the group's item and its members read at once."""
        with ThreadPoolExecutor(2) as pool:
            group_f = pool.submit(reads.group, corp_id, chat_id, members=False)
            members_f = pool.submit(_members, corp_id, chat_id)
            group, members = group_f.result(), members_f.result()
        return None if group is None else {**group, "members": members}


def _members(corp_id: str, chat_id: str) -> list[dict[str, Any]]:
    """Every member of the group (those who left too), by member_id: reads.group's second read."""
    return [
        {"member_id": m.sk, **reads._plain(m)}
        for m in GroupMemberItem.query(f"{corp_id}#{chat_id}", consistent_read=True)
    ]
