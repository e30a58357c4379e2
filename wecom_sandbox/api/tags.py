"""Corp tag library and mark_tag (92117, 92118).

These are API writes, so — as WeCom documents ("通过API进行的操作不会产生回调") — none of them
sends a callback; the app must update its own state after its own writes.  Shared by the control
API (which does send callbacks) through create_tags().
"""

from __future__ import annotations

from typing import Any

from .. import ids
from ..world import Corp, Tag, TagGroup
from .errors import ApiError
from .registry import ApiContext, route

MAX_NAME = 30
MAX_TAGS = 3000
MAX_ORDER = 2**32


def check_name(name: Any, what: str = "name") -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise ApiError(40058, f"{what} must be 1..{MAX_NAME} characters")
    return name


def check_order(order: Any) -> int:
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order < MAX_ORDER:
        raise ApiError(40058, "order must be an integer in [0, 2^32)")
    return order


def create_tags(
    corp: Corp,
    now: int,
    *,
    group_id: str | None,
    group_name: str | None,
    group_order: int,
    tags: list[tuple[str, int]],
) -> tuple[TagGroup, bool, list[Tag]]:
    """Add tags to an existing group (by id, or by name) or to a new group; returns (group, group_is_new, tags)."""
    if not tags:
        raise ApiError(40058, "tag must hold at least one tag")
    if len(corp.tags) + len(tags) > MAX_TAGS:
        raise ApiError(40126)
    group: TagGroup | None = None
    if group_id:
        group = corp.tag_groups.get(group_id)
        if group is None:
            raise ApiError(40068, f"group_id {group_id}")
    else:
        name = check_name(group_name, "group_name")
        group = next((g for g in corp.tag_groups.values() if g.group_name == name), None)
    names = [check_name(n, "tag name") for n, _ in tags]
    existing = {t.name for t in group.tags.values()} if group else set()
    if len(set(names)) != len(names) or existing & set(names):
        raise ApiError(40071)
    is_new = group is None
    if group is None:
        assert group_name is not None
        group = TagGroup(group_id=_new_id(corp), group_name=group_name, create_time=now, order=group_order)
        corp.tag_groups[group.group_id] = group
    created = []
    for name, order in tags:
        tag = Tag(id=_new_id(corp), name=name, group_id=group.group_id, create_time=now, order=order)
        group.tags[tag.id] = tag
        corp.tags[tag.id] = tag
        created.append(tag)
    return group, is_new, created


def _new_id(corp: Corp) -> str:
    while True:
        new = ids.tag_id(corp.rng)
        if new not in corp.tags and new not in corp.tag_groups:
            return new


def _id_list(ctx: ApiContext, name: str) -> list[str]:
    values = ctx.body_list(name)
    if not all(isinstance(v, str) for v in values):
        raise ApiError(40058, f"{name} must be an array of strings")
    return values


@route("POST", "externalcontact/get_corp_tag_list")
def get_corp_tag_list(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    tag_ids = _id_list(ctx, "tag_id")
    group_ids = _id_list(ctx, "group_id")
    if group_ids:  # WeCom: when both are given, tag_id is ignored
        groups = [corp.tag_groups[g].to_api() for g in group_ids if g in corp.tag_groups]
    elif tag_ids:
        wanted = {t for t in tag_ids if t in corp.tags}
        groups = [g.to_api(wanted) for g in corp.tag_groups.values() if wanted & g.tags.keys()]
    else:
        groups = [g.to_api() for g in corp.tag_groups.values()]
    return {"tag_group": groups}


@route("POST", "externalcontact/add_corp_tag")
def add_corp_tag(ctx: ApiContext) -> dict[str, Any]:
    raw_tags = ctx.body_list("tag")
    pairs: list[tuple[str, int]] = []
    for item in raw_tags:
        if not isinstance(item, dict):
            raise ApiError(40058, "tag items must be objects")
        pairs.append((check_name(item.get("name"), "tag name"), check_order(item.get("order", 0))))
    group_id = ctx.body_str("group_id", required=False) or None
    group_name = ctx.body_str("group_name", required=False) or None
    if not group_id and not group_name:
        raise ApiError(40058, "group_id or group_name is required")
    group, _is_new, created = create_tags(
        ctx.corp,
        ctx.app.world.now_int(),
        group_id=group_id,
        group_name=group_name,
        group_order=check_order(ctx.body.get("order", 0)),
        tags=pairs,
    )
    data = group.to_api({t.id for t in created})
    return {"tag_group": data}


@route("POST", "externalcontact/edit_corp_tag")
def edit_corp_tag(ctx: ApiContext) -> dict[str, Any]:
    some_id = ctx.body_str("id")
    target = ctx.corp.tag_or_group(some_id)
    if target is None:
        raise ApiError(40068, f"id {some_id}")
    if "name" in ctx.body:
        name = check_name(ctx.body["name"])
        if isinstance(target, Tag):
            target.name = name
        else:
            target.group_name = name
    if "order" in ctx.body:
        target.order = check_order(ctx.body["order"])
    return {}


@route("POST", "externalcontact/del_corp_tag")
def del_corp_tag(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    tag_ids = _id_list(ctx, "tag_id")
    group_ids = _id_list(ctx, "group_id")
    if not tag_ids and not group_ids:
        raise ApiError(40058, "tag_id and group_id cannot both be empty")
    unknown = [t for t in tag_ids if t not in corp.tags] + [g for g in group_ids if g not in corp.tag_groups]
    if unknown:
        raise ApiError(40068, f"id {unknown[0]}")
    for group_id in group_ids:
        corp.remove_tag_group(group_id)
    for tag_id in tag_ids:
        tag = corp.remove_tag(tag_id)
        group = corp.tag_groups.get(tag.group_id) if tag else None
        if group is not None and not group.tags:
            corp.remove_tag_group(group.group_id)
    return {}


@route("POST", "externalcontact/mark_tag")
def mark_tag(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    userid = ctx.body_str("userid", 41009)
    ext = ctx.body_str("external_userid")
    add = _id_list(ctx, "add_tag")
    remove = _id_list(ctx, "remove_tag")
    if not add and not remove:
        raise ApiError(40058, "add_tag and remove_tag cannot both be empty")
    if userid not in corp.employees:
        raise ApiError(60111, f"userid {userid}")
    if not ids.is_external_userid(ext):
        raise ApiError(40096, f"external_userid {ext}")
    rel = corp.relation(userid, ext)
    if rel is None:
        raise ApiError(84061)
    unknown = [t for t in add + remove if t not in corp.tags]
    if unknown:
        raise ApiError(40068, f"tagid {unknown[0]}")
    apply_tags(rel.tag_ids, add, remove)
    return {}


def apply_tags(current: list[str], add: list[str], remove: list[str]) -> None:
    """In-place: drop `remove`, then append each of `add` not already present (order kept)."""
    drop = set(remove)
    current[:] = [t for t in current if t not in drop]
    for tag_id in add:
        if tag_id not in current:
            current.append(tag_id)
