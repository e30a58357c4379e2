"""Structured JSON logs (Powertools Logger) with corp id, event key and request id on every line.

Nothing here logs secrets, tokens or customer personal data: callers pass ids and counts, never names,
mobiles or payloads. Because a caller can still log an exception whose text holds a URL or a secret (a
library error quoting the request), every record is also redacted on its way out (issue 16):
``corpsecret=…`` and ``access_token=…`` in any text, and every secret value this process has seen (a
corp's app secret, callback token and EncodingAESKey, each access token the WeCom client used), in the
message, the extra fields and the exception text. Two layers do it: a filter on the handlers rewrites the
record itself (so any other handler, pytest's ``caplog`` included, sees it redacted), and the JSON
formatter redacts its final line (the exception text it formats from ``exc_info``, which no filter can
reach).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

MASK = "***"
# Values shorter than this are not masked by value: a short value would mask ordinary words (every real
# secret, token and key is longer; corp.py's formats, WeCom's 32+ character secrets and tokens).
MIN_SECRET_LEN = 8
# Secrets of at most this many values are remembered (oldest forgotten first): a container serving many
# corps stays bounded; an evicted corp's values still cannot appear in URLs (the parameter rule below).
MAX_SECRETS = 4096
_PARAM_RE = re.compile(r"(?i)\b(corpsecret|access_token)=[^&\s\"'<>\\]+")

_secrets: OrderedDict[str, None] = OrderedDict()
_secrets_lock = threading.Lock()
_secrets_re: re.Pattern[str] | None = None


def remember_secret(*values: str | None) -> None:
    """Mask these values (and their URL-encoded forms) in every log line from now on."""
    global _secrets_re
    fresh = []
    for value in values:
        if isinstance(value, str) and len(value) >= MIN_SECRET_LEN:
            fresh += [value, quote(value, safe="")]
    with _secrets_lock:
        changed = False
        for v in fresh:
            if v in _secrets:
                _secrets.move_to_end(v)
            else:
                _secrets[v] = None
                changed = True
        while len(_secrets) > MAX_SECRETS:
            _secrets.popitem(last=False)
        if changed:
            _secrets_re = re.compile("|".join(re.escape(v) for v in sorted(_secrets, key=len, reverse=True)))


def redact(text: str) -> str:
    """``text`` with secret parameters and remembered secret values replaced by ``***``."""
    if not text:
        return text
    text = _PARAM_RE.sub(lambda m: f"{m.group(1)}={MASK}", text)
    pattern = _secrets_re
    return pattern.sub(MASK, text) if pattern is not None else text


def _redact_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return redact(value)
    if depth > 4:
        return value
    if isinstance(value, dict):
        return {k: _redact_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v, depth + 1) for v in value)
    if isinstance(value, BaseException):
        return redact(f"{type(value).__name__}: {value}")
    return value


_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_plain_formatter = logging.Formatter()


class RedactingFilter(logging.Filter):
    """Rewrites the record in place: message (with its arguments), extra fields, exception and stack text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict) and not record.args:  # a structured message stays structured
            record.msg = _redact_value(record.msg)
        else:
            try:
                message = record.getMessage()
            except Exception:  # a broken format string: keep what was given, masked
                message = f"{record.msg} {record.args}"
            record.msg, record.args = redact(message), None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD:
                record.__dict__[key] = _redact_value(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = _plain_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON line, redacted as a whole (its exception text is formatted from ``exc_info``)."""

    def format(self, record: logging.LogRecord) -> str:  # noqa: A003 - the base class's name
        return redact(super().format(record))


REDACTING_FILTER = RedactingFilter()

# Service "scrm": the stdlib loggers of the services ("scrm.events", …) propagate to this one and are
# written by the same JSON formatter with the same per-request keys.
logger = Logger(
    service="scrm", level=os.environ.get("SCRM_LOG_LEVEL", "INFO"), logger_formatter=RedactingFormatter()
)
for _handler in (*logging.getLogger("scrm").handlers, *logging.root.handlers):
    # The root's handlers too: a library's own logger (urllib3 at DEBUG logs each URL) writes there.
    if REDACTING_FILTER not in _handler.filters:
        _handler.addFilter(REDACTING_FILTER)
CONTEXT_KEYS = ("corp_id", "event_key", "request_id")


def bind(**keys: str) -> None:
    """Replace the per-request keys (a warm container must not carry the last request's keys)."""
    logger.remove_keys(list(CONTEXT_KEYS))
    logger.append_keys(**{k: v for k, v in keys.items() if v})
