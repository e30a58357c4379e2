"""``make bench PARTS=sidebar``: what the employee sidebar costs (issue 19, item 7).

The corp is the sync part's 100,000-relation corp (``sync.LARGE``: 500 members × 200 relations, 300 tags,
2,000 groups of 20), seeded in the sandbox, and written into our store untimed as a full sync leaves it
(the sync itself is the sync part's subject, ~15 min): the members and the tag library through the store's
own save methods, the groups, the relations and the customers' profiles as BatchWrites of the very items
``save_group`` and ``sync_page`` create (massend.py does the same). Left out, to keep the part within a
few minutes: the tag members (the sidebar never reads them) and the profiles of the customers not opened
(a profile is read by its key: the table's size changes nothing). Each customer the bench opens gets 25 timeline
entries (the portrait shows the newest 20).

Measured over HTTP on the admin API process:
- the portrait, ``GET /admin/sidebar/customers/{id}``: ``members`` members logged in through the sidebar's
  OAuth flow (the sandbox's authorize page, then ``/admin/sidebar/auth/login``), all loading at once, each
  opening customers they serve; p50 / p99 and the DynamoDB calls per request the admin process made (its
  /stats, by operation and table), against the fewest the data shape allows (``MINIMUM_CALLS``);
- the group portrait, ``GET /admin/sidebar/groups/{chat_id}``, the same way over groups the members are in;
- ``GET /admin/sidebar/js-config``: 50 page loads at once with no ticket stored (each ticket fetched once?);
- the tickets over a simulated day: page loads every simulated minute with the sandbox's world clock
  advanced in steps, through the same ticket keeper and tokens table as the route, in this process (the
  admin process reads the real clock; here the keeper's clock is the sandbox's world clock): the ticket
  fetches the sandbox recorded (``get_jsapi_ticket``, ``ticket/get?type=agent_config``) per hour against
  the floor, one per ticket per 7,200 s.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from bench.sync import LARGE
from devstack import aws_calls
from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack

COOKIE = "__Host-scrm_sidebar"
STATE_COOKIE = "__Host-scrm_sidebar_state"
PAGE = "https://scrm.example.com/sidebar/"  # the page js-config signs
LOGIN_PAGE = "http://127.0.0.1:5174/sidebar/"  # where WeCom's OAuth sends the page back (a trusted domain)
TICKET_TTL_S = 7200
REFRESH_MARGIN_S = 300  # corps/access_token.py: a stored ticket is used while more than this is left
TICKET_APIS = ("get_jsapi_ticket", "ticket/get")
TIMELINE_ENTRIES = 25
# The fewest DynamoDB calls a customer portrait can make on this data shape, and why. The tables are
# separate (customers, follows, timeline, tags, group_members, groups, live codes, employees, stages, notes),
# and only a Query reads a partition of unknown keys: the customer's relations, the newest timeline entries,
# the customer's groups (the group_members' by_member index) and the newest notes (the stages' part) are four
# Queries, none needing another's answer. What the relations name (the tags, the codes by state, the
# members) and the groups the index names are keys: one BatchGetItem can read them across tables, with the
# customer's profile and the stages' config and record (keys known from the start). So 4 Queries + 1
# BatchGetItem = 5, in two rounds. The portrait makes 6: the stages' part (an Extra) reads its config and
# record in a BatchGetItem of its own. Every sidebar
MINIMUM_CALLS = {"customer": 5, "group": 3, "route": 3}
# A group: the group item and its members are one partition each (GetItem + Query, or one Query were they
# in one table), the staff's names one BatchGetItem after them: 3.


def _ms(samples: list[float]) -> dict[str, Any]:
    s = sorted(samples)
    return {"p50_ms": round(statistics.median(s), 1), "p99_ms": round(s[min(len(s) - 1, int(len(s) * 0.99))], 1),
            "max_ms": round(s[-1], 1), "samples": len(s)}  # fmt: skip


def _seed(stack: Stack, sandbox: SandboxClient, seed: dict[str, Any], members: int,
          per_member: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:  # fmt: skip
    """A sandbox corp and our store as a full sync leaves it (see the module's docstring); the members who
    will load portraits (those in the most groups) and the customers each opens (the first a warm-up)."""
    from scrm import bootstrap
    from scrm.corps.corp import Corp

    corp_id = "wwside" + uuid.uuid4().hex[:10]
    t0 = time.monotonic()
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id, seed=seed)
    bootstrap.corp_registry().register(
        Corp(corp_id, info["token"], info["aes_key"], info["secret"], str(info.get("agent_id", "")))
    )
    world = sandbox.corp(corp_id)
    out: dict[str, Any] = {"corp_id": corp_id, "agent_id": str(info.get("agent_id", "")),
                           "sandbox_seed_s": round(time.monotonic() - t0, 1)}  # fmt: skip
    served, in_groups = _served(world), _groups_of(world)
    who = sorted(served, key=lambda u: (-len(in_groups.get(u, [])), u))[:members]
    opened = {u: served[u][: per_member + 1] for u in who}
    print(f"    sandbox corp {corp_id} seeded in {out['sandbox_seed_s']} s; writing our store ...", flush=True)
    t0 = time.monotonic()
    out.update(_seed_store(corp_id, world, {e for exts in opened.values() for e in exts}))
    out["store_seed_s"] = round(time.monotonic() - t0, 1)
    print(f"    {out}", flush=True)
    return out, world, opened


class _World:
    """The sandbox world's JSON read through the gateway's own parsers (its answers have the same shape)."""

    def __init__(self, world: dict[str, Any]) -> None:
        self.groups = {g["chat_id"]: g for g in world["groups"]}
        self.tag_groups = world["tag_groups"]

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.endswith("groupchat/get"):
            return {"group_chat": self.groups[body["chat_id"]]}
        return {"tag_group": self.tag_groups}


def _seed_store(corp_id: str, world: dict[str, Any], opened: set[str], threads: int = 4) -> dict[str, Any]:
    from scrm.adapters.dynamo.models import CustomerItem, FollowItem
    from scrm.adapters.wecom.gateway import WeComGateway, _employee
    from scrm.customers.repository import DynamoStore

    from bench.massend import _rows

    store = DynamoStore()
    now_ms = int(time.time() * 1000)
    parsed = _World(world)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda e: store.save_employee(corp_id, _employee(e), now_ms), world["employees"]))
    store.save_tag_groups(corp_id, WeComGateway.get_tag_groups(parsed), now_ms)  # type: ignore[arg-type]
    t0 = time.monotonic()
    groups = [WeComGateway.get_group_chat(parsed, c) for c in parsed.groups]  # type: ignore[arg-type]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda chunk: _write_groups(corp_id, chunk, now_ms), [groups[i:i + 50] for i in range(0, len(groups), 50)]))
    groups_s = time.monotonic() - t0
    rows = _rows(world)
    profiles = [p for p in {p.external_userid: p for p, _ in rows}.values() if p.external_userid in opened]

    def customers(chunk: list[Any]) -> None:
        with CustomerItem.batch_write() as w:
            for p in chunk:
                w.save(store._customer_item(corp_id, p, now_ms))

    def follows(chunk: list[Any]) -> None:
        with FollowItem.batch_write() as w:
            for p, f in chunk:
                w.save(store._follow_item(corp_id, p, f, now_ms))

    t0 = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(customers, [profiles[i:i + 1000] for i in range(0, len(profiles), 1000)]))
        list(pool.map(follows, [rows[i:i + 1000] for i in range(0, len(rows), 1000)]))
    return {"employees": len(world["employees"]), "customers": len(world["customers"]),
            "profiles_written": len(profiles), "relations": len(rows),
            "groups": len(groups), "group_members": sum(len(g.members) for g in groups),
            "tags": sum(len(g["tag"]) for g in world["tag_groups"]), "groups_store_s": round(groups_s, 1),
            "relations_store_s": round(time.monotonic() - t0, 1)}  # fmt: skip


def _write_groups(corp_id: str, groups: list[Any], now_ms: int) -> None:
    """BatchWrites of the items ``save_group`` creates for a group new to us (its own item, every member)."""
    from scrm.adapters.dynamo.models import GroupItem, GroupMemberItem
    from scrm.customers.base_repository import _texts

    with GroupItem.batch_write() as w:
        for g in groups:
            w.save(GroupItem(f"{corp_id}#{g.chat_id}", corp_id=corp_id, chat_id=g.chat_id, name=g.name or None,
                             owner=g.owner or None, owner_pk=f"{corp_id}#{g.owner}" if g.owner else None,
                             create_sk=f"{g.create_time:010d}#{g.chat_id}", create_time=g.create_time,
                             notice=g.notice or None, member_version=g.member_version or None,
                             member_count=len(g.members), admins=set(g.admins) or None, status="active",
                             status_version=0, synced_at_ms=now_ms))  # fmt: skip
    with GroupMemberItem.batch_write() as w:
        for g in groups:
            for m in g.members:
                w.save(GroupMemberItem(f"{corp_id}#{g.chat_id}", m.member_id, corp_id=corp_id, chat_id=g.chat_id,
                                       member_id=m.member_id, member_pk=f"{corp_id}#{m.member_id}", type=m.type.value,
                                       status="member", join_time=m.join_time, join_scene=m.join_scene,
                                       synced_at_ms=now_ms, **_texts(m, "invitor", "group_nickname", "name")))  # fmt: skip


def _timeline(corp_id: str, customers: list[str], now: int) -> None:
    """TIMELINE_ENTRIES entries for each customer opened (a customer's tag edits and remarks, newest last)."""
    from scrm.adapters.dynamo.models import TimelineItem

    def write(chunk: list[str]) -> None:
        with TimelineItem.batch_write() as w:
            for ext in chunk:
                for i in range(TIMELINE_ENTRIES):
                    t = now - 86_400 * (TIMELINE_ENTRIES - i)
                    w.save(TimelineItem(f"{corp_id}#customer:{ext}", f"{t:010d}#5#bench{i:03d}", corp_id=corp_id,
                                        create_time=t, event="change_external_contact",
                                        change_type="edit_external_contact", entry={"external_userid": ext}))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, [customers[i:i + 40] for i in range(0, len(customers), 40)]))


def login(base: str, corp_id: str, userid: str) -> requests.Session:
    """The sidebar's login as the page does it: WeCom's OAuth link (the sandbox's authorize page, where
    ``userid`` confirms), then the login call with the code and state; a session with the sidebar's cookie."""
    http = requests.Session()
    r = http.get(f"{base}/admin/sidebar/auth/login-url", params={"corp_id": corp_id, "redirect_uri": LOGIN_PAGE},
                 timeout=60)  # fmt: skip
    r.raise_for_status()
    url, state = r.json()["url"], r.json()["state"]
    state_cookie = next(c.split(";", 1)[0].split("=", 1)[1] for c in r.raw.headers.getlist("Set-Cookie")
                        if c.startswith(STATE_COOKIE + "="))  # fmt: skip
    page = requests.post(url.split("#", 1)[0], data={"userid": userid, "action": "confirm"}, allow_redirects=False,
                         timeout=60)  # fmt: skip
    code = parse_qs(urlsplit(page.headers["Location"]).query)["code"][0]
    r = requests.post(f"{base}/admin/sidebar/auth/login", json={"corp_id": corp_id, "code": code, "state": state},
                      headers={"Cookie": f"{STATE_COOKIE}={state_cookie}"}, timeout=60)  # fmt: skip
    r.raise_for_status()
    session = next(c.split(";", 1)[0].split("=", 1)[1] for c in r.raw.headers.getlist("Set-Cookie")
                   if c.startswith(COOKIE + "="))  # fmt: skip
    http.headers["Cookie"] = f"{COOKIE}={session}"
    return http


def _dynamo(calls: dict[str, int], n: int) -> dict[str, Any]:
    """Per request: all DynamoDB calls, and by operation and table (``dynamodb:Query:follows``)."""
    mine = {k.split(":", 1)[1]: v for k, v in calls.items() if k.startswith("dynamodb:")}
    return {"dynamodb_calls_per_request": round(sum(mine.values()) / n, 2),
            "by_operation_and_table": {k: round(v / n, 2) for k, v in sorted(mine.items())}}  # fmt: skip


def _load(stack: Stack, sessions: dict[str, requests.Session], paths: dict[str, list[str]]) -> dict[str, Any]:
    """Every member's session loads its paths one after the other, all members at once (a barrier first)."""
    samples: list[float] = []
    failures: Counter[int] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(sessions))

    def member(userid: str) -> None:
        http = sessions[userid]
        barrier.wait()
        for path in paths[userid]:
            t = time.perf_counter()
            r = http.get(f"{stack.admin_url}{path}", timeout=60)
            ms = (time.perf_counter() - t) * 1000
            with lock:
                samples.append(ms)
                if r.status_code != 200:
                    failures[r.status_code] += 1

    before = stack.admin_stats()["aws_calls"]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(len(sessions)) as pool:
        list(pool.map(member, sessions))
    wall = time.perf_counter() - t0
    calls = aws_calls.delta(before, stack.admin_stats()["aws_calls"])
    return {**_ms(samples), "requests_per_s": round(len(samples) / wall, 1), "non_200": dict(failures),
            "concurrent_members": len(sessions), **_dynamo(calls, len(samples))}  # fmt: skip


def _ticket_fetches(sandbox: SandboxClient, corp_id: str, since: int) -> dict[str, int]:
    counts = sandbox.call_counts(corp_id, since)["counts"]
    return {api: int(counts.get(api, 0)) for api in TICKET_APIS}


def _cold_loads(stack: Stack, sandbox: SandboxClient, corp_id: str, sessions: list[requests.Session],
                n: int = 50) -> dict[str, Any]:  # fmt: skip
    """``n`` page loads at once with no ticket stored, over HTTP (each session its own connection)."""
    since = sandbox.call_counts(corp_id)["last_seq"]
    barrier = threading.Barrier(n)

    def load(i: int) -> tuple[int, float]:
        http = requests.Session()
        http.headers["Cookie"] = sessions[i % len(sessions)].headers["Cookie"]
        barrier.wait()
        t = time.perf_counter()
        r = http.get(f"{stack.admin_url}/admin/sidebar/js-config", params={"url": f"{PAGE}?load={i}"}, timeout=60)
        return r.status_code, (time.perf_counter() - t) * 1000

    with ThreadPoolExecutor(n) as pool:
        answers = list(pool.map(load, range(n)))
    fetched = _ticket_fetches(sandbox, corp_id, since)
    return {"page_loads": n, "answered_200": sum(1 for s, _ in answers if s == 200), **_ms([ms for _, ms in answers]),
            "ticket_fetches": fetched, "each_ticket_fetched_once": all(v == 1 for v in fetched.values())}  # fmt: skip


def _span(sandbox: SandboxClient, corp: dict[str, Any], hours: float, step_s: int, loads_per_step: int,
          since: int, start: float, instances: int = 4) -> dict[str, Any]:  # fmt: skip
    """Page loads over ``hours`` simulated hours: every ``step_s`` of the sandbox's world clock,
    ``loads_per_step`` loads spread over ``instances`` instances (their own WeCom clients, one tokens
    table), each keeper's clock the world clock. The tickets the admin process fetched at ``start`` (the
    cold loads; world clock = real clock then) are the first ones: fetches are counted from ``since``, the
    sandbox's call sequence before them, and the span from ``start``."""
    from scrm.adapters.wecom.client import WeComClient
    from scrm.adapters.wecom.gateway import WeComGateway
    from scrm.adapters.wecom.token_store import DynamoTokenStorage
    from scrm.bootstrap import settings
    from scrm.sidebar.js_config import JsConfig
    from scrm.sidebar.tickets import TicketKeeper

    offset = [sandbox.clock()["offset"]]

    def world_now() -> float:
        return time.time() + offset[0]

    def instance() -> JsConfig:
        storage = DynamoTokenStorage()
        client = WeComClient(corp["corp_id"], corp["secret"], api_base=settings().wecom_api_base, storage=storage,
                             clock=world_now)  # its access token expires on the world clock too
        gateway = WeComGateway(client)
        return JsConfig(TicketKeeper(storage, clock=world_now), lambda _c: gateway, lambda _c: corp["agent_id"],
                        clock=world_now)  # fmt: skip

    fleet = [instance() for _ in range(instances)]
    steps = int((start + hours * 3600 - world_now()) // step_s)
    loads = 0
    t0 = time.monotonic()
    with ThreadPoolExecutor(instances) as pool:
        for step in range(steps):
            futures = [pool.submit(fleet[(step + i) % instances].config, corp["corp_id"], f"{PAGE}?s={step}&i={i}")
                       for i in range(loads_per_step)]  # fmt: skip
            for f in futures:
                f.result()
            loads += loads_per_step
            offset[0] = sandbox.advance_clock(step_s)["offset"]
    simulated_s = world_now() - start
    fetched = _ticket_fetches(sandbox, corp["corp_id"], since)
    floor = math.ceil(simulated_s / TICKET_TTL_S)
    return {"simulated_hours": round(simulated_s / 3600, 2), "page_loads": loads, "instances": instances,
            "step_s": step_s, "wall_s": round(time.monotonic() - t0, 1), "ticket_fetches": fetched,
            "fetches_per_hour": {k: round(v * 3600 / simulated_s, 3) for k, v in fetched.items()},
            "floor_per_ticket": floor, "floor_per_hour": round(3600 / TICKET_TTL_S, 3),
            "most_per_ticket": math.ceil(simulated_s / (TICKET_TTL_S - REFRESH_MARGIN_S)),
            "over_floor": {k: round(v / floor, 3) for k, v in fetched.items()},
            "note": "a stored ticket is used while more than 300 s of it is left (the access tokens' margin): "
                    "a ticket lives 6,900 s here, so a span of n × 7,200 s fetches up to n + 1"}  # fmt: skip


def _breakdown(corp_id: str, opened: dict[str, list[str]], n: int = 20) -> dict[str, Any]:
    """Each read of the portrait alone, one after the other, in this process, with nothing else running
    (where a portrait's time goes: the HTTP figures are 20 of them at once on two cores)."""
    from scrm.sidebar.portrait import GROUPS_SHOWN, TIMELINE_SHOWN, Keys, Portraits
    from scrm.sidebar.portrait_repository import DynamoPortraitReads

    reads, times = DynamoPortraitReads(), defaultdict(list)
    pairs = [(u, e) for u, exts in opened.items() for e in exts[1:2]][:n]
    for userid, ext in pairs:
        follows = reads.relations(corp_id, ext)
        keys = Keys(profile=ext, tag_ids=sorted({str(t) for f in follows for t in f.get("tag_ids") or ()}),
                    states=sorted({str(f["state"]) for f in follows if f.get("state")}),
                    userids=sorted({str(f["userid"]) for f in follows}),
                    chat_ids=reads.group_ids_with(corp_id, ext, GROUPS_SHOWN))  # fmt: skip
        steps: list[tuple[str, Any, tuple[Any, ...]]] = [
            ("relations (Query)", reads.relations, (corp_id, ext)),
            ("timeline (Query)", reads.timeline, (corp_id, ext, TIMELINE_SHOWN)),
            ("group_ids_with (by_member index Query)", reads.group_ids_with, (corp_id, ext, GROUPS_SHOWN)),
            ("by_keys (one BatchGetItem: profile, tags, codes, members, groups)", reads.by_keys, (corp_id, keys)),
            ("the whole portrait (Portraits.customer, no extras)", Portraits(reads).customer, (corp_id, ext, userid)),
        ]  # fmt: skip
        for name, step, args in steps:
            t = time.perf_counter()
            step(*args)
            times[name].append((time.perf_counter() - t) * 1000)
    return {name: {"p50_ms": round(statistics.median(v), 1), "max_ms": round(max(v), 1)} for name, v in times.items()}


def _served(world: dict[str, Any]) -> dict[str, list[str]]:
    served: dict[str, list[str]] = defaultdict(list)
    for c in world["customers"]:
        for f in c["follow_users"]:
            served[f["userid"]].append(c["external_userid"])
    return served


def _groups_of(world: dict[str, Any]) -> dict[str, list[str]]:
    """The groups each member owns or is a member of now."""
    mine: dict[str, list[str]] = defaultdict(list)
    for g in world["groups"]:
        staff = {m["userid"] for m in g["member_list"] if int(m.get("type") or 0) == 1} | {g["owner"]}
        for u in staff:
            mine[u].append(g["chat_id"])
    return mine


def run(stack: Stack, sandbox: SandboxClient, members: int = 20, per_member: int = 15, seed: dict[str, Any] | None = None,
        span_hours: float = 24.0) -> dict[str, Any]:  # fmt: skip
    from scrm import bootstrap

    result, world, opened = _seed(stack, sandbox, seed or LARGE, members, per_member)
    corp_id = result["corp_id"]
    corp = {"corp_id": corp_id, "agent_id": result["agent_id"], "secret": bootstrap.corp_registry().get(corp_id).secret}
    in_groups, who = _groups_of(world), list(opened)
    t0 = time.monotonic()
    _timeline(corp_id, [e for exts in opened.values() for e in exts], int(time.time()))
    result["timeline_seed_s"] = round(time.monotonic() - t0, 1)
    del world

    t0 = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        sessions = dict(zip(who, pool.map(lambda u: login(stack.admin_url, corp_id, u), who), strict=True))
    result["logins"] = {"members": len(sessions), "through": "the sidebar's OAuth flow (sandbox authorize page)",
                        "s": round(time.monotonic() - t0, 1)}  # fmt: skip

    # JS-SDK configuration first, while no ticket is stored: 50 cold loads at once.
    since, start = sandbox.call_counts(corp_id)["last_seq"], time.time() + sandbox.clock()["offset"]
    result["js_config_cold"] = _cold_loads(stack, sandbox, corp_id, list(sessions.values()))
    for u, http in sessions.items():  # warm-up: a portrait and a group each (imports, connections)
        http.get(f"{stack.admin_url}/admin/sidebar/customers/{opened[u][0]}", timeout=60).raise_for_status()
        if in_groups.get(u):
            http.get(f"{stack.admin_url}/admin/sidebar/groups/{in_groups[u][0]}", timeout=60).raise_for_status()
    paths = {u: [f"/admin/sidebar/customers/{e}" for e in opened[u][1:]] for u in who}
    result["portrait"] = {**_load(stack, sessions, paths), "minimum_dynamodb_calls": MINIMUM_CALLS["customer"],
                          "route_calls": MINIMUM_CALLS["route"]}  # fmt: skip
    gpaths = {u: [f"/admin/sidebar/groups/{c}" for c in in_groups.get(u, [])[1 : per_member + 1]] for u in who}
    result["group_portrait"] = {**_load(stack, sessions, gpaths), "minimum_dynamodb_calls": MINIMUM_CALLS["group"],
                                "route_calls": MINIMUM_CALLS["route"]}  # fmt: skip
    jpaths = {u: [f"/admin/sidebar/js-config?url={PAGE}%3Fn%3D{i}" for i in range(per_member)] for u in who}
    result["js_config_warm"] = _load(stack, sessions, jpaths)
    print(f"    portrait {result['portrait']}", flush=True)
    print(f"    group portrait {result['group_portrait']}", flush=True)
    print(f"    js-config cold {result['js_config_cold']}, warm {result['js_config_warm']}", flush=True)
    result["portrait_reads_alone"] = _breakdown(corp_id, opened)
    print(f"    portrait's reads alone {result['portrait_reads_alone']}", flush=True)
    result["tickets_span"] = _span(sandbox, corp, span_hours, 120, 4, since, start)
    return result
