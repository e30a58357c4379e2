"""Store codes end to end on the local stack: an import checked all-or-nothing, each store's contact way made
in the WeCom sandbox, the landing page's public lookup, a scan of a store's QR in the sandbox arriving as an
encrypted add_external_contact callback and counted for that store and its city."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
import requests
from scrm import bootstrap
from scrm.adapters.dynamo import reads
from scrm.corps.api_key import Role

from tests.integration.test_admin_api import Admin, _synced_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

HEADER = "store_id,name,city,address,latitude,longitude,hours,assistants,group\n"


@pytest.fixture(scope="module")
def chain(stack, sandbox) -> dict[str, Any]:
    corp = _synced_corp(stack, sandbox, employees=4, customers_per_employee=1, groups=1, members_per_group=2)
    cid = corp["corp_id"]
    staff = [e["userid"] for e in sandbox.corp(cid)["employees"]]
    chats = [g["chat_id"] for g in sandbox.corp(cid)["groups"]]
    key = bootstrap.api_keys().create(cid, Role.ADMIN, "t")
    return {"cid": cid, "admin": Admin(stack.admin_url, key["key"]), "staff": staff, "base": stack.admin_url,
            "chats": chats}


def _public(chain: dict[str, Any], path: str, **params: Any) -> requests.Response:
    return requests.get(f"{chain['base']}/admin/public/stores/{path}", params={"corp": chain["cid"], **params},
                        timeout=30)


def test_import_codes_lookup_scan_and_add_counted_for_the_store(sandbox, chain):
    admin, cid, staff = chain["admin"], chain["cid"], chain["staff"]
    bad = HEADER + (f"sh1,静安店,上海,南京西路1号,31.2304,121.4737,,{staff[0]},华东\n"
                    f"sh2,徐汇店,上海,,95,121.43,,{staff[1]},\n"
                    "sh3,,上海,,31.1,121.4,9-21,nobody,\n")
    r = admin("POST", "/admin/stores/import", {"csv": bad})
    assert r.status_code == 400, r.text
    assert [(d["line"], d["column"]) for d in r.json()["details"]] == [
        (3, "latitude"), (4, "name"), (4, "hours"), (4, "assistants")]
    assert r.json()["details"][0]["message"] == "must be between -90 and 90"
    assert admin("GET", "/admin/stores").json()["items"] == []

    good = HEADER + (f"sh1,静安店,上海,南京西路1号,31.2304,121.4737,,{staff[0]}|{staff[1]},华东\n"
                     f"sh2,徐汇店,上海,漕溪北路2号,31.1950,121.4370,,{staff[2]},华东\n"
                     f"bj1,国贸店,北京,建国门外4号,39.9087,116.4605,,{staff[3]},华北\n")
    since = sandbox.call_counts(cid)["last_seq"]
    r = admin("POST", "/admin/stores/import", {"csv": good})
    assert r.status_code == 200, r.text
    assert r.json() == {"imported": 3, "created": 3, "updated": 0, "unchanged": 0, "codes_pending": 3}
    made = admin("POST", "/admin/stores/codes")
    assert made.status_code == 200 and made.json()["made"] == 3 and made.json()["pending"] == 0, made.text
    ways = [c for c in sandbox.calls(cid, since=since, path="externalcontact/add_contact_way")]
    assert sorted(c["body"]["state"] for c in ways) == ["store_bj1", "store_sh1", "store_sh2"]
    assert next(c for c in ways if c["body"]["state"] == "store_sh1")["body"]["user"] == staff[:2]
    stores = {s["store_id"]: s for s in admin("GET", "/admin/stores").json()["items"]}
    assert all(s["code_status"] == "active" and s["qr_code"].startswith("https://") for s in stores.values())
    # the store's code is a channel code of the group 门店活码 (schedule, caps, welcome: the codes' machinery)
    code = admin("GET", "/admin/channel-codes/store_sh1").json()
    assert code["group"] == "门店活码" and code["config_id"] == stores["sh1"]["config_id"]

    # the landing page: the nearest open store, the picker, a scan
    near = _public(chain, "nearest", lat="31.2310", lng="121.4745").json()
    assert near["store"]["store_id"] == "sh1" and near["store"]["qr_code"] == stores["sh1"]["qr_code"]
    assert near["distance_m"] < 200 and "assistants" not in near["store"]
    assert _public(chain, "nearest", lat="23.13", lng="113.26").json()["store"] is None
    assert _public(chain, "cities").json()["items"] == [{"city": "上海", "stores": 2}, {"city": "北京", "stores": 1}]
    assert [s["store_id"] for s in _public(chain, "in-city", city="北京").json()["items"]] == ["bj1"]
    r = _public(chain, "nearest", lat="91", lng="121")
    assert r.status_code == 400 and r.json()["field"] == "lat"
    r = requests.get(f"{chain['base']}/admin/public/stores/cities", params={"corp": "wwnosuchcorp0000"}, timeout=30)
    assert r.status_code == 404
    r = requests.post(f"{chain['base']}/admin/public/stores/scans", json={"corp": cid, "store_id": "sh1"}, timeout=30)
    assert r.status_code == 200 and r.json()["counted"], r.text

    # a customer scans the store's QR in WeCom: the encrypted callback reaches the consumer, counted once
    scanned = sandbox.scan(cid, stores["sh1"]["config_id"], name="韩梅梅", wait=True)
    ext, uid = scanned["external_userid"], scanned["userid"]
    assert scanned["state"] == "store_sh1" and uid in staff[:2]
    sandbox.resend(cid, scanned["callback_id"])

    def counted() -> dict[str, Any] | None:
        s = admin("GET", "/admin/stores/stats").json()
        row = next((i for i in s["items"] if i["store"] == "sh1"), None)
        return s if row and row["adds"] == 1 and row["scans"] == 1 else None

    stats = wait_for(counted, what="the add counted for the store")
    assert stats["totals"] == {"scans": 1, "adds": 1}
    by_city = admin("GET", "/admin/stores/stats", by="city").json()
    assert [(i["city"], i["scans"], i["adds"]) for i in by_city["items"]] == [("上海", 1, 1)]
    r = admin("GET", "/admin/stores/stats", by="city", format="csv")
    assert r.headers["Content-Type"].startswith("text/csv")
    assert list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))[0] == {
        "city": "上海", "scans": "1", "adds": "1", "rate": "1.0"}
    rel = wait_for(lambda: reads.follow(cid, ext, uid), what="relation stored")
    assert rel["state"] == "store_sh1"
    timeline = wait_for(lambda: reads.timeline(cid, f"customer:{ext}"), what="timeline")
    assert timeline[0]["entry"]["source"] == "store"


def test_edit_and_delete_a_store_reach_its_contact_way(sandbox, chain):
    admin, cid, staff = chain["admin"], chain["cid"], chain["staff"]
    rows = [{"store_id": "gz1", "name": "天河店", "city": "广州", "latitude": 23.13, "longitude": 113.32,
             "hours": "1-7 09:00-22:00", "assistants": [staff[0]]}]
    assert admin("POST", "/admin/stores/import", {"rows": rows}).status_code == 200
    assert admin("POST", "/admin/stores/codes").json()["pending"] == 0
    store = admin("GET", "/admin/stores/gz1").json()
    since = sandbox.call_counts(cid)["last_seq"]
    r = admin("PUT", "/admin/stores/gz1", {"assistants": [staff[1], staff[2]]})
    assert r.status_code == 200, r.text
    updates = sandbox.calls(cid, since=since, path="externalcontact/update_contact_way")
    assert updates[-1]["body"]["config_id"] == store["config_id"] and updates[-1]["body"]["user"] == staff[1:3]
    # the store's group live code: its join QR shown beside the store's on the landing page
    group = admin("POST", "/admin/group-codes", {"name": "天河店福利群", "chat_ids": chain["chats"][:1]}).json()
    r = admin("PUT", "/admin/stores/gz1", {"group_code": group["code_id"]})
    assert r.status_code == 200 and r.json()["group_qr_code"] == group["qr_code"], r.text
    shown = _public(chain, "in-city", city="广州").json()["items"][0]
    assert shown["group_qr_code"] == group["qr_code"] and shown["qr_code"] == store["qr_code"]
    r = admin("PUT", "/admin/stores/gz1", {"group_code": "nosuchcode"})
    assert r.status_code == 400 and r.json()["field"] == "group_code"
    r = admin("PUT", "/admin/stores/gz1", {"latitude": 123})
    assert r.status_code == 400 and r.json()["field"] == "latitude"
    r = admin("DELETE", "/admin/stores/gz1")
    assert r.status_code == 200
    dels = sandbox.calls(cid, since=since, path="externalcontact/del_contact_way")
    assert [c["body"]["config_id"] for c in dels] == [store["config_id"]]
    assert admin("GET", "/admin/stores/gz1").status_code == 404
    # imported again with the same id: the deleted code comes back on a new contact way, same state
    assert admin("POST", "/admin/stores/import", {"rows": rows}).status_code == 200
    made = admin("POST", "/admin/stores/codes").json()
    assert (made["made"], made["failed"], made["pending"]) == (1, 0, 0), made
    again = admin("GET", "/admin/stores/gz1").json()
    assert again["code_status"] == "active" and again["config_id"] != store["config_id"], again
    ways = sandbox.calls(cid, since=since, path="externalcontact/add_contact_way")
    assert [(c["body"]["state"], c["body"]["user"]) for c in ways] == [("store_gz1", [staff[0]])]
    code = admin("GET", "/admin/channel-codes/store_gz1").json()
    assert code["status"] == "active" and code["config_id"] == again["config_id"]


def test_an_edit_by_another_container_reaches_the_lookup_within_the_revalidation_time(chain):
    """The admin server answers lookups from its copy of the corp's stores (stores/index.py). A write made
    elsewhere (here: this process, as the CLI or a job would) bumps the corp's version item; the server's
    copy is checked against it every 5 s, so the edit is seen within that (plus one reload)."""
    from scrm.stores.index import REVALIDATE_S

    admin, cid, staff = chain["admin"], chain["cid"], chain["staff"]
    rows = [{"store_id": "hz1", "name": "西湖店", "city": "杭州", "latitude": 30.2741, "longitude": 120.1551,
             "assistants": [staff[0]]}]
    assert admin("POST", "/admin/stores/import", {"rows": rows}).status_code == 200
    assert admin("POST", "/admin/stores/codes").json()["pending"] == 0
    near = {"lat": "30.2745", "lng": "120.1555"}
    assert _public(chain, "nearest", **near).json()["store"]["store_id"] == "hz1"  # the server's own write: at once
    assert _public(chain, "nearest", **near).json()["queries"] == 0  # from memory
    bootstrap.stores().update(cid, "hz1", {"latitude": 30.40})  # moved ~14 km north, by another container
    t = time.monotonic()
    gone = wait_for(lambda: (a := _public(chain, "nearest", **near).json())["store"] is None and a,
                    timeout_s=REVALIDATE_S + 10, what="the move seen by the lookup")
    assert gone["reason"] == "none_within_radius" and time.monotonic() - t < REVALIDATE_S + 3


def test_cli_import_codes_list_and_stats(stack, sandbox, chain, capsys, tmp_path):
    from tests.integration.cli_api import as_corp
    from tests.integration.test_cli import run

    cid, staff = chain["cid"], chain["staff"]
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"cd1,春熙路店,成都,,30.657,104.08,,{staff[0]},\ncd2,坏,成都,,30.6,181,,{staff[0]},\n",
                   encoding="utf-8")
    good = tmp_path / "stores.csv"
    good.write_text("\ufeff" + HEADER + f"cd1,春熙路店,成都,,30.657,104.08,1-7 09:00-22:00,{staff[0]},西南\n",
                    encoding="utf-8")
    with as_corp(stack, cid):
        code, out, err = run(capsys, "stores", "import", cid, str(bad))
        assert code == 1 and f"{bad}:3: longitude: must be between -180 and 180" in err, err
        code, out, err = run(capsys, "stores", "import", cid, str(good))
        assert code == 0 and "imported 1 store(s): 1 new" in out, err
        code, out, err = run(capsys, "stores", "codes", cid, "--wait")
        assert code == 0 and "still waiting 0" in out, err
        code, out, err = run(capsys, "stores", "list", cid, "--city", "成都")
        assert code == 0 and "春熙路店" in out and "active" in out, err
        code, out, err = run(capsys, "stores", "stats", cid, "--by", "city", "--csv")
        assert code == 0 and out.splitlines()[0] == "city,scans,adds,rate", out
        code, out, err = run(capsys, "stores", "stats", cid)
        assert code == 0 and out.startswith("stores by store"), out
