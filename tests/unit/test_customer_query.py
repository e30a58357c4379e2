from __future__ import annotations

import base64
import json

import pytest
from scrm.customers.query import CustomerQuery, QueryError, decode_cursor, encode_cursor


def rel(**kw):
    base = {"tag_ids": set(), "userid": "u1", "add_time": 100, "state": "", "status": "active", "name": "张伟"}
    return {**base, **kw}


@pytest.mark.parametrize(
    "params, driver",
    [
        ({"tags_all": "a,b", "employee": "u"}, "tags_all"),
        ({"tags_any": "a", "employee": "u"}, "tags_any"),
        ({"tags_none": "a", "employee": "u"}, "employee"),
        ({"state": "s", "name_prefix": "张"}, "state"),
        ({"name_prefix": "张", "added_from": "1"}, "name"),
        ({"tags_none": "a"}, "corp"),
        ({}, "corp"),
    ],
)
def test_the_narrowest_index_drives(params, driver):
    assert CustomerQuery.parse(params).driver == driver


def test_tag_logic_and_or_not():
    q = CustomerQuery.parse({"tags_all": "a,b", "tags_any": "c,d", "tags_none": "e"})
    assert q.matches(rel(tag_ids={"a", "b", "c"}))
    assert not q.matches(rel(tag_ids={"a", "c"}))  # not all
    assert not q.matches(rel(tag_ids={"a", "b"}))  # none of any
    assert not q.matches(rel(tag_ids={"a", "b", "d", "e"}))  # a forbidden one


def test_other_filters():
    q = CustomerQuery.parse({"employee": "u2", "added_from": "50", "added_to": "150", "state": "qr", "name_prefix": "张"})
    assert q.matches(rel(userid="u2", state="qr"))
    assert not q.matches(rel(userid="u1", state="qr"))
    assert not q.matches(rel(userid="u2", state="qr", add_time=151))
    assert not q.matches(rel(userid="u2", state="qr", add_time=49))
    assert not q.matches(rel(userid="u2", state="other"))
    assert not q.matches(rel(userid="u2", state="qr", name="王芳"))


def test_status_defaults_to_active_and_all_means_all():
    assert not CustomerQuery.parse({}).matches(rel(status="deleted_by_customer"))
    assert CustomerQuery.parse({"status": "all"}).matches(rel(status="deleted_by_customer"))
    assert CustomerQuery.parse({"status": "gone"}).matches(rel(status="gone"))


@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"added_from": "-1"}, "added_from"),
        ({"added_from": "5", "added_to": "4"}, "added_from"),
        ({"status": "happy"}, "status"),
        ({"tags_all": "a", "tags_none": "a"}, "tags_none"),
        ({"tags_any": ",".join(f"t{i}" for i in range(21))}, "tags_any"),
        ({"cursor": "%%%"}, "cursor"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field(params, field):
    with pytest.raises(QueryError) as err:
        CustomerQuery.parse(params)
    assert err.value.field == field


def test_a_cursor_only_continues_the_search_it_came_from():
    token = encode_cursor("employee", {"pk": "ww#wm1", "sk": "u", "r": "0000000001#wm1"})
    assert CustomerQuery.parse({"employee": "u", "cursor": token}).cursor["p"]["sk"] == "u"
    with pytest.raises(QueryError):
        CustomerQuery.parse({"tags_all": "a", "cursor": token})
    assert decode_cursor(token)["d"] == "employee"


def _token(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


GOOD_INDEX = {"pk": "ww#wm1", "sk": "u", "r": "0000000001#wm1"}


@pytest.mark.parametrize(
    "token",
    [
        base64.urlsafe_b64encode(bytes(range(256))).decode(),  # random bytes
        _token("just a string"),
        _token([1, 2]),
        _token({"d": "employee"}),  # no position
        _token({"d": "employee", "p": {"pk": "ww#wm1"}}),  # a position missing its keys (was a KeyError: 500)
        _token({"d": "employee", "p": {**GOOD_INDEX, "x": "1"}}),
        _token({"d": "employee", "p": {**GOOD_INDEX, "r": 1}}),
        _token({"d": "employee", "p": {**GOOD_INDEX, "r": "not an add time"}}),
        _token({"d": "employee", "p": {"after": "wm1#u"}}),  # another index's keys
        _token({"d": "tags_all", "p": GOOD_INDEX}),
        _token({"d": "tags_all", "p": {"after": "no-separator"}}),
        _token({"d": "nowhere", "p": {"after": "wm1#u"}}),
        _token({"d": "employee", "p": GOOD_INDEX, "extra": 1}),
        _token({"d": "employee", "p": {**GOOD_INDEX, "sk": "u" * 1025}}),  # longer than any DynamoDB sort key
        "A" * 5000,  # huge
        base64.urlsafe_b64encode(b"[" * 2900).decode(),  # nested past the recursion limit
    ],
)
def test_a_forged_cursor_is_a_cursor_error(token):
    with pytest.raises(QueryError) as err:
        decode_cursor(token)
    assert err.value.field == "cursor"


def test_a_cursor_is_at_most_4096_characters_whatever_its_parts():
    """The length is checked before decoding: 4,096 characters pass, one more block of base64 does not, even
    with every key part inside DynamoDB's 1,024 bytes (so nothing bigger is ever decoded)."""

    def token(sk_len: int) -> str:
        return encode_cursor("employee", {"pk": "ww#" + "w" * 1000, "sk": "u" * sk_len, "r": "0000000001#" + "m" * 1000})

    at_most, over = token(1013), token(1014)
    assert (len(at_most), len(over)) == (4096, 4098)
    assert decode_cursor(at_most)["p"]["sk"] == "u" * 1013
    with pytest.raises(QueryError) as err:
        decode_cursor(over)
    assert err.value.field == "cursor"


def test_a_cursor_of_every_shape_the_search_returns_is_accepted():
    for driver, position in [
        ("tags_all", {"after": "wm1#u1"}),
        ("tags_any", {"after": "wm1#u1"}),
        ("employee", GOOD_INDEX),
        ("state", GOOD_INDEX),
        ("corp", GOOD_INDEX),
        ("name", {"pk": "ww#wm1", "sk": "u", "r": "张三#wm1#u"}),
    ]:
        assert decode_cursor(encode_cursor(driver, position)) == {"d": driver, "p": position}


@pytest.mark.parametrize("raw", ["²", "٣", " 7", "+7", "1_0", "-1", "7\n", "1" * 30])
def test_numbers_are_ascii_digits_only(raw):
    for name in ("limit", "added_from", "added_to"):
        with pytest.raises(QueryError) as err:
            CustomerQuery.parse({name: raw})
        assert err.value.field == name
