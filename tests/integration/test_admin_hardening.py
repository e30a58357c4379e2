"""The admin API against bad input over HTTP (issue 16): numbers that are not ASCII digits, forged cursors,
over-long ids in paths, queries and bodies, bodies over 1 MB, and ``?items=1`` answered a page at a time.
Every one is a 4xx JSON answer naming the field, never a 500."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
import requests
from scrm import bootstrap
from scrm.corps.api_key import Role

from tests.integration.sidebar import Sidebar
from tests.integration.test_admin_api import Admin, _synced_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

LONG = "x" * 3000  # past DynamoDB's 1,024/2,048-byte key parts, so unchecked it was a ValidationException


@pytest.fixture(scope="module")
def corps(stack, sandbox) -> dict[str, Any]:
    a = _synced_corp(stack, sandbox, employees=2, customers_per_employee=4, groups=0)
    b = _synced_corp(stack, sandbox, employees=1, customers_per_employee=2, groups=0)
    keys = bootstrap.api_keys()
    world = sandbox.corp(a["corp_id"])
    return {
        "a": Admin(stack.admin_url, keys.create(a["corp_id"], Role.ADMIN, "hardening")["key"]),
        "b": Admin(stack.admin_url, keys.create(b["corp_id"], Role.ADMIN, "hardening")["key"]),
        "customers": sorted(c["external_userid"] for c in world["customers"]),
        "ext": world["customers"][0]["external_userid"],
        "uid": world["customers"][0]["follow_users"][0]["userid"],
        "sidebar": Sidebar.open(stack.admin_url, a["corp_id"], world["customers"][0]["follow_users"][0]["userid"]),
    }


def _token(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _refused(r: requests.Response, field: str, status: int = 400) -> None:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.json()["field"] == field, r.json()


@pytest.mark.parametrize("value", ["²", "٣", "-1", " 5", "1e3"])
def test_numbers_are_ascii_digits(corps, value):
    a = corps["a"]
    for path, name in [
        ("/admin/customers", "limit"),
        ("/admin/customers", "added_from"),
        (f"/admin/customers/{corps['ext']}", "timeline_limit"),
        ("/admin/employees", "limit"),
        ("/admin/alerts", "limit"),
        ("/admin/mass-sends", "limit"),
        ("/admin/transfers", "limit"),
        ("/admin/sops/nope/progress", "limit"),
    ]:
        _refused(a("GET", path, **{name: value}), name)


def test_forged_cursors_are_refused(corps):
    a, b = corps["a"], corps["b"]
    theirs = b("GET", "/admin/customers", limit=1).json()["next_cursor"]
    mine = a("GET", "/admin/customers", limit=1).json()["next_cursor"]
    position = json.loads(base64.urlsafe_b64decode(mine + "=" * (-len(mine) % 4)))["p"]
    for cursor in [
        base64.urlsafe_b64encode(bytes(range(64))).decode(),  # random base64
        _token({"hello": "world"}),  # valid base64 of the wrong JSON
        _token({"d": "corp", "p": {"pk": position["pk"]}}),  # keys missing
        _token({"d": "corp", "p": {"after": "wm#u"}}),  # another index's keys
        _token({"d": "corp", "p": {**position, "sk": LONG}}),  # a key part DynamoDB refuses
        theirs,  # another corp's
        "A" * 5000,  # huge
    ]:
        _refused(a("GET", "/admin/customers", cursor=cursor), "cursor")
    _refused(a("GET", "/admin/employees", cursor=LONG[:200]), "cursor")


def test_over_long_path_ids_are_400s_on_every_route(corps):
    from admin.openapi import SPEC

    a = corps["a"]
    for template, ops in SPEC["paths"].items():
        names = re.findall(r"{(\w+)}", template)
        if not names:
            continue
        path = template
        for name in names:
            path = path.replace(f"{{{name}}}", LONG)
        caller = corps["sidebar"] if template.startswith("/admin/sidebar/") else a  # the sidebar: its session
        for method in ops:
            _refused(caller(method.upper(), path, {} if method in ("post", "put", "patch") else None), names[0])


def test_over_long_ids_in_queries_and_bodies_are_400s(corps):
    a, ext, uid = corps["a"], corps["ext"], corps["uid"]
    _refused(a("GET", "/admin/customers", employee=LONG), "employee")
    _refused(a("GET", "/admin/customers", tags_all=f"t1,{LONG}"), "tags_all")
    _refused(a("GET", "/admin/transfers/unassigned", handover_userid=LONG), "handover_userid")
    _refused(a("PUT", f"/admin/customers/{ext}/remark", {"userid": LONG, "remark": "r"}), "userid")
    _refused(a("POST", f"/admin/customers/{ext}/tags", {"userid": uid, "add": [LONG]}), "add[0]")
    body = {"name": "n", "text": "t", "recipients": {"external_userids": [ext, LONG]}}
    _refused(a("POST", "/admin/mass-sends", body), "recipients.external_userids[1]")
    _refused(
        a("POST", "/admin/transfers", {"handover_userid": LONG, "takeover_userid": uid}), "handover_userid"
    )


def test_a_body_over_1_mb_is_413_before_parsing(corps):
    a = corps["a"]
    big = {"name": "n", "pad": "p" * (1024 * 1024)}
    _refused(a("POST", "/admin/sops", big), "body", 413)
    _refused(a("PUT", "/admin/alert-settings", big), "body", 413)
    r = a("POST", "/admin/sops", {"name": "n", "pad": "p" * (1024 * 1024 - 100)})  # just under: parsed
    _refused(r, "pad")


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", None])
def test_a_body_is_read_as_json_whatever_its_content_type(corps, content_type):
    """`curl -d` says form-urlencoded: the body is still JSON to us, and a bad one is our 400 naming it, not
    Chalice's 415 in its own shape (found trying the API by hand)."""
    a = corps["a"]
    headers = {"Authorization": f"Bearer {a.key}", **({"Content-Type": content_type} if content_type else {})}
    url = f"{a.base}/admin/alert-settings"
    r = requests.put(url, data=json.dumps({"digest_above": "many"}).encode(), headers=headers, timeout=30)
    _refused(r, "digest_above")
    r = requests.put(url, data=b"digest_above=3", headers=headers, timeout=30)
    _refused(r, "body")
    r = requests.put(url, data=json.dumps({"digest_above": 3}).encode(), headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["digest_above"] == 3, r.text


def test_items_come_a_page_at_a_time_and_the_pages_are_the_whole(corps):
    a, everyone = corps["a"], corps["customers"]
    body = {"name": "paged", "text": "paged items", "recipients": {"external_userids": everyone}}
    r = a("POST", "/admin/mass-sends", body)
    assert r.status_code in (200, 202), r.text
    sid = r.json()["send"]["send_id"]
    whole = wait_for(
        lambda: len((p := a("GET", f"/admin/mass-sends/{sid}", items="1").json())["items"]) == len(everyone) and p,
        timeout_s=30, what="the send planned",
    )  # fmt: skip
    assert whole["next_cursor"] == ""
    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        p = a("GET", f"/admin/mass-sends/{sid}", items="1", limit=3, cursor=cursor).json()
        assert len(p["items"]) <= 3 and "members" in p  # the progress comes with every page
        seen += [i["external_userid"] for i in p["items"]]
        pages += 1
        cursor = p["next_cursor"]
        if not cursor:
            break
    assert pages == -(-len(everyone) // 3) and seen == sorted(everyone) == sorted(
        i["external_userid"] for i in whole["items"]
    )
    # The cursor belongs to this send and this corp.
    first = a("GET", f"/admin/mass-sends/{sid}", items="1", limit=3).json()["next_cursor"]
    _refused(corps["b"]("GET", f"/admin/mass-sends/{sid}", items="1", cursor=first), "send_id", 404)
    _refused(
        a("GET", f"/admin/mass-sends/{sid}", items="1", cursor=_token({"c": "x", "s": "y", "a": "z"})),
        "cursor",
    )
    _refused(a("GET", f"/admin/mass-sends/{sid}", items="1", limit="²"), "limit")
    _refused(a("GET", f"/admin/mass-sends/{sid}", items="1", limit="1001"), "limit")


def test_dates_out_of_range_are_400s(corps):
    a = corps["a"]
    for path in ("/admin/stats/customers", "/admin/stats/groups"):
        _refused(a("GET", path, to="0001-01-05"), "to")  # was a ValueError from date arithmetic: a 500
        _refused(a("GET", path, **{"from": "2024-W01-1"}), "from")


def test_an_over_long_name_prefix_is_a_400(corps):
    # name_prefix is a key condition on the name index: past 1,024 bytes DynamoDB refuses the query.
    _refused(corps["a"]("GET", "/admin/customers", name_prefix="名" * 400), "name_prefix")
