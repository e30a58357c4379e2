"""externalcontact/get_user_behavior_data (92132): 「联系客户统计」 per China day.

One behavior_data entry per day of [start_time, end_time] (rounded down to 00:00 UTC+8, at most
30 days, within the last 180), each summed over the given members (userid[] and the members of
partyid[]), as WeCom aggregates several members into one figure.  Today is answered with what
happened so far; days after today are left out.  The figures come from contact_history.py.
"""

from __future__ import annotations

from typing import Any

from ..days import day_start, days
from .errors import ApiError
from .registry import ApiContext, route
from .stat_range import checked_days, required_time

MAX_IDS = 100


def _members(ctx: ApiContext) -> list[str]:
    corp = ctx.corp
    userids = ctx.body_list("userid")
    partyids = ctx.body_list("partyid")
    if not userids and not partyids:
        raise ApiError(40058, "userid and partyid cannot both be empty")
    if len(userids) > MAX_IDS or len(partyids) > MAX_IDS:
        raise ApiError(40058, f"at most {MAX_IDS} userid and {MAX_IDS} partyid")
    for userid in userids:
        if not isinstance(userid, str):
            raise ApiError(40058, "userid must be an array of strings")
        if userid not in corp.employees and userid not in corp.departed:
            raise ApiError(60111, f"userid {userid}")
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in partyids):
        raise ApiError(40058, "partyid must be an array of integers")
    members = list(dict.fromkeys(userids))
    wanted = set(partyids)
    for employee in corp.employees.values():
        if wanted.intersection(employee.department) and employee.userid not in members:
            members.append(employee.userid)
    return members


@route("POST", "externalcontact/get_user_behavior_data")
def get_user_behavior_data(ctx: ApiContext) -> dict[str, Any]:
    members = _members(ctx)
    today = day_start(ctx.app.world.now())
    first = day_start(required_time(ctx, "start_time"))
    last = min(day_start(required_time(ctx, "end_time")), max(today, first))
    first, last = checked_days(ctx, first, last, latest=today)
    history = ctx.corp.contact_history
    return {"behavior_data": [history.behavior(members, day) for day in days(first, last)]}
