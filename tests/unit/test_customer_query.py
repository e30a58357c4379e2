from __future__ import annotations

import pytest
from scrm.domain.customer_query import CustomerQuery, QueryError, decode_cursor, encode_cursor


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
