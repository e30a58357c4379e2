"""Control endpoints for the corp tag library (admin-console edits) → change_external_tag.

Event granularity chosen by the sandbox (WeCom does not document it precisely):
  * create into a new group: one tag_group event for the group, then one tag event per tag, all
    with the same CreateTime (this exercises same-second de-duplication in the app);
  * create into an existing group: one tag event per new tag;
  * deleting a group: one tag_group event (its tags vanish with it, no per-tag events);
  * deleting the last tag of a group: the tag event, then a tag_group delete event;
  * shuffle: one event with Id = the group id, or "" when the groups themselves were reordered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import events
from ..api.errors import ApiError
from ..api.tags import check_name, check_order, create_tags
from ..world import Tag
from .common import ControlError, EmitOptions, Request, corp_or_404, emit, field_value, str_list

if TYPE_CHECKING:
    from ..app import Sandbox


def _api_to_control(err: ApiError) -> ControlError:
    return ControlError(
        400, f"WeCom would answer errcode {err.errcode}" + (f": {err.detail}" if err.detail else "")
    )


def create(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    group_id = field_value(body, "group_id", str)
    group_name = field_value(body, "group_name", str)
    if not group_id and not group_name:
        raise ControlError(400, "missing field 'group_name' (or 'group_id' of an existing group)")
    names = str_list(body, "tags", required=True)
    group_order = field_value(body, "group_order", int, default=0)
    strategy_id = field_value(body, "strategy_id", int)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        now = opts.time(app)
        try:
            group, is_new, created = create_tags(
                corp,
                now,
                group_id=group_id,
                group_name=group_name,
                group_order=group_order,
                tags=[(n, i) for i, n in enumerate(names)],
            )
        except ApiError as err:
            raise _api_to_control(err) from None
        evts = []
        if is_new:
            evts.append(
                events.external_tag(corp.corp_id, now, "create", group.group_id, "tag_group", strategy_id)
            )
        evts += [events.external_tag(corp.corp_id, now, "create", t.id, "tag", strategy_id) for t in created]
    return {"group_id": group.group_id, "tag_ids": [t.id for t in created], **emit(app, corp, evts, opts)}


def update(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    some_id = field_value(body, "id", str, required=True)
    name = field_value(body, "name", str)
    order = field_value(body, "order", int)
    strategy_id = field_value(body, "strategy_id", int)
    if name is None and order is None:
        raise ControlError(400, "give at least one of fields 'name', 'order'")
    try:
        name = check_name(name) if name is not None else None
        order = check_order(order) if order is not None else None
    except ApiError as err:
        raise _api_to_control(err) from None
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        target = corp.tag_or_group(some_id)
        if target is None:
            raise ControlError(404, f"unknown tag or tag group '{some_id}'")
        is_tag = isinstance(target, Tag)
        if name is not None:
            if isinstance(target, Tag):
                target.name = name
            else:
                target.group_name = name
        if order is not None:
            target.order = order
        evt = events.external_tag(
            corp.corp_id, opts.time(app), "update", some_id, "tag" if is_tag else "tag_group", strategy_id
        )
    return emit(app, corp, [evt], opts)


def delete(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    some_id = field_value(body, "id", str, required=True)
    strategy_id = field_value(body, "strategy_id", int)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        now = opts.time(app)
        evts = []
        if some_id in corp.tags:
            tag = corp.remove_tag(some_id)
            assert tag is not None
            evts.append(events.external_tag(corp.corp_id, now, "delete", some_id, "tag", strategy_id))
            group = corp.tag_groups.get(tag.group_id)
            if group is not None and not group.tags:
                corp.remove_tag_group(group.group_id)
                evts.append(
                    events.external_tag(corp.corp_id, now, "delete", group.group_id, "tag_group", strategy_id)
                )
        elif some_id in corp.tag_groups:
            corp.remove_tag_group(some_id)
            evts.append(events.external_tag(corp.corp_id, now, "delete", some_id, "tag_group", strategy_id))
        else:
            raise ControlError(404, f"unknown tag or tag group '{some_id}'")
    return emit(app, corp, evts, opts)


def shuffle(app: Sandbox, req: Request) -> dict[str, Any]:
    """Reorder tags of one group (group_id) or the groups themselves; `orders` {id: order} sets exact values."""
    body = req.body
    opts = EmitOptions.parse(body)
    group_id = field_value(body, "group_id", str, default="")
    strategy_id = field_value(body, "strategy_id", int)
    orders = field_value(body, "orders", dict, default={})
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        if group_id:
            group = corp.tag_groups.get(group_id)
            if group is None:
                raise ControlError(404, f"unknown tag group '{group_id}'")
            items: dict[str, Any] = dict(group.tags)
        else:
            items = dict(corp.tag_groups)
        for key, value in orders.items():
            if key not in items:
                raise ControlError(400, f"field 'orders': '{key}' is not in the reordered set")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ControlError(400, f"field 'orders': order of '{key}' must be a non-negative integer")
        if orders:
            for key, value in orders.items():
                items[key].order = value
        else:
            values = [item.order for item in items.values()] or []
            if len(set(values)) < len(values) or len(values) < 2:
                values = list(range(len(values)))
            corp.rng.shuffle(values)
            for item, value in zip(items.values(), values, strict=True):
                item.order = value
        evt = events.external_tag(corp.corp_id, opts.time(app), "shuffle", group_id, None, strategy_id)
    return emit(app, corp, [evt], opts)
