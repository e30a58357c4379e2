"""Structured JSON logs (Powertools Logger) with corp id, event key and request id on every line.

Nothing here logs secrets, tokens or customer personal data: callers pass ids and counts, never names,
mobiles or payloads.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

# Service "scrm": the stdlib loggers of the services ("scrm.events", …) propagate to this one and are
# written by the same JSON formatter with the same per-request keys.
logger = Logger(service="scrm", level=os.environ.get("SCRM_LOG_LEVEL", "INFO"))
CONTEXT_KEYS = ("corp_id", "event_key", "request_id")


def bind(**keys: str) -> None:
    """Replace the per-request keys (a warm container must not carry the last request's keys)."""
    logger.remove_keys(list(CONTEXT_KEYS))
    logger.append_keys(**{k: v for k, v in keys.items() if v})
