"""Structured JSON logs (Powertools Logger) with corp id, event key and request id on every line.

Nothing here logs secrets, tokens or customer personal data: callers pass ids and counts, never names,
mobiles or payloads. Because a caller can still log an exception whose text holds a URL or a secret (a
library error quoting the request), every record is also redacted on its way out (``adapters.redaction``,
issue 16).
"""

from __future__ import annotations

import logging
import os

from aws_lambda_powertools import Logger

from scrm.adapters.redaction import RedactingFormatter, install

# Service "scrm": the stdlib loggers of the services ("scrm.events", …) propagate to this one and are
# written by the same JSON formatter with the same per-request keys.
logger = Logger(
    service="scrm", level=os.environ.get("SCRM_LOG_LEVEL", "INFO"), logger_formatter=RedactingFormatter()
)
install(logging.getLogger("scrm"))
# botocore's and PynamoDB's DEBUG lines are the wire: request and answer bodies with access tokens, corps'
# keys and customers' data, some logged before any redaction could know them. They stay off even when a
# runtime turns the root logger to DEBUG; urllib3's URLs (DEBUG too) are redacted by their parameter names.
for _wire in ("botocore", "pynamodb"):
    logging.getLogger(_wire).setLevel(logging.INFO)
CONTEXT_KEYS = ("corp_id", "event_key", "request_id")


def bind(**keys: str) -> None:
    """Replace the per-request keys (a warm container must not carry the last request's keys)."""
    logger.remove_keys(list(CONTEXT_KEYS))
    logger.append_keys(**{k: v for k, v in keys.items() if v})
