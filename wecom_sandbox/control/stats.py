"""Control endpoints behind the statistics APIs: what happened on one day, and chat activity.

GET /stats/day reads the same history get_user_behavior_data and groupchat/statistic answer from,
plus what those APIs leave out (customers a member deleted or handed over, group quits and
dismissals), so a test can compare an app's own counts with WeCom's without replaying the world.
POST /stats/activity declares a member's single-chat activity for a day (the sandbox simulates no
chats, so chat_cnt and friends are 0 otherwise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..contact_history import Activity
from ..days import day_start
from .common import ControlError, Request, corp_or_404, field_value

if TYPE_CHECKING:
    from ..app import Sandbox


def _day(app: Sandbox, req: Request) -> int:
    raw = req.query.get("day")
    if not raw:
        return day_start(app.world.now())
    try:
        return day_start(int(raw))
    except ValueError:
        raise ControlError(400, "query parameter 'day' must be a unix timestamp") from None


def day(app: Sandbox, req: Request) -> dict[str, Any]:
    when = _day(app, req)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        history = corp.contact_history
        contacts = {userid: history.day(userid, d) for userid, d in history.counts if d == when}
        groups = corp.group_history.replay(when, when).get(when, {})
        return {
            "day": when,
            "contacts": dict(sorted(contacts.items())),
            "groups": {owner: fig.to_control() for owner, fig in sorted(groups.items())},
        }


def activity(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    userid = field_value(body, "userid", str, required=True)
    act = Activity(
        chat_cnt=field_value(body, "chat_cnt", int, default=0),
        message_cnt=field_value(body, "message_cnt", int, default=0),
        reply_percentage=float(field_value(body, "reply_percentage", float, default=0.0)),
        avg_reply_time=field_value(body, "avg_reply_time", int, default=0),
    )
    if min(act.chat_cnt, act.message_cnt, act.avg_reply_time) < 0 or not 0 <= act.reply_percentage <= 100:
        raise ControlError(400, "counts must be >= 0 and reply_percentage in [0, 100]")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        if userid not in corp.employees and userid not in corp.departed:
            raise ControlError(404, f"unknown employee '{userid}' in corp '{corp.corp_id}'")
        when = day_start(field_value(body, "time", int, default=app.world.now_int()))
        corp.contact_history.activity[(userid, when)] = act
    return {"userid": userid, "day": when}
