"""Store codes: geohash cells, the import's all-or-nothing checks by line and column, opening hours in China
time, the nearest open store through the cell index (never every store), contact ways made within the call
budget and resumed, and adds counted once per store and city."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest
from scrm.kernel.errors import InvalidInput, Throttled, WeComRefused
from scrm.kernel.events import parse_event
from scrm.stores import geohash
from scrm.stores.index import StoreIndex
from scrm.stores.model import open_at, parse_hours
from scrm.stores.service import RowsInvalid, StoreAdds, Stores, parse_csv, stats_csv

from tests.unit.store_fakes import FakeStaff, FakeStoreCodes, FakeStoreRepo

CORP = "wwcorp"
HEADER = "store_id,name,city,address,latitude,longitude,hours,assistants,group\n"
# 2024-01-03 is a Wednesday; 12:00 China time
NOON_WED = datetime(2024, 1, 3, 4, 0, tzinfo=UTC).timestamp()


def _service(clock: float = NOON_WED, copy: bool = True) -> tuple[Stores, FakeStoreRepo, FakeStoreCodes]:
    """``copy=False``: the corp is too large to hold in memory (max_stores 0): every lookup reads cells."""
    repo, codes = FakeStoreRepo(), FakeStoreCodes()
    index = StoreIndex(repo) if copy else StoreIndex(repo, max_stores=0)
    return Stores(repo, codes, FakeStaff({"u1", "u2", "u3"}), clock=lambda: clock, index=index), repo, codes


# geohash ------------------------------------------------------------------------------------------
def test_geohash_matches_the_reference_vectors_and_neighbours_touch():
    assert geohash.encode(57.64911, 10.40744, 11) == "u4pruydqqvj"
    assert geohash.encode(31.2304, 121.4737, 5) == "wtw3s"
    cells = geohash.block(31.2304, 121.4737, 5)
    assert len(geohash.quad(31.2304, 121.4737, 5)) == 4 and geohash.quad(31.2304, 121.4737, 5)[0] == "wtw3s"
    assert len(cells) == 9 and cells[4] == "wtw3s" and len(set(cells)) == 9
    lat_lo, lat_hi, lng_lo, lng_hi = geohash.bounds("wtw3s")
    assert lat_lo <= 31.2304 < lat_hi and lng_lo <= 121.4737 < lng_hi
    # every point within the block's coverage of a point lies in one of the 9 cells
    rng = random.Random(7)
    for _ in range(300):
        lat, lng = rng.uniform(18, 53), rng.uniform(73, 135)
        reach = geohash.coverage_m(lat, 5)
        for bearing in range(0, 360, 45):
            dlat = reach * 0.99 / geohash.EARTH_M * 57.29578 * __import__("math").cos(__import__("math").radians(bearing))
            dlng = reach * 0.99 / geohash.EARTH_M * 57.29578 * __import__("math").sin(__import__("math").radians(bearing)) / __import__("math").cos(__import__("math").radians(lat))
            assert geohash.encode(lat + dlat, lng + dlng, 5) in geohash.block(lat, lng, 5)
        quad_reach = geohash.quad_coverage_m(lat, 5)
        for bearing in range(0, 360, 30):
            b = math.radians(bearing)
            dlat = quad_reach * 0.99 / geohash.EARTH_M * 57.29578 * math.cos(b)
            dlng = quad_reach * 0.99 / geohash.EARTH_M * 57.29578 * math.sin(b) / math.cos(math.radians(lat))
            assert geohash.encode(lat + dlat, lng + dlng, 5) in geohash.quad(lat, lng, 5)


def test_haversine_distance():
    assert geohash.distance_m(31.2304, 121.4737, 39.9042, 116.4074) == pytest.approx(1_067_000, rel=0.01)
    assert geohash.distance_m(30, 120, 30, 120) == 0


# hours --------------------------------------------------------------------------------------------
def test_hours_forms_and_open_in_china_time():
    assert parse_hours("09:00-21:00")["3"] == ["09:00-21:00"]
    week = parse_hours("1-5 09:00-12:00,13:00-21:00; 6-7 10:00-22:00")
    assert week["1"] == ["09:00-12:00", "13:00-21:00"] and week["7"] == ["10:00-22:00"]
    assert parse_hours({"1": ["09:00-18:00"]}) == {"1": ["09:00-18:00"]}
    assert parse_hours("") == {}
    for bad in ("9-21", "8 09:00-10:00", "1-5", "10:00-10:00", "5-1 09:00-10:00", "25:00-26:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)
    wed = parse_hours("1-5 09:00-21:00")
    assert open_at(wed, datetime(2024, 1, 3, 4, 0, tzinfo=UTC))  # 12:00 Wednesday China time
    assert not open_at(wed, datetime(2024, 1, 3, 14, 0, tzinfo=UTC))  # 22:00
    assert not open_at(wed, datetime(2024, 1, 6, 4, 0, tzinfo=UTC))  # Saturday
    bar = parse_hours("5 18:00-02:00")
    assert open_at(bar, datetime(2024, 1, 5, 17, 30, tzinfo=UTC))  # Saturday 01:30 China time, Friday's night
    assert not open_at(bar, datetime(2024, 1, 5, 19, 0, tzinfo=UTC))  # Saturday 03:00
    assert open_at({}, datetime(2024, 1, 5, 19, 0, tzinfo=UTC))


# import -------------------------------------------------------------------------------------------
def test_a_bad_import_names_every_bad_row_by_line_and_column_and_writes_nothing():
    service, repo, _ = _service()
    text = HEADER + (
        "s1,静安店,上海,南京西路1号,31.23,121.47,09:00-21:00,u1|u2,华东\n"
        "s2,徐汇店,上海,,31.19,121.43,,u9,\n"  # line 3: unknown member
        "s3,坏店,上海,,95,121.4,,u1,\n"  # line 4: latitude
        "s1,重复,上海,,31.2,121.4,,u1,\n"  # line 5: duplicate id
        "\n"
        "s 4,,北京,,39.9,abc,1-5 9-21,,\n"  # line 7
    )
    with pytest.raises(RowsInvalid) as caught:
        service.import_csv(CORP, text)
    got = [(d["line"], d["column"]) for d in caught.value.details]
    assert got == [(3, "assistants"), (4, "latitude"), (5, "store_id"),
                   (7, "store_id"), (7, "name"), (7, "longitude"), (7, "hours"), (7, "assistants")]
    assert next(d for d in caught.value.details if d["line"] == 4)["message"] == "must be between -90 and 90"
    assert repo.stores == {} and repo.todo_ids == {}


def test_unknown_header_and_json_rows():
    service, repo, _ = _service()
    with pytest.raises(RowsInvalid) as caught:
        parse_csv("store_id,name,lat\n1,a,2\n")
    assert caught.value.details == [{"line": 1, "column": "lat", "message": caught.value.details[0]["message"]}]
    result = service.import_json(CORP, [
        {"store_id": "a1", "name": "A", "city": "杭州", "latitude": 30.27, "longitude": 120.15, "assistants": ["u1"]},
    ])
    assert result == {"imported": 1, "created": 1, "updated": 0, "unchanged": 0, "codes_pending": 1}
    assert service.import_json(CORP, [{"store_id": "a1", "name": "A", "city": "杭州", "latitude": 30.27,
                                       "longitude": 120.15, "assistants": ["u1"]}])["unchanged"] == 1
    with pytest.raises(RowsInvalid) as caught:
        service.import_json(CORP, [{"store_id": "a2", "name": "B", "city": "杭州", "latitude": "x", "longitude": 1,
                                    "assistants": ["u1"], "colour": "red"}])
    assert [(d["line"], d["column"]) for d in caught.value.details] == [(1, "colour"), (1, "latitude")]


def _chain(service: Stores, n: int = 4) -> None:
    text = HEADER + "".join([
        "sh1,静安店,上海,南京西路1号,31.2304,121.4737,09:00-21:00,u1|u2,华东\n",
        "sh2,徐汇店,上海,漕溪北路2号,31.1950,121.4370,10:00-22:00,u3,华东\n",
        "sh3,夜店,上海,外滩3号,31.2400,121.4900,1-7 22:00-23:00,u1,\n",
        "bj1,国贸店,北京,建国门外4号,39.9087,116.4605,,u2,华北\n",
    ][:n])
    service.import_csv(CORP, text)


# contact ways -------------------------------------------------------------------------------------
def test_provisioning_makes_each_code_resumes_after_a_spent_budget_and_adopts_a_half_made_one():
    service, repo, codes = _service()
    _chain(service)
    codes.refuse["store_sh2"] = Throttled("externalcontact/add_contact_way", 30)
    first = service.provision(CORP)
    assert first["throttled"] and first["made"] == 2 and first["pending"] == 2  # bj1, sh1; sh2 stopped it
    # a run that made sh3 in WeCom but stopped before writing the store: the next run adopts it
    codes.create_channel(CORP, {"state": "store_sh3", "name": "x", "staff": ["u1"]})
    second = service.provision(CORP)
    assert second == {"throttled": False, "made": 2, "failed": 0, "pending": 0}
    assert [c[1] for c in codes.calls if c[0] == "create"].count("store_sh3") == 2  # once by hand, once refused
    made = {s.store_id: s for s in repo.all(CORP)}
    assert all(s.code_status == "active" and s.qr_code for s in made.values())
    body = next(c[2] for c in codes.calls if c[0] == "create" and c[1] == "store_bj1")
    assert body["group"] == "门店活码" and body["staff"] == ["u2"] and body["name"] == "门店·国贸店"


def test_a_refused_code_is_shown_on_the_store_and_the_template_reaches_every_code():
    service, repo, codes = _service()
    service.save_settings(CORP, {"code": {"tags": ["t1"], "daily_cap": 20}})
    with pytest.raises(InvalidInput):
        service.save_settings(CORP, {"code": {"state": "x"}})
    _chain(service, 2)
    codes.refuse["store_sh1"] = WeComRefused(41054, "not activated")
    assert service.provision(CORP)["failed"] == 1
    failed = repo.get(CORP, "sh1")
    assert failed is not None and failed.code_status == "failed" and "41054" in failed.code_error
    # an edit of the failed store makes it wait for its code again; the next run makes it
    service.update(CORP, "sh1", {"assistants": ["u2"]})
    assert repo.get(CORP, "sh1").code_status == "pending" and service.provision(CORP)["made"] == 1
    assert repo.get(CORP, "sh1").code_status == "active"
    body = next(c[2] for c in codes.calls if c[1] == "store_sh2")
    assert body["tags"] == ["t1"] and body["daily_cap"] == 20


def test_edit_updates_the_contact_way_and_delete_removes_it():
    service, repo, codes = _service()
    _chain(service, 1)
    service.provision(CORP)
    service.update(CORP, "sh1", {"assistants": ["u3"], "address": "新地址"})
    assert codes.calls[-1] == ("update", "store_sh1", {"name": "门店·静安店", "staff": ["u3"]})
    with pytest.raises(InvalidInput) as caught:
        service.update(CORP, "sh1", {"latitude": 100})
    assert caught.value.field == "latitude"
    with pytest.raises(InvalidInput):
        service.update(CORP, "sh1", {"assistants": ["nobody"]})
    service.delete(CORP, "sh1")
    assert codes.calls[-1] == ("delete", "store_sh1", None) and repo.get(CORP, "sh1") is None


def test_a_store_deleted_and_imported_again_gets_its_code_back_with_the_same_state():
    """The deleted channel code keeps ``store_sh1`` for its statistics, so the new import's code is that
    code restored on a new contact way, not a refusal asking for another store id."""
    service, repo, codes = _service()
    service.save_settings(CORP, {"code": {"tags": ["t1"]}})
    _chain(service, 1)
    service.provision(CORP)
    first = repo.get(CORP, "sh1")
    assert first is not None
    service.delete(CORP, "sh1")
    assert codes.codes[(CORP, "store_sh1")]["status"] == "deleted"
    _chain(service, 1)
    assert service.provision(CORP) == {"throttled": False, "made": 1, "failed": 0, "pending": 0}
    again = repo.get(CORP, "sh1")
    assert again is not None and again.code_status == "active" and again.config_id != first.config_id
    kind, state, body = codes.calls[-1]
    assert (kind, state) == ("restore", "store_sh1")
    assert body["tags"] == ["t1"] and body["group"] == "门店活码" and body["staff"] == ["u1", "u2"]
    assert codes.codes[(CORP, "store_sh1")]["status"] == "active"


# the nearest store --------------------------------------------------------------------------------
@pytest.mark.parametrize("copy", [True, False], ids=["in-memory", "cells-in-dynamodb"])
def test_nearest_open_store_within_the_radius_reading_cells_only(copy):
    service, repo, _ = _service(copy=copy)
    _chain(service)
    service.provision(CORP)
    found = service.nearest(CORP, 31.2310, 121.4740)
    assert found["store"]["store_id"] == "sh1" and found["distance_m"] < 100 and found["reason"] == "nearest"
    assert found["cells"] == 4 and "assistants" not in found["store"]  # the 4 fine cells around the point
    assert repo.cell_reads == (0 if copy else 4)
    # sh3 is nearest to the Bund but closed at noon: the nearest open one is sh1
    assert service.nearest(CORP, 31.2400, 121.4900)["store"]["store_id"] == "sh1"
    # far from every store
    none = service.nearest(CORP, 23.13, 113.26)
    assert none["store"] is None and none["reason"] == "none_within_radius"
    # a radius too small for sh1 from 2 km away
    assert service.nearest(CORP, 31.2304, 121.4950, radius_km=1.0)["store"] is None
    # a remembered store answers again while it serves and is open, wherever the customer is
    again = service.nearest(CORP, 31.2304, 121.4737, prefer="bj1")
    assert again["store"]["store_id"] == "bj1" and again["remembered"]
    assert service.nearest(CORP, 31.2304, 121.4737, prefer="sh3")["store"]["store_id"] == "sh1"  # closed


@pytest.mark.parametrize("copy", [True, False], ids=["in-memory", "cells-in-dynamodb"])
def test_nearest_widens_to_coarser_cells_when_the_nearest_is_beyond_the_fine_block(copy):
    service, repo, _ = _service(copy=copy)
    service.import_json(CORP, [{"store_id": "far", "name": "F", "city": "上海", "latitude": 31.2304,
                                "longitude": 121.4737 + 0.08, "assistants": ["u1"]}])  # ~7.6 km east
    service.provision(CORP)
    found = service.nearest(CORP, 31.2304, 121.4737, radius_km=9)
    assert found["store"]["store_id"] == "far" and found["precision"] == 4 and found["cells"] == 8
    assert found["queries"] == (3 if copy else 2 + 8)  # the version, the count (+ the stores, once, in memory)


@pytest.mark.parametrize("copy", [True, False], ids=["in-memory", "cells-in-dynamodb"])
def test_nearest_is_exact_against_a_brute_force_over_many_stores(copy):
    service, repo, _ = _service(copy=copy)
    rng = random.Random(21)
    rows = [{"store_id": f"s{i}", "name": f"店{i}", "city": "测试", "latitude": rng.uniform(30.0, 31.0),
             "longitude": rng.uniform(120.0, 121.0), "assistants": ["u1"]} for i in range(400)]
    service.import_json(CORP, rows)
    service.provision(CORP, budget_s=60)
    for _ in range(60):
        lat, lng = rng.uniform(29.95, 31.05), rng.uniform(119.95, 121.05)
        best = min(rows, key=lambda r: (geohash.distance_m(lat, lng, r["latitude"], r["longitude"]), r["store_id"]))
        d = geohash.distance_m(lat, lng, best["latitude"], best["longitude"])
        found = service.nearest(CORP, lat, lng, radius_km=5)
        if d <= 5000:
            assert found["store"]["store_id"] == best["store_id"]
        else:
            assert found["store"] is None


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_lookups_read_the_corps_stores_once_then_answer_from_memory():
    service, repo, _ = _service()
    _chain(service)
    service.provision(CORP)
    first = service.nearest(CORP, 31.2310, 121.4740)
    reads = (repo.all_reads, repo.version_reads)
    for _ in range(20):
        again = service.nearest(CORP, 31.2310, 121.4740)
        assert again["store"] == first["store"] and again["queries"] == 0
    assert [s["store_id"] for s in service.in_city(CORP, "上海")["items"]] == ["sh2", "sh1", "sh3"]  # open first, by name
    assert service.cities(CORP)["items"] == [{"city": "上海", "stores": 3}, {"city": "北京", "stores": 1}]
    assert repo.cell_reads == 0 and (repo.all_reads, repo.version_reads) == reads  # no read at all


def test_another_containers_edit_is_seen_within_the_revalidation_time_and_no_reload_without_one():
    ticks = Ticks()
    repo, codes, staff = FakeStoreRepo(), FakeStoreCodes(), FakeStaff({"u1", "u2", "u3"})
    a = Stores(repo, codes, staff, clock=lambda: NOON_WED, index=StoreIndex(repo, revalidate_s=5, monotonic=ticks))
    b = Stores(repo, codes, staff, clock=lambda: NOON_WED, index=StoreIndex(repo, revalidate_s=5, monotonic=ticks))
    _chain(b)
    b.provision(CORP)
    assert a.nearest(CORP, 31.2310, 121.4740)["store"]["store_id"] == "sh1"
    loads = repo.all_reads
    ticks.now += 6  # past the revalidation time, nothing changed: one version read, no reload
    checked = a.nearest(CORP, 31.2310, 121.4740)
    assert checked["queries"] == 1 and repo.all_reads == loads
    b.delete(CORP, "sh1")  # another container deletes the store
    loads = repo.all_reads
    ticks.now += 4.9  # within the bound this container may still answer it
    assert a.nearest(CORP, 31.2310, 121.4740)["store"]["store_id"] == "sh1"
    ticks.now += 0.2  # 5 s after its last check: the version moved, the corp is read again
    moved = a.nearest(CORP, 31.2310, 121.4740, radius_km=9)
    assert moved["store"]["store_id"] == "sh2" and repo.all_reads == loads + 1
    assert "sh1" not in {s["store_id"] for s in a.in_city(CORP, "上海")["items"]}
    # the writing container sees its own write at once
    b.update(CORP, "sh2", {"hours": "1-7 22:00-23:00"})  # closed at noon
    assert b.nearest(CORP, 31.2310, 121.4740, radius_km=9)["store"] is None


def test_a_corp_too_large_to_copy_is_looked_up_in_its_cells_and_its_size_checked_once_per_version():
    ticks = Ticks()
    repo, codes = FakeStoreRepo(), FakeStoreCodes()
    service = Stores(repo, codes, FakeStaff({"u1", "u2", "u3"}), clock=lambda: NOON_WED,
                     index=StoreIndex(repo, max_stores=3, monotonic=ticks))
    _chain(service)  # 4 stores
    service.provision(CORP)
    loads = repo.all_reads
    for _ in range(3):
        assert service.nearest(CORP, 31.2310, 121.4740)["store"]["store_id"] == "sh1"
    assert repo.all_reads == loads and repo.cell_reads == 12  # never the whole corp: the cells, each lookup
    assert repo.version_reads == 1  # then no version read until the revalidation time passed
    ticks.now += 10
    assert service.nearest(CORP, 31.2310, 121.4740)["queries"] == 1 + 4


def test_a_container_holds_a_bounded_number_of_stores_dropping_the_corp_least_recently_asked():
    repo, codes = FakeStoreRepo(), FakeStoreCodes()
    index = StoreIndex(repo, max_held=6)
    service = Stores(repo, codes, FakeStaff({"u1", "u2", "u3"}), clock=lambda: NOON_WED, index=index)
    _chain(service)  # 4 stores of CORP
    other = "wwother"
    service.import_json(other, [{"store_id": f"o{i}", "name": f"店{i}", "city": "杭州", "latitude": 30.27,
                                 "longitude": 120.15 + i / 100, "assistants": ["u1"]} for i in range(3)])
    service.provision(CORP)
    service.provision(other)
    assert service.nearest(CORP, 31.2310, 121.4740)["queries"] == 3  # read
    assert service.nearest(CORP, 31.2310, 121.4740)["queries"] == 0  # held
    assert service.nearest(other, 30.27, 120.15)["store"]["store_id"] == "o0"  # 4 + 3 > 6: CORP is dropped
    assert service.nearest(other, 30.27, 120.15)["queries"] == 0
    again = service.nearest(CORP, 31.2310, 121.4740)
    assert again["store"]["store_id"] == "sh1" and again["queries"] == 3  # read again (and other dropped)
    assert service.nearest(other, 30.27, 120.15)["queries"] == 3


def test_provisioning_bumps_the_version_once_per_run_not_per_code():
    """5,000 codes made one by one would move the version thousands of times: every container's copy would be
    read again every 5 s for the whole run. Once per run instead (also when the budget stops it)."""
    service, repo, codes = _service()
    _chain(service)
    v = repo.versions[CORP]
    assert service.provision(CORP, most=2)["made"] == 2 and repo.versions[CORP] == v + 1
    assert service.provision(CORP)["made"] == 2 and repo.versions[CORP] == v + 2
    assert service.provision(CORP)["made"] == 0 and repo.versions[CORP] == v + 2  # nothing written: no bump
    assert service.nearest(CORP, 31.2310, 121.4740)["store"]["store_id"] == "sh1"


# statistics ---------------------------------------------------------------------------------------
def _add_event(state: str, ext: str, uid: str = "u1") -> object:
    return parse_event({"ToUserName": CORP, "CreateTime": str(int(NOON_WED)), "MsgType": "event",
                        "Event": "change_external_contact", "ChangeType": "add_external_contact",
                        "UserID": uid, "ExternalUserID": ext, "State": state})


def test_scans_and_adds_per_store_and_city_counted_once():
    service, repo, _ = _service()
    _chain(service)
    service.provision(CORP)
    adds = StoreAdds(repo)
    for _ in range(3):
        service.scan(CORP, "sh1")
    service.scan(CORP, "bj1")
    assert adds.observe(_add_event("store_sh1", "wmA"), "e1") == ["store:counted"]
    assert adds.observe(_add_event("store_sh1", "wmA"), "e1") == ["store:counted_before"]
    assert adds.observe(_add_event("store_sh2", "wmB", "u3"), "e2") == ["store:counted"]
    assert adds.observe(_add_event("cOTHER", "wmC"), "e3") == []
    by_store = service.stats(CORP, {})
    assert [(r["store"], r["scans"], r["adds"]) for r in by_store["items"]] == [
        ("sh1", 3, 1), ("sh2", 0, 1), ("bj1", 1, 0)]
    assert by_store["totals"] == {"scans": 4, "adds": 2} and by_store["by_day"] == [
        {"day": "2024-01-03", "scans": 4, "adds": 2}]
    by_city = service.stats(CORP, {"by": "city"})
    assert [(r["city"], r["scans"], r["adds"]) for r in by_city["items"]] == [("上海", 3, 2), ("北京", 1, 0)]
    assert stats_csv(by_city).splitlines()[1] == "上海,3,2,0.6667"
    # a name typed by people is a cell a spreadsheet must not run; the header stands with no rows too
    typed = {"by": "store", "items": [{"store": "x1", "name": "=HYPERLINK(1)", "city": "-上海", "scans": 1,
                                       "adds": 0, "rate": 0.0, "day": "ignored"}]}
    assert stats_csv(typed).splitlines()[1] == "x1,'=HYPERLINK(1),'-上海,1,0,0.0"
    assert stats_csv({"by": "city", "items": []}) == "\ufeffcity,scans,adds,rate\r\n"
    with pytest.raises(InvalidInput):
        service.stats(CORP, {"by": "day"})
    with pytest.raises(InvalidInput):
        service.stats(CORP, {"from": "2024-13-01"})


def test_a_store_may_show_a_group_code_that_exists_and_is_active():
    service, repo, codes = _service()
    codes.groups[(CORP, "g1")] = {"code_id": "g1", "status": "active", "qr_code": "https://wework.qpic.cn/wwpic/g1"}
    codes.groups[(CORP, "gone")] = {"code_id": "gone", "status": "deleted", "qr_code": "x"}
    row = {"store_id": "s1", "name": "A", "city": "上海", "latitude": 31.2, "longitude": 121.4, "assistants": ["u1"]}
    with pytest.raises(RowsInvalid) as caught:
        service.import_json(CORP, [{**row, "group_code": "gone"}, {**row, "store_id": "s2", "group_code": "nope"},
                                   {**row, "store_id": "s3", "group_code": "bad code!"}])
    assert [(d["line"], d["column"]) for d in caught.value.details] == [
        (1, "group_code"), (2, "group_code"), (3, "group_code")]
    service.import_json(CORP, [{**row, "group_code": "g1"}])
    service.provision(CORP)
    assert service.nearest(CORP, 31.2, 121.4)["store"]["group_qr_code"] == "https://wework.qpic.cn/wwpic/g1"
    with pytest.raises(InvalidInput) as refused:
        service.update(CORP, "s1", {"group_code": "gone"})
    assert refused.value.field == "group_code"
    assert service.update(CORP, "s1", {"group_code": ""})["group_qr_code"] == ""
