"""The admin API over HTTP against the local stack: auth, isolation between corps, search, edits."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from scrm import bootstrap
from scrm.adapters.dynamo import reads
from scrm.corps.api_key import Role

from tests.conftest import new_corp
from tests.support.syncing import sync_and_wait
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


class Admin:
    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.key = key

    def __call__(self, method: str, path: str, body: Any = None, **params: Any) -> requests.Response:
        return requests.request(method, f"{self.base}{path}", json=body, params=params,
                                headers={"Authorization": f"Bearer {self.key}"}, timeout=30)


def _synced_corp(stack, sandbox, **seed: Any) -> dict[str, Any]:
    corp = new_corp(stack, sandbox, seed=seed or None)
    sync_and_wait(corp["corp_id"])
    return corp


@pytest.fixture(scope="module")
def two_corps(stack, sandbox) -> dict[str, Any]:
    a = _synced_corp(stack, sandbox, employees=4, customers_per_employee=15, tags=4, tag_groups=3)
    b = _synced_corp(stack, sandbox, employees=2, customers_per_employee=5)
    keys = bootstrap.api_keys()
    return {
        "a": a, "b": b,
        "a_admin": Admin(stack.admin_url, keys.create(a["corp_id"], Role.ADMIN, "test")["key"]),
        "a_viewer": Admin(stack.admin_url, keys.create(a["corp_id"], Role.VIEWER, "test")["key"]),
        "b_admin": Admin(stack.admin_url, keys.create(b["corp_id"], Role.ADMIN, "test")["key"]),
    }


def test_every_route_wants_a_valid_key(stack, two_corps):
    for key in ("", "nonsense", "scrm_000000000000_" + "A" * 43):
        r = Admin(stack.admin_url, key)("GET", "/admin/customers")
        assert r.status_code == 401 and "error" in r.json()
    assert requests.get(f"{stack.admin_url}/admin/openapi.json", timeout=10).json()["openapi"] == "3.1.0"


def test_a_key_of_one_corp_never_reaches_another(sandbox, two_corps):
    a, b = two_corps["a"], two_corps["b"]
    b_world = sandbox.corp(b["corp_id"])
    b_ext = b_world["customers"][0]["external_userid"]
    b_uid = b_world["customers"][0]["follow_users"][0]["userid"]
    a_admin = two_corps["a_admin"]
    assert a_admin("GET", f"/admin/customers/{b_ext}").status_code == 404
    r = a_admin("PUT", f"/admin/customers/{b_ext}/remark", {"userid": b_uid, "remark": "hijack"})
    assert r.status_code == 404
    assert reads.follow(b["corp_id"], b_ext, b_uid).get("remark", "") != "hijack"
    # A search through every index of corp A returns only corp A's relations.
    a_ids = {c["external_userid"] for c in sandbox.corp(a["corp_id"])["customers"]}
    rows = a_admin("GET", "/admin/customers", status="all", limit=200).json()["items"]
    assert rows and {r["external_userid"] for r in rows} <= a_ids
    assert a_admin("GET", "/admin/employees").json()["items"][0]["userid"] in {
        e["userid"] for e in sandbox.corp(a["corp_id"])["employees"]}
    # A cursor made for corp B's partition is refused by corp A's search.
    page = two_corps["b_admin"]("GET", "/admin/customers", limit=1).json()
    assert page["next_cursor"]
    r = a_admin("GET", "/admin/customers", limit=1, cursor=page["next_cursor"])
    assert r.status_code == 400 and r.json()["field"] == "cursor"
    assert two_corps["b_admin"]("GET", "/admin/whoami").json()["corp_id"] == b["corp_id"]


def test_a_viewer_reads_but_cannot_write(sandbox, two_corps):
    a = two_corps["a"]
    c = sandbox.corp(a["corp_id"])["customers"][0]
    viewer = two_corps["a_viewer"]
    assert viewer("GET", f"/admin/customers/{c['external_userid']}").status_code == 200
    for method, path, body in (
        ("PUT", f"/admin/customers/{c['external_userid']}/remark", {"userid": c["follow_users"][0]["userid"], "remark": "x"}),
        ("POST", f"/admin/customers/{c['external_userid']}/tags", {"userid": "u", "add": ["t"]}),
        ("POST", "/admin/tags", {"group_name": "g", "tags": ["t"]}),
        ("DELETE", "/admin/tags/et123", None),
        ("POST", "/admin/sync", None),
    ):
        r = viewer(method, path, body)
        assert r.status_code == 403, (path, r.text)


def test_search_by_tags_and_or_not_matches_the_world(sandbox, two_corps):
    a = two_corps["a"]
    world = sandbox.corp(a["corp_id"])
    relations = [(c["external_userid"], f["userid"], set(f["tag_ids"])) for c in world["customers"]
                 for f in c["follow_users"]]
    tags = [t["id"] for g in world["tag_groups"] for t in g["tag"]]
    counts = {t: sum(t in r[2] for r in relations) for t in tags}
    t1, t2 = sorted(tags, key=lambda t: -counts[t])[:2]
    admin = two_corps["a_admin"]

    def everything(**params: Any) -> set[tuple[str, str]]:
        out: set[tuple[str, str]] = set()
        cursor = ""
        while True:
            r = admin("GET", "/admin/customers", limit=7, cursor=cursor, **params)
            assert r.status_code == 200, r.text
            page = r.json()
            out |= {(row["external_userid"], row["userid"]) for row in page["items"]}
            cursor = page["next_cursor"]
            if not cursor:
                return out

    expect = {
        "and": {(e, u) for e, u, t in relations if {t1, t2} <= t},
        "or": {(e, u) for e, u, t in relations if t & {t1, t2}},
        "not": {(e, u) for e, u, t in relations if t1 in t and t2 not in t},
        "none": {(e, u) for e, u, t in relations if t1 not in t},
    }
    assert everything(tags_all=f"{t1},{t2}") == expect["and"]
    assert everything(tags_any=f"{t1},{t2}") == expect["or"]
    assert everything(tags_all=t1, tags_none=t2) == expect["not"]
    assert everything(tags_none=t1) == expect["none"]
    uid = world["employees"][0]["userid"]
    assert everything(employee=uid) == {(e, u) for e, u, _ in relations if u == uid}
    first = world["customers"][0]
    prefix = first["name"][:1]
    assert everything(name_prefix=prefix) == {
        (c["external_userid"], f["userid"]) for c in world["customers"] for f in c["follow_users"]
        if c["name"].startswith(prefix)}
    times = sorted(f["createtime"] for c in world["customers"] for f in c["follow_users"])
    lo, hi = times[len(times) // 4], times[3 * len(times) // 4]
    assert everything(added_from=lo, added_to=hi) == {
        (c["external_userid"], f["userid"]) for c in world["customers"] for f in c["follow_users"]
        if lo <= f["createtime"] <= hi}
    r = admin("GET", "/admin/customers", tags_all=t1, tags_none=t1)
    assert r.status_code == 400 and r.json()["field"] == "tags_none"
    assert admin("GET", "/admin/customers", limit=0).json()["field"] == "limit"
    assert admin("GET", "/admin/customers", colour="red").status_code == 400


def test_edits_go_to_wecom_first_then_the_store(sandbox, two_corps):
    a = two_corps["a"]
    cid = a["corp_id"]
    world = sandbox.corp(cid)
    c = world["customers"][1]
    ext, uid = c["external_userid"], c["follow_users"][0]["userid"]
    admin = two_corps["a_admin"]
    r = admin("PUT", f"/admin/customers/{ext}/remark", {"userid": uid, "remark": "老客户", "description": "来自门店"})
    assert r.status_code == 200, r.text
    assert r.json()["remark"] == "老客户"
    wecom_side = sandbox.corp(cid)
    held = next(f for cc in wecom_side["customers"] if cc["external_userid"] == ext for f in cc["follow_users"]
                if f["userid"] == uid)
    assert held["remark"] == "老客户" and held["description"] == "来自门店"
    assert reads.follow(cid, ext, uid)["remark"] == "老客户"
    # Too long: 400 naming the field, and WeCom is not called.
    r = admin("PUT", f"/admin/customers/{ext}/remark", {"userid": uid, "remark": "长" * 21})
    assert r.status_code == 400 and r.json()["field"] == "remark"

    tag = next(t["id"] for g in world["tag_groups"] for t in g["tag"] if t["id"] not in held["tag_ids"])
    r = admin("POST", f"/admin/customers/{ext}/tags", {"userid": uid, "add": [tag]})
    assert r.status_code == 200, r.text
    assert tag in r.json()["tag_ids"]
    rows = admin("GET", "/admin/customers", tags_all=tag, limit=200).json()["items"]
    assert (ext, uid) in {(x["external_userid"], x["userid"]) for x in rows}
    r = admin("POST", f"/admin/customers/{ext}/tags", {"userid": uid, "remove": [tag]})
    assert tag not in r.json()["tag_ids"]
    rows = admin("GET", "/admin/customers", tags_all=tag, limit=200).json()["items"]
    assert (ext, uid) not in {(x["external_userid"], x["userid"]) for x in rows}
    r = admin("POST", f"/admin/customers/{ext}/tags", {"userid": uid, "add": ["etnotatag"]})
    assert r.status_code == 400 and r.json()["field"] == "add"
    # WeCom refusing: the store is left as it was.
    sandbox.faults(cid, {"path": "externalcontact/remark", "errcode": 60011})
    r = admin("PUT", f"/admin/customers/{ext}/remark", {"userid": uid, "remark": "不该存"})
    assert r.status_code == 502 and "60011" in r.json()["error"]
    assert reads.follow(cid, ext, uid)["remark"] == "老客户"


def test_tag_library_crud_is_synced_to_wecom(sandbox, two_corps):
    cid = two_corps["a"]["corp_id"]
    admin = two_corps["a_admin"]
    r = admin("POST", "/admin/tags", {"group_name": "会员等级", "tags": ["金卡", "银卡"]})
    assert r.status_code == 200, r.text
    group_id, (gold, silver) = r.json()["group_id"], r.json()["tag_ids"]
    groups = {g["group_id"]: g for g in admin("GET", "/admin/tags").json()["groups"]}
    assert [t["name"] for t in groups[group_id]["tags"]] == ["金卡", "银卡"] or {
        t["name"] for t in groups[group_id]["tags"]} == {"金卡", "银卡"}
    assert admin("PUT", f"/admin/tags/{gold}", {"name": "白金卡"}).status_code == 200
    wecom_names = {t["name"] for g in sandbox.corp(cid)["tag_groups"] for t in g["tag"]}
    assert "白金卡" in wecom_names and "金卡" not in wecom_names
    r = admin("POST", "/admin/tags", {"group_id": group_id, "tags": ["银卡"]})
    assert r.status_code == 409
    assert admin("DELETE", f"/admin/tags/{silver}").status_code == 200
    assert admin("DELETE", f"/admin/tags/{gold}").status_code == 200  # the last tag: the group goes too
    assert group_id not in {g["group_id"] for g in admin("GET", "/admin/tags").json()["groups"]}
    assert group_id not in {g["group_id"] for g in sandbox.corp(cid)["tag_groups"]}
    assert admin("DELETE", "/admin/tags/etnope").status_code == 404
    assert admin("POST", "/admin/tags", {"group_name": "x" * 31, "tags": ["a"]}).json()["field"] == "tags"


def test_sync_start_is_idempotent_and_reports_progress(two_corps):
    admin = two_corps["b_admin"]
    first = admin("POST", "/admin/sync")
    assert first.status_code in (200, 202)
    job_id = first.json()["job"]["job_id"]
    again = admin("POST", "/admin/sync").json()
    assert again["job"]["job_id"] == job_id or again["job"]["state"] != "running"
    done = wait_for(lambda: (j := admin("GET", f"/admin/sync/{job_id}").json())["state"] == "done" and j,
                    timeout_s=60, what="sync done")
    assert done["percent"] == 100 and done["relations"] > 0
    assert two_corps["a_admin"]("GET", f"/admin/sync/{job_id}").status_code == 404
