"""The portrait's reads on DynamoDB: the Queries that need only the ids (relations, timeline, the customer's
groups by the group members' index), then ONE BatchGetItem across tables for every key those name (the
profile, the tags', codes' and members' names, the groups), never one read per relation or per purpose.

The names by key read only the attributes the portrait shows (a projection)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pynamodb.models import Model

from scrm.adapters.dynamo import reads
from scrm.adapters.dynamo.models import (
    CustomerItem,
    EmployeeItem,
    GroupItem,
    GroupMemberItem,
    LiveCodeItem,
    TagItem,
)
from scrm.sidebar.portrait import POOL, Keys, Named

BATCH = 100  # keys per BatchGetItem (DynamoDB's cap)
TRIES = 1000  # a throttled table: keys left unprocessed are asked again, backing off
TAG_NAME_ATTRIBUTES = ["id", "name", "deleted"]
CODE_NAME_ATTRIBUTES = ["sk", "status", "data"]
MEMBER_NAME_ATTRIBUTES = ["sk", "name"]
GROUP_ATTRIBUTES = ["chat_id", "name", "owner", "member_count", "tags"]
_PURPOSES = ("profile", "tags", "codes", "members", "groups")


class DynamoPortraitReads:
    def relations(self, corp_id: str, external_userid: str) -> list[dict[str, Any]]:
        return reads.follows(corp_id, external_userid)

    def timeline(self, corp_id: str, external_userid: str, limit: int) -> list[dict[str, Any]]:
        """Newest first."""
        return reads.timeline(corp_id, f"customer:{external_userid}", limit)

    def group_ids_with(self, corp_id: str, member_id: str, limit: int) -> list[str]:
        """The groups a customer or member is in now, by chat id: one Query of group_members' sparse
        by_member index."""
        return [m.chat_id for m in GroupMemberItem.by_member.query(f"{corp_id}#{member_id}", limit=limit)][:limit]

    def by_keys(self, corp_id: str, keys: Keys) -> Named:
        """Everything ``keys`` names in one BatchGetItem across the tables (one per 100 keys): the profile, the
        tags' names (a tag WeCom deleted is left out), the active codes' names by state, the members' names,
        the groups (name, owner, size, labels). Keys DynamoDB left unprocessed are asked again."""
        wanted: list[tuple[str, type[Model], dict[str, Any], Sequence[str] | None]] = []
        if keys.profile:
            wanted.append(("profile", CustomerItem, {"pk": {"S": f"{corp_id}#{keys.profile}"}}, None))
        wanted += [("tags", TagItem, {"pk": {"S": corp_id}, "sk": {"S": f"tag#{t}"}}, TAG_NAME_ATTRIBUTES)
                   for t in keys.tag_ids]  # fmt: skip
        wanted += [("codes", LiveCodeItem, {"pk": {"S": corp_id}, "sk": {"S": f"c#{s}"}}, CODE_NAME_ATTRIBUTES)
                   for s in keys.states]  # fmt: skip
        wanted += [("members", EmployeeItem, {"pk": {"S": corp_id}, "sk": {"S": u}}, MEMBER_NAME_ATTRIBUTES)
                   for u in keys.userids]  # fmt: skip
        wanted += [("groups", GroupItem, {"pk": {"S": f"{corp_id}#{c}"}}, GROUP_ATTRIBUTES) for c in keys.chat_ids]
        found: dict[str, dict[str, Any]] = {p: {} for p in _PURPOSES}
        for start in range(0, len(wanted), BATCH):
            for purpose, item in _batch_get(wanted[start : start + BATCH]):
                _take(found, purpose, item)
        return Named(
            profile=found["profile"].get("profile"),
            tags=found["tags"],
            codes=found["codes"],
            members=found["members"],
            groups=[found["groups"][c] for c in keys.chat_ids if c in found["groups"]],
        )

    def member_names(self, corp_id: str, userids: Sequence[str]) -> dict[str, str]:
        return dict(self.by_keys(corp_id, Keys(userids=tuple(userids))).members)

    def group(self, corp_id: str, chat_id: str) -> dict[str, Any] | None:
        """reads.group with the group's item and its members read at once (the members on the portraits'
        pool, the item here)."""
        members_f = POOL.submit(_members, corp_id, chat_id)
        try:
            group = reads.group(corp_id, chat_id, members=False)
        finally:
            members = members_f.result()
        return None if group is None else {**group, "members": members}


def _batch_get(
    wanted: Sequence[tuple[str, type[Model], dict[str, Any], Sequence[str] | None]],
) -> list[tuple[str, Model]]:
    """One BatchGetItem of at most 100 keys over any tables (pynamodb's batch_get reads one table): the
    items found, each with the purpose its table was asked for (one purpose a table)."""
    from pynamodb.expressions.projection import create_projection_expression

    request: dict[str, dict[str, Any]] = {}
    of_table: dict[str, tuple[str, type[Model]]] = {}
    for purpose, model, key, attributes in wanted:
        table_name = model.Meta.table_name
        of_table[table_name] = (purpose, model)
        entry = request.setdefault(table_name, {"Keys": []})
        if attributes is not None and "ProjectionExpression" not in entry:
            names: dict[str, str] = {}
            entry["ProjectionExpression"] = create_projection_expression(list(attributes), names)
            entry["ExpressionAttributeNames"] = {v: k for k, v in names.items()}
        entry["Keys"].append(key)
    connection = next(iter(of_table.values()))[1]._get_connection().connection
    out: list[tuple[str, Model]] = []
    for tries in range(TRIES):
        if not request:
            return out
        time.sleep(min(0.05 * tries, 1.0))  # nothing the first time; a throttled table: back off
        page = connection.dispatch("BatchGetItem", {"RequestItems": request})
        for table_name, items in page.get("Responses", {}).items():
            purpose, model = of_table[table_name]
            out += [(purpose, model.from_raw_data(raw)) for raw in items]
        request = page.get("UnprocessedKeys") or {}
    raise RuntimeError(f"keys of {sorted(request)} stayed unprocessed")


def _take(found: dict[str, dict[str, Any]], purpose: str, item: Any) -> None:
    if purpose == "profile":
        found["profile"]["profile"] = reads._plain(item)
    elif purpose == "tags":
        if not item.deleted:
            found["tags"][item.id] = item.name or ""
    elif purpose == "codes":
        if (item.status or "active") == "active":
            found["codes"][item.sk[2:]] = str((item.data or {}).get("name") or "")
    elif purpose == "members":
        found["members"][item.sk] = item.name or ""
    else:
        found["groups"][str(item.chat_id)] = {"chat_id": item.chat_id, "name": item.name or "", "owner": item.owner or "",
                                              "member_count": int(item.member_count or 0), "tags": sorted(item.tags or ())}  # fmt: skip


def _members(corp_id: str, chat_id: str) -> list[dict[str, Any]]:
    """Every member of the group (those who left too), by member_id: reads.group's second read."""
    return [
        {"member_id": m.sk, **reads._plain(m)}
        for m in GroupMemberItem.query(f"{corp_id}#{chat_id}", consistent_read=True)
    ]
