"""Read views over the store for the CLI, the demo and tests (plain dicts, ready to print as JSON)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from scrm.adapters.dynamo.models import (
    CustomerItem,
    EmployeeItem,
    FollowItem,
    GroupItem,
    GroupMemberItem,
    TagItem,
    TimelineItem,
)


def _plain(item: Any, drop: tuple[str, ...] = ("pk", "sk")) -> dict[str, Any]:
    data = {k: v for k, v in item.attribute_values.items() if v is not None}
    for key in drop:
        data.pop(key, None)
    for key, value in list(data.items()):
        if isinstance(value, set):
            data[key] = sorted(value)
        elif hasattr(value, "as_dict"):
            data[key] = value.as_dict()
        elif isinstance(value, list):
            data[key] = [v.as_dict() if hasattr(v, "as_dict") else v for v in value]
    return data


def customer(corp_id: str, external_userid: str) -> dict[str, Any] | None:
    try:
        return _plain(CustomerItem.get(f"{corp_id}#{external_userid}"))
    except DoesNotExist:
        return None


def _follow(item: FollowItem) -> dict[str, Any]:
    """Ids come from the keys: a relation known only from a status event has no copies of them."""
    corp_id, external_userid = item.pk.split("#", 1)
    return {"corp_id": corp_id, "external_userid": external_userid, "userid": item.sk, **_plain(item)}


def follows(corp_id: str, external_userid: str) -> list[dict[str, Any]]:
    return [_follow(i) for i in FollowItem.query(f"{corp_id}#{external_userid}", consistent_read=True)]


def follow(corp_id: str, external_userid: str, userid: str) -> dict[str, Any] | None:
    try:
        return _follow(FollowItem.get(f"{corp_id}#{external_userid}", userid, consistent_read=True))
    except DoesNotExist:
        return None


def timeline(corp_id: str, subject: str, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first."""
    return [
        _plain(i, drop=("pk",))
        for i in TimelineItem.query(f"{corp_id}#{subject}", scan_index_forward=False, limit=limit)
    ]


def tags(corp_id: str) -> list[dict[str, Any]]:
    return [
        {"kind": i.sk.split("#", 1)[0], "id": i.sk.split("#", 1)[1], **_plain(i)}
        for i in TagItem.query(corp_id, consistent_read=True)
    ]


def groups_with(corp_id: str, member_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The groups ``member_id`` (a customer or a member) is in now, at most ``limit``, by chat id: one Query
    of group_members' sparse by_member index and one BatchGetItem of the groups (name, owner, size, labels)."""
    chat_ids = [m.chat_id for m in GroupMemberItem.by_member.query(f"{corp_id}#{member_id}", limit=limit)][:limit]
    if not chat_ids:
        return []
    found = {
        str(i.chat_id): {"chat_id": i.chat_id, "name": i.name or "", "owner": i.owner or "",
                         "member_count": int(i.member_count or 0), "tags": sorted(i.tags or ())}  # fmt: skip
        for i in GroupItem.batch_get([f"{corp_id}#{c}" for c in chat_ids])
    }
    return [found[c] for c in chat_ids if c in found]


def group(corp_id: str, chat_id: str, members: bool = True) -> dict[str, Any] | None:
    """The group with its labels (``tags``, sorted) and, unless ``members`` is False, every member (those
    who left too), by member_id."""
    try:
        data = _plain(GroupItem.get(f"{corp_id}#{chat_id}", consistent_read=True), drop=("pk",))
    except DoesNotExist:
        return None
    if not members:
        return data
    data["members"] = [
        {"member_id": m.sk, **_plain(m)}
        for m in GroupMemberItem.query(f"{corp_id}#{chat_id}", consistent_read=True)
    ]
    return data


def employee(corp_id: str, userid: str) -> dict[str, Any] | None:
    try:
        return _plain(EmployeeItem.get(corp_id, userid, consistent_read=True))
    except DoesNotExist:
        return None


def customer_view(corp_id: str, external_userid: str, timeline_limit: int = 20) -> dict[str, Any] | None:
    profile = customer(corp_id, external_userid)
    relations = follows(corp_id, external_userid)
    if profile is None and not relations:
        return None
    return {
        "profile": profile,
        "follows": relations,
        "timeline": timeline(corp_id, f"customer:{external_userid}", timeline_limit),
    }


def employees_page(corp_id: str, after: str = "", limit: int = 100) -> tuple[list[dict[str, Any]], str]:
    """Employees by userid; ``after`` is the last userid of the previous page."""
    condition = EmployeeItem.sk > after if after else None
    rows = [
        {"userid": i.sk, **_plain(i, drop=("pk", "sk", "corp_id", "status_version", "synced_at_ms"))}
        for i in EmployeeItem.query(corp_id, condition, limit=limit + 1)
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["userid"] if more and rows else "")


def tag_library(corp_id: str) -> list[dict[str, Any]]:
    """Live groups with their live tags, in WeCom's order (group order, then tag order; larger first)."""
    groups: dict[str, dict[str, Any]] = {}
    tags: list[TagItem] = []
    for i in TagItem.query(corp_id, consistent_read=True):
        if i.deleted:
            continue
        if i.kind == "group":
            groups[i.id] = {"group_id": i.id, "name": i.name or "", "order": int(i.order or 0),
                            "create_time": int(i.create_time or 0), "tags": []}  # fmt: skip
        else:
            tags.append(i)
    for t in tags:
        g = groups.get(t.group_id or "")
        if g is not None:
            g["tags"].append({"tag_id": t.id, "name": t.name or "", "order": int(t.order or 0),
                              "create_time": int(t.create_time or 0)})  # fmt: skip
    out = sorted(groups.values(), key=lambda g: (-g["order"], g["create_time"], g["group_id"]))
    for g in out:
        g["tags"].sort(key=lambda t: (-t["order"], t["create_time"], t["tag_id"]))
    return out


def relation_row(item: FollowItem) -> dict[str, Any]:
    """A search row: ids come from the keys (an event-only relation has no copies of them)."""
    ext = item.pk.split("#", 1)[1]
    return {
        "external_userid": ext,
        "userid": item.sk,
        "name": item.name or "",
        "remark": item.remark or "",
        "description": item.description or "",
        "add_time": int(item.add_time or 0),
        "add_way": int(item.add_way or 0),
        "state": item.state or "",
        "status": item.status or "active",
        "tag_ids": sorted(item.tag_ids or ()),
    }
