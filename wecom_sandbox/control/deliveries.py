"""Control endpoints about callback delivery: raw events, the callback log, resends, URL check.

Resend models WeCom's duplicate deliveries: the same plaintext again, either freshly sealed
(new timestamp/nonce/ciphertext) or, with same_envelope=true, the byte-identical body and query.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

import requests

from .. import crypto, events, xmlfmt
from ..envelope import add_query, verification_query
from .common import ControlError, EmitOptions, Request, corp_or_404, emit, field_value

if TYPE_CHECKING:
    from ..app import Sandbox
    from ..callbacks import CallbackRecord
    from ..world import Corp

VERIFY_DEADLINE_MS = 1000
"""WeCom requires the echostr answer within one second."""


def raw_event(app: Sandbox, req: Request) -> dict[str, Any]:
    body = req.body
    opts = EmitOptions.parse(body)
    given = field_value(body, "fields", dict)
    raw_xml = field_value(body, "xml", str)
    if (given is None) == (raw_xml is None):
        raise ControlError(400, "give exactly one of fields 'fields' (object) or 'xml' (string)")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
    if raw_xml is not None:
        if not opts.callback:
            return {"callback_id": None, "callback_ids": []}
        record = app.callbacks.send(corp, raw_xml)
        result: dict[str, Any] = {"callback_id": record.id, "callback_ids": [record.id]}
        if opts.wait:
            app.callbacks.wait([record], corp)
            result["callback"] = record.detail()
            result["callbacks"] = [record.detail()]
        return result
    assert given is not None
    fields = events.raw(corp.corp_id, opts.time(app), given)
    try:
        xmlfmt.render(fields)
    except Exception as exc:  # report any unrenderable value as a field error
        raise ControlError(400, f"field 'fields' cannot be rendered as XML: {exc}") from None
    return emit(app, corp, [fields], opts)


def _record_or_404(app: Sandbox, corp: Corp, cb_id: str) -> CallbackRecord:
    try:
        record = corp.callbacks.get(int(cb_id))
    except ValueError:
        record = None
    if record is None:
        raise ControlError(404, f"unknown callback '{cb_id}' in corp '{corp.corp_id}'")
    return record


def list_callbacks(app: Sandbox, req: Request) -> dict[str, Any]:
    event = req.query.get("event")
    change_type = req.query.get("change_type")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        records = list(corp.callbacks.values())
    return {
        "callbacks": [
            r.summary()
            for r in records
            if (event is None or r.event == event) and (change_type is None or r.change_type == change_type)
        ]
    }


def get_callback(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        record = _record_or_404(app, corp, req.params["id"])
    return record.detail()


def resend(app: Sandbox, req: Request) -> dict[str, Any]:
    same_envelope = field_value(req.body, "same_envelope", bool, default=False)
    wait = field_value(req.body, "wait", bool, default=False)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        original = _record_or_404(app, corp, req.params["id"])
    fixed = None
    if same_envelope:
        if original.first_envelope is None:
            raise ControlError(
                409, f"callback {original.id} has not been sent yet, so it has no envelope to repeat"
            )
        fixed = original.first_envelope
    record = app.callbacks.send(corp, original.plaintext, resend_of=original.id, fixed_envelope=fixed)
    result: dict[str, Any] = {"callback_id": record.id, "callback_ids": [record.id], "resend_of": original.id}
    if wait:
        app.callbacks.wait([record], corp)
        result["callback"] = record.detail()
    return result


def verify_url(app: Sandbox, req: Request) -> dict[str, Any]:
    """Perform WeCom's URL-verification GET against the corp's callback_url."""
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        url, token, aes_key, corp_id = corp.callback_url, corp.token, corp.aes_key, corp.corp_id
        timeout = corp.callback_timeout_s
        now = app.world.now_int()
    if not url:
        raise ControlError(400, f"corp '{corp_id}' has no callback_url")
    expected = secrets.token_hex(8)
    query = verification_query(
        expected, token=token, aes_key=aes_key, corp_id=corp_id, timestamp=now, nonce=crypto.generate_nonce()
    )
    started = time.monotonic()
    status: int | None = None
    got: str | None = None
    error: str | None = None
    try:
        resp = requests.get(add_query(url, query), timeout=timeout)
        status, got = resp.status_code, resp.content.decode("utf-8", "replace")
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    elapsed_ms = int((time.monotonic() - started) * 1000)
    ok = status == 200 and got == expected and elapsed_ms <= VERIFY_DEADLINE_MS
    if error is None and not ok:
        if status != 200:
            error = f"HTTP {status}"
        elif got != expected:
            error = "body is not exactly the decrypted echostr (no quotes, BOM or newline allowed)"
        else:
            error = f"answered after WeCom's {VERIFY_DEADLINE_MS} ms deadline"
    return {
        "ok": ok,
        "status": status,
        "expected": expected,
        "got": got,
        "elapsed_ms": elapsed_ms,
        "error": error,
        "query": query,
    }
