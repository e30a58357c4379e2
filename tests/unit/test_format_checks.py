"""Format checks refuse a trailing newline: ``re.match`` with ``$`` accepts "abc\\n" (``$`` matches before a
final newline), so every format is checked with ``fullmatch``. One case per format: the value passes as is
and is refused with "\\n" appended, naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from scrm.alerts.alert_settings import AlertSettings, parse_update
from scrm.corps.api_key import new_key, well_formed
from scrm.corps.corp import Corp, InvalidCorp
from scrm.kernel.errors import InvalidInput
from scrm.live_codes.channel_code import parse_spec
from scrm.live_codes.group_code import parse_group_spec
from scrm.sops.spec import parse_customer_sop

from tests.unit.alert_fakes import settings_fields
from tests.unit.live_code_fakes import channel_fields, group_fields
from tests.unit.sop_fakes import sop_fields


def _sop(**step: Any) -> Any:
    """A SOP body through the admin API's model (the formats are its patterns), then the domain."""
    body = {"name": "n", "steps": [{"after_added_days": 0, "at": "10:00", "text": "Hi", **step}]}
    return parse_customer_sop(sop_fields(body))


def _date_sop(on: str) -> Any:
    return parse_customer_sop(sop_fields({"name": "n", "steps": [{"date": on, "at": "10:00", "text": "Hi"}]}))


def _slot(end: str) -> dict[str, Any]:
    return {"name": "n", "staff": ["u1"], "schedule": [{"start": "09:00", "end": end, "staff": ["u1"]}]}


CASES: list[tuple[str, Callable[[str], Any], str, str]] = [
    ("sop step id", lambda v: _sop(id=v), "s1", "steps[0].id"),
    ("sop step time", lambda v: _sop(at=v), "10:00", "steps[0].at"),
    ("sop date", _date_sop, "2030-01-02", "steps[0].date"),
    ("channel code state", lambda v: parse_spec(channel_fields({"name": "n", "staff": ["u1"], "state": v})), "st1",
     "state"),
    ("channel code slot end", lambda v: parse_spec(channel_fields(_slot(v))), "12:00", "schedule[0].end"),
    ("channel code slot end 24:00", lambda v: parse_spec(channel_fields(_slot(v))), "24:00", "schedule[0].end"),
    (
        "group code state",
        lambda v: parse_group_spec(group_fields({"name": "n", "chat_ids": ["wrA"], "state": v})),
        "g1",
        "state",
    ),
    ("group code chat id", lambda v: parse_group_spec(group_fields({"name": "n", "chat_ids": [v]})), "wrA",
     "chat_ids[0]"),
    (
        "alert link url",
        lambda v: parse_update(settings_fields({"link_url": v}), AlertSettings()),
        "https://x.example/a",
        "link_url",
    ),
    (
        "alert digest time",
        lambda v: parse_update(settings_fields({"digest_time": v}), AlertSettings()),
        "09:05",
        "digest_time",
    ),
]


@pytest.mark.parametrize("parse, good, field", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_trailing_newline_is_refused(parse: Callable[[str], Any], good: str, field: str) -> None:
    parse(good)
    with pytest.raises(InvalidInput) as err:
        parse(good + "\n")
    assert err.value.field == field


def test_corp_ids_tokens_and_aes_keys_refuse_a_trailing_newline() -> None:
    good = {"corp_id": "ww1234", "token": "tok", "aes_key": "a" * 43, "secret": "s", "agent_id": "1000002"}
    Corp(**good).validate()
    for name in ("corp_id", "token", "aes_key", "agent_id"):
        with pytest.raises(InvalidCorp):
            Corp(**{**good, name: good[name] + "\n"}).validate()
    with pytest.raises(InvalidCorp):
        Corp(**{**good, "agent_id": "10²"}).validate()


def test_api_keys_refuse_a_trailing_newline() -> None:
    _, key, _ = new_key()
    assert well_formed(key) and not well_formed(key + "\n")
