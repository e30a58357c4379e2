"""adapters.redaction: what is masked in a log line, and that every handler gets the record masked."""

from __future__ import annotations

import io
import logging

import pytest
from scrm.adapters.redaction import MASK, redact, remember_secret


def test_secret_parameters_are_masked_in_any_url() -> None:
    line = (
        "GET /cgi-bin/gettoken?corpid=ww1&corpsecret=abc%2Bdef&x=1 and user/list?access_token=T-1_2 HTTP/1.1"
    )
    assert redact(line) == (
        f"GET /cgi-bin/gettoken?corpid=ww1&corpsecret={MASK}&x=1 and user/list?access_token={MASK} HTTP/1.1"
    )


def test_remembered_values_are_masked_raw_and_url_encoded() -> None:
    remember_secret("s3cret+value/XYZ", "short", None)
    assert redact("a s3cret+value/XYZ b s3cret%2Bvalue%2FXYZ c short") == f"a {MASK} b {MASK} c short"


def test_a_secrets_manager_body_is_cut_after_its_secret_string() -> None:
    line = """Response body: b'{"ARN":"arn","Name":"scrm/corps/ww1","SecretString":"{\\\\"secret\\\\": \\\\"unseen\\\\"}"}'"""
    assert "unseen" not in redact(line) and "scrm/corps/ww1" in redact(line)


URL = "https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=LeakedSecretValue"


@pytest.mark.parametrize("how", ["args", "exception"])
def test_a_handler_added_later_gets_the_record_masked(how: str) -> None:
    """The Lambda runtime's handler or pytest's: added after our logging set-up, never given our filter."""
    from scrm.adapters import logs  # noqa: F401 - the process's logging set-up, as every function has it

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    log = logging.getLogger("some.library")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        if how == "args":
            log.debug("GET %s", URL)
        else:
            try:
                raise ConnectionError(f"Max retries exceeded with url: {URL}")
            except ConnectionError:
                log.exception("failed")
    finally:
        log.removeHandler(handler)
    text = buffer.getvalue()
    assert f"corpsecret={MASK}" in text and "LeakedSecretValue" not in text


def test_extra_fields_and_tracebacks_are_masked_in_our_json_lines() -> None:
    from scrm.adapters import logs

    ours = logs.logger._logger.handlers[0]  # the Powertools JSON handler, writing to stdout
    buffer = io.StringIO()
    stdout = ours.setStream(buffer)
    try:
        log = logging.getLogger("scrm.some_service")
        log.warning("failed", extra={"detail": URL, "nested": {"url": [URL]}})
        try:
            raise ConnectionError(URL)
        except ConnectionError:
            log.exception("failed again")
    finally:
        ours.setStream(stdout)
    out = buffer.getvalue()
    assert out.count(f"corpsecret={MASK}") >= 4 and "LeakedSecretValue" not in out
