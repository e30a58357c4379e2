"""The admin API's input limits: whole numbers are ASCII digits in bounds, ids within their caps."""

from __future__ import annotations

import pytest
from scrm.kernel.field_error import FieldError
from scrm.kernel.input_limits import (
    QUERY_VALUE_MAX,
    USERID_MAX,
    WECOM_ID_MAX,
    check_body_ids,
    check_id,
    check_query,
    whole_number,
)


@pytest.mark.parametrize(
    "raw", ["²", "٣", "１", " 7", "7 ", "+7", "-1", "1_0", "7\n", "0", "201", "9" * 40, "x"]
)
def test_a_number_is_ascii_digits_in_bounds(raw: str) -> None:
    with pytest.raises(FieldError) as err:
        whole_number(raw, "limit", 1, 200)
    assert err.value.field == "limit" and "1..200" in err.value.why


def test_a_number_absent_is_the_default_and_in_bounds_is_itself() -> None:
    assert whole_number(None, "limit", 1, 200, 50) == whole_number("", "limit", 1, 200, 50) == 50
    assert whole_number("007", "limit", 1, 200) == 7 and whole_number("200", "limit", 1, 200) == 200
    with pytest.raises(FieldError):
        whole_number(None, "limit", 1, 200)


def test_ids_are_capped_by_field() -> None:
    assert check_id("userid", "u" * USERID_MAX) == "u" * USERID_MAX
    with pytest.raises(FieldError) as err:
        check_id("userid", "u" * (USERID_MAX + 1))
    assert err.value.field == "userid"
    check_id("external_userid", "w" * WECOM_ID_MAX)
    for field in (
        "external_userid",
        "chat_id",
        "code_id",
        "sop_id",
        "send_id",
        "job_id",
        "tag_id",
        "unknown",
    ):
        with pytest.raises(FieldError) as err:
            check_id(field, "w" * (WECOM_ID_MAX + 1))
        assert err.value.field == field


def test_query_values_and_the_ids_in_them_are_capped() -> None:
    check_query({"tags_all": ",".join(["t" * WECOM_ID_MAX] * 3), "employee": "u", "q": "x" * QUERY_VALUE_MAX})
    for params, field in [
        ({"tags_any": "t1," + "t" * (WECOM_ID_MAX + 1)}, "tags_any"),
        ({"employee": "u" * (USERID_MAX + 1)}, "employee"),
        ({"handover_userid": "u" * (USERID_MAX + 1)}, "handover_userid"),
        ({"cursor": "c" * (QUERY_VALUE_MAX + 1)}, "cursor"),
        ({"name_prefix": "名" * 257}, "name_prefix"),
    ]:
        with pytest.raises(FieldError) as err:
            check_query(params)
        assert err.value.field == field


def test_body_ids_are_capped_at_any_depth_naming_the_path() -> None:
    long_user, long_ext = "u" * (USERID_MAX + 1), "w" * (WECOM_ID_MAX + 1)
    check_body_ids({"userid": "u1", "recipients": {"external_userids": ["wm1"]}, "text": long_ext * 10})
    for body, field in [
        ({"userid": long_user, "remark": "r"}, "userid"),
        ({"takeover_userids": ["u1", long_user]}, "takeover_userids[1]"),
        ({"recipients": {"external_userids": ["wm1", long_ext]}}, "recipients.external_userids[1]"),
        ({"targets": {"tags_any": [long_ext]}}, "targets.tags_any[0]"),
        ({"chat_ids": [long_ext]}, "chat_ids[0]"),
        ({"schedule": [{"staff": [long_user]}]}, "schedule[0].staff[0]"),
    ]:
        with pytest.raises(FieldError) as err:
            check_body_ids(body)
        assert err.value.field == field
