"""Customer handover APIs: 在职继承 (transfer_customer / transfer_result, 92125) and 离职继承
(resigned/transfer_customer / resigned/transfer_result / get_unassigned_list, 94081/94082/92124).

Per-customer errcodes of transfer_customer (the call itself answers 0), in the order checked:
  40096 a malformed external_userid, or one the corp does not know (WeCom: "invalid external_userid,
  or the follower is outside the app's scope"; answering it for an unknown but well-formed id is
  the sandbox's reading), 40130 handover member equals taker, 40131 the handover member is not
  the customer's follower (90313; 84061 "no friend relation" is not what WeCom answers here),
  40129 a transfer of the customer is already waiting, 40128 (在职 only: 92125's rule) the customer
  was already transferred twice in the last 90 days, 40099 the taker is marked at the customer
  limit; 0 started (status 2 waiting; completes 24 h of world time later).  The 90-day count
  includes completed resigned transfers (the page does not say; the sandbox's reading), but a
  resigned transfer is never refused by it.
Call-level errors: 40058 for 0 or more than 100 external_userid (or transfer_success_msg over
200 chars), 60111 unknown handover/taker, 40097 resigned transfer of a member who has not left.

Transfers complete lazily: see wecom_sandbox/transfers.py.
"""

from __future__ import annotations

from typing import Any

from .. import ids, transfers
from ..world import Corp, Transfer
from . import cursor
from .errors import ApiError
from .registry import ApiContext, route, route_kinds

RESULT_PAGE = 100
UNASSIGNED_PAGE_MAX = 1000


def _start(ctx: ApiContext, kind: str) -> dict[str, Any]:
    corp = ctx.corp
    handover = ctx.body_str("handover_userid")
    takeover = ctx.body_str("takeover_userid")
    exts = ctx.body_list("external_userid")
    if not 1 <= len(exts) <= 100 or not all(isinstance(e, str) for e in exts):
        raise ApiError(40058, "external_userid must hold 1..100 ids")
    msg = ""
    if kind == "onjob":
        msg = ctx.body.get("transfer_success_msg") or ""
        if not isinstance(msg, str) or len(msg) > 200:
            raise ApiError(40058, "transfer_success_msg must be a string of at most 200 characters")
        if handover not in corp.employees:
            raise ApiError(60111, f"userid {handover}")
    else:
        if handover in corp.employees:
            raise ApiError(40097, f"handover_userid {handover} has not left")
        if handover not in corp.departed:
            raise ApiError(60111, f"userid {handover}")
    if takeover not in corp.employees:
        raise ApiError(60111, f"userid {takeover}")
    now = ctx.app.world.now_int()
    out = []
    for ext in exts:
        out.append(
            {"external_userid": ext, "errcode": _start_one(corp, kind, handover, takeover, ext, msg, now)}
        )
    return {"customer": out}


def _start_one(corp: Corp, kind: str, handover: str, takeover: str, ext: str, msg: str, now: int) -> int:
    if not ids.is_external_userid(ext) or ext not in corp.customers:
        return 40096
    if handover == takeover:
        return 40130
    if corp.relation(handover, ext) is None:
        return 40131
    if transfers.waiting(corp, ext) is not None:
        return 40129
    if kind == "onjob" and transfers.recent_done(corp, ext, now) >= transfers.MAX_PER_90_DAYS:
        return 40128
    if takeover in corp.takers_at_limit:
        return 40099
    corp.transfers.append(
        Transfer(
            external_userid=ext,
            handover_userid=handover,
            takeover_userid=takeover,
            kind=kind,
            start_time=now,
            takeover_time=now + transfers.TAKEOVER_DELAY_S,
            transfer_success_msg=msg,
        )
    )
    return 0


def _result(ctx: ApiContext, kind: str) -> dict[str, Any]:
    handover = ctx.body_str("handover_userid")
    takeover = ctx.body_str("takeover_userid")
    start = 0
    if ctx.body.get("cursor"):
        (start,) = cursor.decode(str(ctx.body["cursor"]), 1)
    latest: dict[str, Transfer] = {}
    for t in ctx.corp.transfers:
        if t.kind == kind and t.handover_userid == handover and t.takeover_userid == takeover:
            latest[t.external_userid] = t
    items = list(latest.values())
    page = items[start : start + RESULT_PAGE]
    more = start + RESULT_PAGE < len(items)
    return {
        "customer": [
            {"external_userid": t.external_userid, "status": t.status, "takeover_time": t.takeover_time}
            for t in page
        ],
        "next_cursor": cursor.encode(start + RESULT_PAGE) if more else "",
    }


route_kinds(
    "POST",
    _start,
    {"externalcontact/transfer_customer": "onjob", "externalcontact/resigned/transfer_customer": "resigned"},
)
route_kinds(
    "POST",
    _result,
    {"externalcontact/transfer_result": "onjob", "externalcontact/resigned/transfer_result": "resigned"},
)


@route("POST", "externalcontact/get_unassigned_list")
def get_unassigned_list(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    size = ctx.body_int("page_size", UNASSIGNED_PAGE_MAX)
    if size is None or not 1 <= size <= UNASSIGNED_PAGE_MAX:
        raise ApiError(40058, f"page_size must be 1..{UNASSIGNED_PAGE_MAX}")
    start = 0
    if ctx.body.get("cursor"):
        (start,) = cursor.decode(str(ctx.body["cursor"]), 1)
    pending = {(t.handover_userid, t.external_userid) for t in corp.transfers if t.status == 2}
    items = []
    for userid, when in corp.departed.items():
        for ext in corp.relations_by_user.get(userid, {}):
            if (userid, ext) not in pending:
                items.append({"handover_userid": userid, "external_userid": ext, "dimission_time": when})
    page = items[start : start + size]
    is_last = start + size >= len(items)
    return {"info": page, "is_last": is_last, "next_cursor": "" if is_last else cursor.encode(start + size)}
