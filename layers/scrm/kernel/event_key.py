"""The de-duplication key of a callback event.

WeCom suggests FromUserName + CreateTime, but FromUserName is always ``sys`` for these events and distinct
events share a second (WxJava #2314, #3002, #1288; facts §1). The key is built from every identifying field
instead; two deliveries of one event give the same key, two real events never do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from scrm.kernel.events import is_known

# facts §1, plus the fields that tell apart two otherwise identical events in one second.
KEY_FIELDS = (
    "ToUserName",
    "Event",
    "ChangeType",
    "CreateTime",
    "UserID",
    "ExternalUserID",
    "ChatId",
    "UpdateDetail",
    "CurMemVer",
    "Id",
    "TagType",
    "StrategyId",
    "NewUserID",
    "Source",
    "FailReason",
    "MemChangeList",
)


def _norm(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        if set(value) != {"Item"}:  # a nested element such as <BatchJob>: keep all of it
            return json.dumps(value, sort_keys=True, ensure_ascii=False)
        value = value["Item"]
    if isinstance(value, list | tuple):
        return ",".join(sorted(str(v) for v in value))
    return str(value)


def event_key(fields: Mapping[str, Any]) -> str:
    """Composite key; events that are not of the known kinds also hash the rest of their fields."""
    parts = [_norm(fields.get(name)) for name in KEY_FIELDS]
    if not is_known(fields):
        rest = sorted((k, _norm(v)) for k, v in fields.items() if k not in KEY_FIELDS)
        parts.append(hashlib.sha256(repr(rest).encode()).hexdigest()[:16])
    return "|".join(parts)


def event_id(key: str) -> str:
    """A short, log-safe id of the key (the key itself holds user ids; this is what logs and sort keys use)."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]
