"""Control endpoints for observing and disturbing the API side: call log, messages, welcomes, faults, tokens."""

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
    """message/send's log merged with the welcome messages sent (built from the welcome log)."""
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        sent = [
            {
                "kind": "welcome",
                "ts": r.sent_at,
                "userid": r.userid,
                "external_userid": r.external_userid,
                "welcome_code": r.code,
                "text": {"content": r.text} if r.text is not None else None,
                "attachments": r.attachments or [],
            }
            for r in corp.welcomes.sent()
        ]
        merged = list(corp.messages) + sent
    merged.sort(key=lambda m: m["ts"])
    return {"messages": merged}


def welcomes(app: Sandbox, req: Request) -> dict[str, Any]:
    """Welcome-log records with seq > since (issue order), at most `limit` of them.

    Records change after they are issued (callback sent, attempts, sent_at), so a reader that
    needs final values re-reads from an older `since`.  last_seq is the last returned record's
    seq (or the log's last seq when none is returned): pass it as `since` to page on.
    """
    since = _since(req)
    raw_limit = req.query.get("limit")
    limit = None
    if raw_limit:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise ControlError(400, "query parameter 'limit' must be an integer") from None
        if limit < 1:
            raise ControlError(400, "query parameter 'limit' must be >= 1")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        records = corp.welcomes.since(since, limit)
        log_last = corp.welcomes.last_seq
    return {
        "welcomes": [r.to_json() for r in records],
        "last_seq": records[-1].seq if records else log_last,
    }


def add_fault(app: Sandbox, req: Request) -> tuple[int, dict[str, Any]]:
    body = req.body
    path = field_value(body, "path", str, default="*")
    errcode = field_value(body, "errcode", int)
    delay_ms = field_value(body, "delay_ms", int, default=0)
    times = field_value(body, "times", int, default=1)
    rate = field_value(body, "rate", float)
    http_status = field_value(body, "http_status", int)
    garbage = field_value(body, "garbage", bool, default=False)
    if rate is not None and not 0 < rate <= 1:
        raise ControlError(400, "field 'rate' must be in (0, 1]")
    if http_status is not None and not 400 <= http_status <= 599:
        raise ControlError(400, "field 'http_status' must be in [400, 599]")
    if errcode is None and not delay_ms and http_status is None and not garbage:
        raise ControlError(400, "give field 'errcode', 'http_status', 'garbage' and/or a positive 'delay_ms'")
    if errcode == 0:
        raise ControlError(400, "field 'errcode' must not be 0")
    if not 0 <= delay_ms <= 120_000:
        raise ControlError(400, "field 'delay_ms' must be in [0, 120000]")
    if times < 1:
        raise ControlError(400, "field 'times' must be >= 1")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        fault = faults.add(app.world, corp, path, errcode, delay_ms, times, rate, http_status, garbage)
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


def invalidate_tokens(app: Sandbox, req: Request) -> dict[str, Any]:
    """WeCom invalidating tokens before their time (91039): 40014 from now on, a new token on gettoken."""
    token = field_value(req.body, "access_token", str)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return {"invalidated": tokens.invalidate(app.world, corp, token or None)}
