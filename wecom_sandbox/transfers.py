"""Customer handover (在职继承 / 离职继承) state machine, settled lazily on the world clock; resigned group
handovers (status 2 → 3, api/group_transfers.py) settle at the same moments.

A started transfer waits TAKEOVER_DELAY_S (24 h) of world time, then completes: the relation
moves from the handover member to the taker.  Nothing runs in the background: every API call
(for its corp) and every control call (for all corps) first settles the transfers that are due,
then sends their callbacks (outside the world lock), so advancing the clock past 24 h and then
reading anything shows the completed state and fires the events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import events, xmlfmt
from .api import group_transfers
from .world import Corp, Relation, Transfer

if TYPE_CHECKING:
    from .app import Sandbox

TAKEOVER_DELAY_S = 24 * 3600
WINDOW_90_DAYS_S = 90 * 86_400
MAX_PER_90_DAYS = 2

Fields = dict[str, Any]


def _complete(corp: Corp, t: Transfer, when: int) -> list[Fields]:
    """Move the relation to the taker; return the events WeCom sends for it."""
    ext = t.external_userid
    t.status = 1
    t.takeover_time = when
    old = corp.remove_relation(t.handover_userid, ext)
    if old is not None:
        corp.contact_history.bump(t.handover_userid, when, "transferred_out")
    existing = corp.relation(t.takeover_userid, ext)
    already_friends = existing is not None and not existing.one_way
    out: list[Fields] = []
    if t.kind == "onjob":
        out.append(
            events.external_contact(
                corp.corp_id,
                when,
                "del_external_contact",
                t.handover_userid,
                ext,
                source="DELETE_BY_TRANSFER",
            )
        )
    if already_friends:
        return out
    if existing is not None:
        corp.remove_relation(t.takeover_userid, ext)
    corp.add_relation(
        Relation(
            userid=t.takeover_userid,
            external_userid=ext,
            createtime=when,
            seq=corp.next_seq(),
            remark=old.remark if old else "",
            description=old.description if old else "",
            tag_ids=list(old.tag_ids) if old else [],
            add_way=old.add_way if old else 0,
            state=old.state if old else "",
            oper_userid=t.takeover_userid,
            remark_mobiles=list(old.remark_mobiles) if old else [],
            remark_corp_name=old.remark_corp_name if old else "",
        )
    )
    corp.contact_history.gained(t.takeover_userid, when, applied=False)
    out.append(events.external_contact(corp.corp_id, when, "add_external_contact", t.takeover_userid, ext))
    return out


def due_events(corp: Corp, now: float) -> list[Fields]:
    """Complete every waiting transfer whose 24 h have passed, and every resigned group handover whose
    status 2 is over (no event: WeCom sends none for API writes); hold the world lock."""
    if corp.group_inherits:
        group_transfers.settle_inherits(corp, now)
    out: list[Fields] = []
    for t in corp.transfers:
        if t.status == 2 and now >= t.start_time + TAKEOVER_DELAY_S:
            out.extend(_complete(corp, t, t.start_time + TAKEOVER_DELAY_S))
    return out


def send(app: Sandbox, corp: Corp, fields: list[Fields]) -> list[int]:
    """Send events (without the world lock); returns the callback ids."""
    return [app.callbacks.send(corp, xmlfmt.render(f)).id for f in fields]


def settle(app: Sandbox, corp: Corp) -> None:
    with app.world.lock:
        fields = due_events(corp, app.world.now())
    if fields:
        send(app, corp, fields)


def settle_all(app: Sandbox) -> None:
    with app.world.lock:
        now = app.world.now()
        due = [
            (corp, due_events(corp, now))
            for corp in app.world.corps.values()
            if corp.transfers or corp.group_inherits
        ]
    for corp, fields in due:
        if fields:
            send(app, corp, fields)


def fail(corp: Corp, t: Transfer, status: int, when: int) -> Fields:
    """End a waiting transfer as refused (3) or taker at limit (4); the transfer_fail event."""
    t.status = status
    t.takeover_time = when
    reason = "customer_refused" if status == 3 else "customer_limit_exceed"
    return events.external_contact(
        corp.corp_id, when, "transfer_fail", t.takeover_userid, t.external_userid, fail_reason=reason
    )


def waiting(corp: Corp, ext: str) -> Transfer | None:
    for t in corp.transfers:
        if t.external_userid == ext and t.status == 2:
            return t
    return None


def recent_done(corp: Corp, ext: str, now: int) -> int:
    """Completed transfers of one customer in the last 90 days (the 40128 rule)."""
    return sum(
        1
        for t in corp.transfers
        if t.external_userid == ext and t.status == 1 and now - t.takeover_time < WINDOW_90_DAYS_S
    )
