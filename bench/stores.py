"""The one code for all stores (门店活码, issue 21, part ``stores``): 5,000 stores spread over China, the
nearest-store lookup through the landing page's real route.

A sandbox corp of 50 members (the directory written into our store untimed, as a sync leaves it). Then:

1. **Import**: one ``POST /admin/stores/import`` of a CSV of ``stores`` stores (default 5,000) in 60 cities,
   each store within ~15 km of its city's centre, 1 in 10 open only 10:00-18:00 China time (the others always,
   so that the figures do not depend on the hour the bench runs): the request's time.
2. **Contact ways**: ``POST /admin/stores/codes`` again until none is waiting (each call works 20 s), through
   the channel-code machinery within the corp's shared WeCom budget: wall time, add_contact_way calls
   against the floor (one per store), stores failed.
3. **Lookup**: ``lookups`` (default 2,000) ``GET /admin/public/stores/nearest`` one after another over HTTP:
   7 in 10 within 3 km of a random store (a customer in a shop street), 3 in 10 anywhere in China's box
   (many far from every store: the answer is the picker). p50 / p99, the DynamoDB calls per lookup the admin
   process made (its /stats) and the queries the route reports, how many found a store; then the same with
   8 concurrent customers. Before them, the first lookup (it reads the corp's 5,000 stores into the admin
   process's copy) and the first after an edit (the same read again), timed alone.
"""

from __future__ import annotations

import math
import random
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.moments import _seed_members
from devstack import aws_calls
from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack

CITIES = [  # (name, latitude, longitude): 60 cities, east-heavy as chains are
    ("上海", 31.2304, 121.4737), ("北京", 39.9042, 116.4074), ("广州", 23.1291, 113.2644), ("深圳", 22.5431, 114.0579),
    ("杭州", 30.2741, 120.1551), ("南京", 32.0603, 118.7969), ("苏州", 31.2989, 120.5853), ("成都", 30.5728, 104.0668),
    ("重庆", 29.5630, 106.5516), ("武汉", 30.5928, 114.3055), ("西安", 34.3416, 108.9398), ("天津", 39.3434, 117.3616),
    ("长沙", 28.2282, 112.9388), ("郑州", 34.7466, 113.6254), ("青岛", 36.0671, 120.3826), ("沈阳", 41.8057, 123.4315),
    ("大连", 38.9140, 121.6147), ("厦门", 24.4798, 118.0894), ("福州", 26.0745, 119.2965), ("宁波", 29.8683, 121.5440),
    ("无锡", 31.4912, 120.3119), ("济南", 36.6512, 117.1201), ("合肥", 31.8206, 117.2272), ("昆明", 25.0389, 102.7183),
    ("南宁", 22.8170, 108.3665), ("贵阳", 26.6470, 106.6302), ("南昌", 28.6820, 115.8579), ("太原", 37.8706, 112.5489),
    ("石家庄", 38.0428, 114.5149), ("哈尔滨", 45.8038, 126.5350), ("长春", 43.8171, 125.3235), ("兰州", 36.0611, 103.8343),
    ("乌鲁木齐", 43.8256, 87.6168), ("呼和浩特", 40.8426, 111.7492), ("银川", 38.4872, 106.2309), ("西宁", 36.6171, 101.7782),
    ("海口", 20.0440, 110.1999), ("三亚", 18.2528, 109.5120), ("拉萨", 29.6500, 91.1000), ("东莞", 23.0207, 113.7518),
    ("佛山", 23.0218, 113.1219), ("珠海", 22.2710, 113.5767), ("温州", 27.9943, 120.6994), ("绍兴", 30.0023, 120.5810),
    ("嘉兴", 30.7467, 120.7555), ("常州", 31.8112, 119.9741), ("南通", 31.9802, 120.8943), ("徐州", 34.2044, 117.2859),
    ("烟台", 37.4638, 121.4479), ("潍坊", 36.7069, 119.1619), ("泉州", 24.8741, 118.6757), ("洛阳", 34.6197, 112.4540),
    ("唐山", 39.6305, 118.1802), ("保定", 38.8739, 115.4646), ("扬州", 32.3942, 119.4129), ("台州", 28.6564, 121.4208),
    ("金华", 29.0791, 119.6474), ("惠州", 23.1115, 114.4161), ("中山", 22.5176, 113.3926), ("柳州", 24.3264, 109.4281),
]
CHINA_BOX = (18.0, 53.5, 73.5, 134.8)  # lat_lo, lat_hi, lng_lo, lng_hi
HEADER = "store_id,name,city,address,latitude,longitude,hours,assistants,group\n"


def _ms(samples: list[float]) -> dict[str, Any]:
    s = sorted(samples)
    return {"n": len(s), "p50_ms": round(statistics.median(s), 1),
            "p99_ms": round(s[min(len(s) - 1, math.ceil(0.99 * len(s)) - 1)], 1), "max_ms": round(s[-1], 1)}


def _offset(lat: float, lng: float, km: float, rng: random.Random) -> tuple[float, float]:
    """A point up to ``km`` from (lat, lng), uniform over the disc."""
    r, a = km * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    return lat + r * math.cos(a) / 111.0, lng + r * math.sin(a) / (111.0 * math.cos(math.radians(lat)))


def chain(n: int, staff: list[str], seed: int = 21) -> tuple[str, list[tuple[float, float]]]:
    """The CSV of ``n`` stores and their coordinates: cities weighted by their rank (Shanghai most)."""
    rng = random.Random(seed)
    weights = [1 / (i + 1) ** 0.6 for i in range(len(CITIES))]
    rows, where = [HEADER], []
    for i in range(n):
        name, lat, lng = rng.choices(CITIES, weights)[0]
        slat, slng = _offset(lat, lng, 15.0, rng)
        hours = "10:00-18:00" if i % 10 == 9 else ""  # 9 in 10 always open: the bench runs at any hour
        helpers = "|".join(rng.sample(staff, 2))
        rows.append(f"st{i:05d},{name}{i:05d}店,{name},{name}某路{i}号,{slat:.6f},{slng:.6f},{hours},{helpers},{name}\n")
        where.append((slat, slng))
    return "".join(rows), where


def _points(where: list[tuple[float, float]], n: int, seed: int = 7) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i % 10 < 7:
            out.append(_offset(*rng.choice(where), 3.0, rng))
        else:
            out.append((rng.uniform(CHINA_BOX[0], CHINA_BOX[1]), rng.uniform(CHINA_BOX[2], CHINA_BOX[3])))
    return out


def _lookups(stack: Stack, corp_id: str, points: list[tuple[float, float]], workers: int) -> dict[str, Any]:
    samples: list[float] = []
    found = queries = 0
    non_200: dict[int, int] = {}
    lock = threading.Lock()
    url = f"{stack.admin_url}/admin/public/stores/nearest"

    def one(p: tuple[float, float], http: requests.Session) -> None:
        nonlocal found, queries
        t = time.perf_counter()
        r = http.get(url, params={"corp": corp_id, "lat": f"{p[0]:.6f}", "lng": f"{p[1]:.6f}"}, timeout=60)
        ms = (time.perf_counter() - t) * 1000
        with lock:
            samples.append(ms)
            if r.status_code != 200:
                non_200[r.status_code] = non_200.get(r.status_code, 0) + 1
                return
            body = r.json()
            found += body["store"] is not None
            queries += int(body["queries"])

    def worker(chunk: list[tuple[float, float]]) -> None:
        http = requests.Session()
        for p in chunk:
            one(p, http)

    before = stack.admin_stats()["aws_calls"]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, [points[i::workers] for i in range(workers)]))
    wall = time.perf_counter() - t0
    calls = aws_calls.delta(before, stack.admin_stats()["aws_calls"])
    dynamo = {k.split(":", 1)[1]: v for k, v in calls.items() if k.startswith("dynamodb:")}
    n = len(samples)
    return {**_ms(samples), "concurrent": workers, "lookups_per_s": round(n / wall, 1), "found_a_store": found,
            "non_200": non_200, "queries_reported_per_lookup": round(queries / max(1, n - sum(non_200.values())), 2),
            "dynamodb_calls_per_lookup": round(sum(dynamo.values()) / n, 2),
            "dynamodb_by_operation_and_table": {k: round(v / n, 2) for k, v in sorted(dynamo.items())}}  # fmt: skip


def run(stack: Stack, sandbox: SandboxClient, stores: int = 5000, lookups: int = 2000) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.corps.api_key import Role
    from scrm.corps.corp import Corp

    corp_id = "wwstores" + uuid.uuid4().hex[:8]
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id,
                               seed={"employees": 50, "customers_per_employee": 0, "groups": 0, "seed": 21})
    bootstrap.corp_registry().register(Corp(corp_id, info["token"], info["aes_key"], info["secret"]))
    staff = sorted(e["userid"] for e in sandbox.corp(corp_id)["employees"])
    _seed_members(corp_id, staff)
    key = bootstrap.api_keys().create(corp_id, Role.ADMIN, "bench")["key"]
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {key}"
    api = stack.admin_url
    text, where = chain(stores, staff)

    # 1. import
    t = time.monotonic()
    r = http.post(f"{api}/admin/stores/import", json={"csv": text}, timeout=600)
    r.raise_for_status()
    imported = {"request_s": round(time.monotonic() - t, 1), "csv_kb": len(text.encode()) // 1024, **r.json()}

    # 2. contact ways, held from the stack's own minute job so the calls are the route's
    since = sandbox.call_counts(corp_id)["last_seq"]
    t = time.monotonic()
    calls = 0
    made = failed = 0
    with stack.schedules_held():
        while True:
            answer = http.post(f"{api}/admin/stores/codes", timeout=120).json()
            calls += 1
            made, failed = made + answer["made"], failed + answer["failed"]
            if not answer["pending"]:
                break
            if answer.get("throttled"):
                time.sleep(min(30.0, float(answer.get("retry_after_s") or 1)))
    wecom = sandbox.call_counts(corp_id, since)["counts"]
    codes = {"wall_s": round(time.monotonic() - t, 1), "made": made, "failed": failed, "api_calls": calls,
             "add_contact_way": int(wecom.get("externalcontact/add_contact_way", 0)), "floor": stores,
             "per_s": round(made / max(0.001, time.monotonic() - t), 1)}  # fmt: skip

    # 3. lookups: the first reads the corp's stores into the admin process's copy (stores/index.py), as the
    # first lookup after an edit does; a few more warm the route (corp cache, connection pools); then measured
    points = _points(where, lookups)
    url = f"{api}/admin/public/stores/nearest"

    def timed(p: tuple[float, float]) -> dict[str, Any]:
        t0 = time.perf_counter()
        body = requests.get(url, params={"corp": corp_id, "lat": f"{p[0]:.6f}", "lng": f"{p[1]:.6f}"}, timeout=60).json()
        return {"ms": round((time.perf_counter() - t0) * 1000, 1), "queries": body["queries"]}

    reload = {"first_lookup": timed(points[0])}
    edited = http.put(f"{api}/admin/stores/st00000", json={"hours": ""}, timeout=60)  # an edit: the copy is stale
    edited.raise_for_status()
    reload["after_an_edit"] = timed(points[1])
    _lookups(stack, corp_id, points[:20], 1)
    serial = _lookups(stack, corp_id, points, 1)
    concurrent = _lookups(stack, corp_id, points, 8)
    return {"stores": stores, "cities": len(CITIES), "import": imported, "codes": codes, "reload": reload,
            "lookup_serial": serial, "lookup_concurrent_8": concurrent}
