"""Control endpoints for corps: create (with seeding), list, inspect, patch settings, delete.

Credentials that are not given are generated (random but valid), so a test can simply POST a
callback_url and receive everything it needs to configure the app.  Seeding happens before the
corp is registered, outside the world lock, so seeding a large corp never stalls other tests.
"""

from __future__ import annotations

import random
import re
from dataclasses import fields as dc_fields
from typing import TYPE_CHECKING, Any

from .. import crypto, ids, seed, tokens
from ..api.groupchats import groupchat_json
from ..groupmsgs import QUOTA_MODES
from ..world import Corp
from .common import ControlError, Request, corp_or_404, field_value

if TYPE_CHECKING:
    from ..app import Sandbox

_CORP_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")
_SYSTEM_RNG = random.SystemRandom()
SETTINGS = (
    "callback_url",
    "token_expires_in",
    "gettoken_expires_in",
    "callback_timeout_s",
    "callback_retry_delays",
    "callback_retry_on_status",
    "rate_limit_per_min",
    "rate_limit_per_hour",
    "group_member_limit",
    "groupmsg_quota",
    "groupmsg_dispatch_s",
    "moment_job_s",
    "medical_industry",
)
RATE_LIMITS = ("rate_limit_per_min", "rate_limit_per_hour")


def _callback_settings(body: dict[str, Any], corp_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    url = field_value(body, "callback_url", str)
    if url is not None:
        if url and not url.startswith(("http://", "https://")):
            raise ControlError(400, "field 'callback_url' must start with http:// or https://")
        out["callback_url"] = url.replace("{corp_id}", corp_id)
    timeout = field_value(body, "callback_timeout_s", float)
    if timeout is not None:
        if not 0 < timeout <= 60:
            raise ControlError(400, "field 'callback_timeout_s' must be in (0, 60]")
        out["callback_timeout_s"] = float(timeout)
    delays = field_value(body, "callback_retry_delays", list)
    if delays is not None:
        if len(delays) > 10 or not all(
            isinstance(d, int | float) and not isinstance(d, bool) and 0 <= d <= 600 for d in delays
        ):
            raise ControlError(
                400, "field 'callback_retry_delays' must be at most 10 numbers in [0, 600] seconds"
            )
        out["callback_retry_delays"] = [float(d) for d in delays]
    retry_on_status = field_value(body, "callback_retry_on_status", bool)
    if retry_on_status is not None:
        out["callback_retry_on_status"] = retry_on_status
    return out


def _settings(body: dict[str, Any], corp_id: str) -> dict[str, Any]:
    """Validate the mutable settings present in body (used by create and PATCH)."""
    out = _callback_settings(body, corp_id)
    expires = field_value(body, "token_expires_in", int)
    if expires is not None:
        if expires < 1:
            raise ControlError(400, "field 'token_expires_in' must be >= 1")
        out["token_expires_in"] = expires
    reissue = field_value(body, "gettoken_expires_in", str)
    if reissue is not None:
        if reissue not in tokens.EXPIRES_IN_MODES:
            modes = " or ".join(tokens.EXPIRES_IN_MODES)
            raise ControlError(400, f"field 'gettoken_expires_in' must be {modes}")
        out["gettoken_expires_in"] = reissue
    member_limit = field_value(body, "group_member_limit", int)
    if member_limit is not None:
        if not 1 <= member_limit <= 100_000:
            raise ControlError(400, "field 'group_member_limit' must be in [1, 100000]")
        out["group_member_limit"] = member_limit
    quota = field_value(body, "groupmsg_quota", str)
    if quota is not None:
        if quota not in QUOTA_MODES:
            raise ControlError(400, f"field 'groupmsg_quota' must be one of {', '.join(QUOTA_MODES)}")
        out["groupmsg_quota"] = quota
    dispatch = field_value(body, "groupmsg_dispatch_s", float)
    if dispatch is not None:
        if not 0 <= dispatch <= 3600:
            raise ControlError(400, "field 'groupmsg_dispatch_s' must be in [0, 3600]")
        out["groupmsg_dispatch_s"] = float(dispatch)
    job_s = field_value(body, "moment_job_s", float)
    if job_s is not None:
        if not 0 <= job_s <= 3600:
            raise ControlError(400, "field 'moment_job_s' must be in [0, 3600]")
        out["moment_job_s"] = float(job_s)
    medical = field_value(body, "medical_industry", bool)
    if medical is not None:
        out["medical_industry"] = medical
    for name in RATE_LIMITS:
        # An explicit null means "unlimited" (so PATCH can lift a limit); absent leaves it unchanged.
        if name in body and body[name] is None:
            out[name] = None
            continue
        limit = field_value(body, name, int)
        if limit is not None:
            if not 1 <= limit <= 1_000_000_000:
                raise ControlError(400, f"field '{name}' must be null (unlimited) or an integer >= 1")
            out[name] = limit
    return out


def _seed_spec(body: dict[str, Any]) -> seed.SeedSpec:
    raw = body.get("seed", {})
    if raw is False:
        return seed.EMPTY
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ControlError(400, "field 'seed' must be an object (or false for an empty corp)")
    known = {f.name for f in dc_fields(seed.SeedSpec)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ControlError(400, f"unknown field 'seed.{unknown[0]}' (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    for name, limit in seed.LIMITS.items():
        value = field_value(raw, name, int)
        if value is not None:
            if not 0 <= value <= limit:
                raise ControlError(400, f"field 'seed.{name}' must be in [0, {limit}]")
            values[name] = value
    seed_value = field_value(raw, "seed", int)
    if seed_value is not None:
        values["seed"] = seed_value
    ratio = field_value(raw, "shared_customer_ratio", float)
    if ratio is not None:
        if not 0 <= ratio <= 1:
            raise ControlError(400, "field 'seed.shared_customer_ratio' must be in [0, 1]")
        values["shared_customer_ratio"] = float(ratio)
    spec = seed.SeedSpec(**values)
    if spec.relations > seed.MAX_RELATIONS:
        raise ControlError(400, f"seed would create {spec.relations} relations (max {seed.MAX_RELATIONS})")
    if spec.tags * spec.tag_groups > seed.MAX_TAGS:
        raise ControlError(
            400, f"seed would create {spec.tags * spec.tag_groups} tags (WeCom's cap is {seed.MAX_TAGS})"
        )
    return spec


def create(app: Sandbox, req: Request) -> tuple[int, dict[str, Any]]:
    body = req.body
    corp_id = field_value(body, "corp_id", str) or ids.corp_id(_SYSTEM_RNG)
    if not _CORP_ID_RE.match(corp_id):
        raise ControlError(400, "field 'corp_id' must be 1..64 letters, digits, '-' or '_'")
    token = field_value(body, "token", str) or crypto.generate_token()
    if not _TOKEN_RE.match(token):
        raise ControlError(400, "field 'token' must be 1..32 letters or digits")
    aes_key = field_value(body, "aes_key", str) or crypto.generate_encoding_aes_key()
    try:
        crypto.aes_key(aes_key)
    except crypto.CryptoError as exc:
        raise ControlError(400, f"field 'aes_key' is not a valid EncodingAESKey: {exc}") from None
    secret = field_value(body, "secret", str) or ids.secret(_SYSTEM_RNG)
    agent_id = field_value(body, "agent_id", int, default=1000002)
    settings = _settings(body, corp_id)
    spec = _seed_spec(body)
    corp = Corp(corp_id=corp_id, token=token, aes_key=aes_key, secret=secret, agent_id=agent_id, **settings)
    seed.seed_corp(corp, spec)
    with app.world.lock:
        if app.world.corp(corp_id) is not None:
            raise ControlError(409, f"corp '{corp_id}' already exists")
        app.world.add_corp(corp)
        return 201, {**corp.config(), "counts": corp.counts()}


def list_corps(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        return {"corps": list(app.world.corps)}


def get(app: Sandbox, req: Request) -> dict[str, Any]:
    summary_only = req.query.get("summary") in ("1", "true")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        data: dict[str, Any] = {**corp.config(), "counts": corp.counts()}
        if summary_only:
            return data
        data["employees"] = [e.to_api() for e in corp.employees.values()]
        data["customers"] = [customer_json(corp, ext) for ext in corp.customers]
        data["tag_groups"] = [g.to_api() for g in corp.tag_groups.values()]
        data["groups"] = [{**groupchat_json(corp, g, True), "status": g.status} for g in corp.groups.values()]
        return data


def customer_json(corp: Corp, external_userid: str) -> dict[str, Any]:
    customer = corp.customers[external_userid]
    return {
        **customer.to_api(),
        "follow_users": [r.to_control() for r in corp.customer_relations(external_userid)],
    }


def patch(app: Sandbox, req: Request) -> dict[str, Any]:
    unknown = sorted(set(req.body) - set(SETTINGS))
    if unknown:
        raise ControlError(400, f"field '{unknown[0]}' cannot be patched (allowed: {', '.join(SETTINGS)})")
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        for name, value in _settings(req.body, corp.corp_id).items():
            setattr(corp, name, value)
        return corp.config()


def delete(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = app.world.delete_corp(req.params["corp"])
    if corp is None:
        raise ControlError(404, f"unknown corp '{req.params['corp']}'")
    return {"deleted": corp.corp_id}
