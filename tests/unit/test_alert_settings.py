"""Alert settings: defaults, partial updates, and errors that name the field."""

from __future__ import annotations

from datetime import datetime

import pytest
from scrm.alerts.alert_settings import AlertSettings, parse_update
from scrm.kernel.china_time import CHINA
from scrm.kernel.errors import InvalidInput

from tests.unit.alert_fakes import settings_fields


def test_defaults_and_a_partial_update():
    s = AlertSettings.of(None)
    assert s.employee_alerts and not s.admin_alerts and s.digest_above == 20 and s.digest_time == "09:05"
    t = parse_update({"admins": ["a", "a", " b "], "admin_alerts": True}, s)
    assert t.admins == ("a", "b") and t.admin_alerts and t.digest_above == 20
    assert AlertSettings.of(t.to_dict()) == t


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"admin_alerts": True}, "admins"),
        ({"employee_alerts": "yes"}, "employee_alerts"),
        ({"digest_above": -1}, "digest_above"),
        ({"digest_above": True}, "digest_above"),
        ({"digest_time": "9:05"}, "digest_time"),
        ({"digest_time": "24:00"}, "digest_time"),
        ({"link_url": "ftp://x"}, "link_url"),
        ({"admins": "u1"}, "admins"),
        ({"admins": ["u1", " "]}, "admins[1]"),
        ({"link_url": "https://x y"}, "link_url"),
        ({"admins": [f"u{i}" for i in range(21)]}, "admins"),
        ({"colour": 1}, "colour"),
    ],
)
def test_bad_input_names_the_field(body, field):
    with pytest.raises(InvalidInput) as err:
        parse_update(settings_fields(body), AlertSettings())
    assert err.value.field == field


def test_the_digest_is_due_from_its_china_time_on():
    s = AlertSettings(digest_time="09:05")
    assert not s.digest_due(datetime(2026, 11, 23, 9, 4, 59, tzinfo=CHINA))
    assert s.digest_due(datetime(2026, 11, 23, 9, 5, tzinfo=CHINA))
    assert s.digest_due(datetime(2026, 11, 23, 23, 59, tzinfo=CHINA))
