"""Control endpoints for observing and disturbing the API side: call log, messages, faults, tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import faults, tokens
from .common import ControlError, Request, corp_or_404, field_value

if TYPE_CHECKING:
    from ..app import Sandbox


def _since(req: Request) -> int:
    raw = req.query.get("since", "0") or "0"
    try:
        return int(raw)
    except ValueError:
        raise ControlError(400, "query parameter 'since' must be an integer") from None


def calls(app: Sandbox, req: Request) -> dict[str, Any]:
    """Calls of one corp (or of all, for /control/calls) with seq > since, optionally one path.

    `?count=1` answers like /calls/count instead (counts per path, no records).
    """
    if req.query.get("count") in ("1", "true"):
        return call_counts(app, req)
    corp_id = req.params.get("corp")
    if corp_id is not None:
        with app.world.lock:
            corp_or_404(app, corp_id)
    path = req.query.get("path")
    found = app.recorder.query(
        corp_id=corp_id, since=_since(req), path=faults.normalize_path(path) if path else None
    )
    return {"calls": found, "last_seq": app.recorder.last_seq()}


def call_counts(app: Sandbox, req: Request) -> dict[str, Any]:
    """Per-path call counts of one corp (or of all) with seq > since, without shipping the records.

    A full sync of a large corp is thousands of calls; a benchmark only needs how many went to
    each API (and how many failed with which errcode), so this counts over the whole retained log.
    """
    corp_id = req.params.get("corp")
    if corp_id is not None:
        with app.world.lock:
            corp_or_404(app, corp_id)
    path = req.query.get("path")
    since = _since(req)
    result = app.recorder.count(
        corp_id=corp_id, since=since, path=faults.normalize_path(path) if path else None
    )
    return {"since": since, **result}


def messages(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return {"messages": list(corp.messages)}


def add_fault(app: Sandbox, req: Request) -> tuple[int, dict[str, Any]]:
    body = req.body
    path = field_value(body, "path", str, default="*")
    errcode = field_value(body, "errcode", int)
    delay_ms = field_value(body, "delay_ms", int, default=0)
    times = field_value(body, "times", int, default=1)
    if errcode is None and not delay_ms:
        raise ControlError(400, "give field 'errcode' and/or a positive 'delay_ms'")
    if errcode == 0:
        raise ControlError(400, "field 'errcode' must not be 0")
    if not 0 <= delay_ms <= 120_000:
        raise ControlError(400, "field 'delay_ms' must be in [0, 120000]")
    if times < 1:
        raise ControlError(400, "field 'times' must be >= 1")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        fault = faults.add(app.world, corp, path, errcode, delay_ms, times)
        return 201, fault.to_control()


def list_faults(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return {"faults": faults.listing(corp)}


def clear_faults(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return {"cleared": faults.clear(corp)}


def expire_tokens(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return {"expired": tokens.expire_all(app.world, corp)}
