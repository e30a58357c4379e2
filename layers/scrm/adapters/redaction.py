"""Secrets masked in every log record on its way out, whoever logs it (issue 16).

Our callers log ids and counts only, but an exception's text can still quote a secret: requests' network
errors carry the URL, whose query holds ``corpsecret`` (gettoken) or ``access_token`` (every other call),
and urllib3 logs each URL at DEBUG. So every record is redacted: ``corpsecret=…`` and ``access_token=…``
in any text, and every secret value this process has seen (a corp's app secret, callback token and
EncodingAESKey, each access token the WeCom client used). Three layers, because no single one sees all:

- a log record factory redacts the message (with its arguments), the exception and the stack text of
  every record any logger creates, so a handler added later (the Lambda runtime's, pytest's) gets it
  clean too;
- a filter on the handlers known at start redacts the ``extra`` fields, which ``Logger.makeRecord`` sets
  only after the factory ran;
- the JSON formatter redacts its final line (Powertools formats the exception from ``exc_info`` itself).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

MASK = "***"
# Values shorter than this are not masked by value: a short value would mask ordinary words (every real
# secret, token and key is longer; corp.py's formats, WeCom's 32+ character secrets and tokens).
MIN_SECRET_LEN = 8
# Secrets of at most this many values are remembered (oldest forgotten first): a container serving many
# corps stays bounded (about 1.5 ms per log line at the bound); an evicted corp's values still cannot
# appear in URLs (the parameter rule below).
MAX_SECRETS = 4096
_PARAM_RE = re.compile(r"(?i)\b(corpsecret|access_token)=[^&\s\"'<>\\]+")
# botocore at DEBUG logs Secrets Manager's bodies (a corp's keys, JSON inside JSON inside a bytes repr)
# before the registry could remember them: the rest of such a line goes.
_SECRET_STRING_RE = re.compile(r"(SecretString\W{1,12}).*")

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
    if "SecretString" in text:
        text = _SECRET_STRING_RE.sub(lambda m: f"{m.group(1)}{MASK}", text)
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


def _redact_text_of(record: logging.LogRecord) -> None:
    """Message (with its arguments), exception and stack text, in place."""
    if isinstance(record.msg, dict) and not record.args:  # a structured message stays structured
        record.msg = _redact_value(record.msg)
    else:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what was given, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = _plain_formatter.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactingFilter(logging.Filter):
    """Rewrites the record in place, its ``extra`` fields included."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_text_of(record)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD:
                record.__dict__[key] = _redact_value(value)
        return True


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON line, redacted as a whole (its exception text is formatted from ``exc_info``)."""

    def format(self, record: logging.LogRecord) -> str:  # noqa: A003 - the base class's name
        return redact(super().format(record))


REDACTING_FILTER = RedactingFilter()


def install_record_factory() -> None:
    """Once per process; done on import, so that any process reading a corp's keys redacts its records."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "scrm_redacting", False):

        def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            _redact_text_of(record)
            return record

        redacting_factory.scrm_redacting = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(redacting_factory)


def install(*loggers: logging.Logger) -> None:
    """The record factory and the filter on the handlers of these loggers and root."""
    install_record_factory()
    for one in (*loggers, logging.root):
        for handler in one.handlers:
            if REDACTING_FILTER not in handler.filters:
                handler.addFilter(REDACTING_FILTER)


install_record_factory()
