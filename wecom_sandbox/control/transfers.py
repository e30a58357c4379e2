"""Control endpoints for customer handovers: the customer refuses, the taker hits the limit, list.

Refusing ends a waiting transfer with status 3, marking a taker at the limit ends every transfer
waiting for them with status 4; both fire change_external_contact / transfer_fail (UserID is the
taker).  A taker at the limit also gets per-customer 40099 from later transfer_customer calls,
until /transfers/limit is posted again with "at_limit": false.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import transfers
from .common import ControlError, EmitOptions, Request, corp_or_404, emit, employee_or_404, field_value

if TYPE_CHECKING:
    from ..app import Sandbox


def list_transfers(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return {
            "transfers": [t.to_control() for t in corp.transfers],
            "takers_at_limit": sorted(corp.takers_at_limit),
            "group_transfers": [dict(g) for g in corp.group_transfers],
            "group_inherits": [
                {"chat_id": chat_id, "new_owner": owner, "done_at": int(due)}
                for chat_id, (owner, due) in corp.group_inherits.items()
            ],
        }


def refuse(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    ext = field_value(body, "external_userid", str, required=True)
    takeover = field_value(body, "takeover_userid", str)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        t = transfers.waiting(corp, ext)
        if t is None or (takeover is not None and t.takeover_userid != takeover):
            raise ControlError(409, f"no waiting transfer of customer '{ext}'")
        event = transfers.fail(corp, t, 3, opts.time(app))
        record = t.to_control()
    return {"transfer": record, **emit(app, corp, [event], opts)}


def limit(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    takeover = field_value(body, "takeover_userid", str, required=True)
    at_limit = field_value(body, "at_limit", bool, default=True)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        employee_or_404(corp, takeover)
        evts = []
        ended = []
        if at_limit:
            corp.takers_at_limit.add(takeover)
            now = opts.time(app)
            for t in corp.transfers:
                if t.status == 2 and t.takeover_userid == takeover:
                    evts.append(transfers.fail(corp, t, 4, now))
                    ended.append(t.external_userid)
        else:
            corp.takers_at_limit.discard(takeover)
    return {"ended": ended, **emit(app, corp, evts, opts)}
