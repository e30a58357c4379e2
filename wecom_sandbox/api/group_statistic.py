"""externalcontact/groupchat/statistic and statistic_group_by_day (92133): 「群聊数据统计」.

Both take day_begin_time, day_end_time (default: the begin day) rounded down to 00:00 UTC+8,
from yesterday back to 180 days, at most 30 days, and owner_filter.userid_list (at most 100;
omitted = every member, refused with 81017 above 1000 members as WeCom does).  statistic answers
one item per owner (new figures summed over the days, totals as of the last day) sorted by
order_by / order_asc and paged by offset / limit with total and next_offset; owners without any
group in the range are not listed.  statistic_group_by_day answers one item per day with the
figures summed over the owners, unpaged.  The figures come from group_history.py.
"""

from __future__ import annotations

from typing import Any

from ..days import DAY_S, day_start, days
from ..group_history import day_figures, owner_figures
from .errors import ApiError
from .registry import ApiContext, route
from .stat_range import checked_days, required_time

MAX_OWNERS = 100
MAX_VISIBLE = 1000
ORDER_FIELDS = {1: "new_chat", 2: "chat_total", 3: "new_member", 4: "member_total"}


def _owners(ctx: ApiContext) -> list[str]:
    raw = ctx.body.get("owner_filter")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ApiError(40058, "owner_filter must be an object")
    userids = raw.get("userid_list") or []
    if not isinstance(userids, list) or not all(isinstance(u, str) for u in userids):
        raise ApiError(40058, "owner_filter.userid_list must be an array of strings")
    if len(userids) > MAX_OWNERS:
        raise ApiError(40058, f"owner_filter.userid_list holds at most {MAX_OWNERS} userids")
    if userids:
        return list(dict.fromkeys(userids))
    if len(ctx.corp.employees) > MAX_VISIBLE:
        raise ApiError(81017, f"more than {MAX_VISIBLE} visible members: give owner_filter.userid_list")
    return list(ctx.corp.employees)


def _days(ctx: ApiContext) -> tuple[int, int]:
    first = day_start(required_time(ctx, "day_begin_time"))
    end = ctx.body_int("day_end_time")
    last = first if end is None else day_start(end)
    yesterday = day_start(ctx.app.world.now()) - DAY_S
    return checked_days(ctx, first, last, latest=yesterday)


def _int_in(ctx: ApiContext, name: str, default: int, low: int, high: int) -> int:
    value = ctx.body_int(name, default)
    assert value is not None
    if not low <= value <= high:
        raise ApiError(40058, f"{name} must be in [{low}, {high}]")
    return value


@route("POST", "externalcontact/groupchat/statistic")
def groupchat_statistic(ctx: ApiContext) -> dict[str, Any]:
    owners = _owners(ctx)
    first, last = _days(ctx)
    order_by = _int_in(ctx, "order_by", 1, 1, 4)
    ascending = _int_in(ctx, "order_asc", 0, 0, 1) == 1
    offset = _int_in(ctx, "offset", 0, 0, 10**9)
    limit = _int_in(ctx, "limit", 500, 1, 1000)
    per_day = ctx.corp.group_history.replay(first, last)
    figures = owner_figures(per_day, owners, last)
    key = ORDER_FIELDS[order_by]
    ranked = sorted(figures.items(), key=lambda item: item[0])
    ranked.sort(key=lambda item: getattr(item[1], key), reverse=not ascending)
    page = ranked[offset : offset + limit]
    return {
        "total": len(ranked),
        "next_offset": min(offset + limit, len(ranked)),
        "items": [{"owner": owner, "data": fig.to_api()} for owner, fig in page],
    }


@route("POST", "externalcontact/groupchat/statistic_group_by_day")
def groupchat_statistic_by_day(ctx: ApiContext) -> dict[str, Any]:
    owners = set(_owners(ctx))
    first, last = _days(ctx)
    per_day = ctx.corp.group_history.replay(first, last)
    return {"items": [day_figures(per_day, owners, day) for day in days(first, last)]}
