"""What route() does around every admin view: per-key request limits, the shared WeCom budget for the
WeCom calls an admin request makes, and one audit line per write (issue 16)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from scrm import bootstrap
from scrm.adapters.dynamo.key_limiter import KeyRequestLimiter
from scrm.adapters.dynamo.models import RateLimitItem
from scrm.adapters.logs import logger
from scrm.adapters.wecom.gateway import WeComGateway
from scrm.corps.api_key import Role, key_hash
from scrm.kernel.throttle import window_ends

from tests.conftest import new_corp
from tests.infra.test_iam import recording

pytestmark = pytest.mark.stack


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def admin_client(stack) -> Iterator[Any]:
    from chalice.test import Client

    from devstack.app_server import load_admin

    with Client(load_admin()) as client:
        yield client


@pytest.fixture(scope="module")
def corp(stack, sandbox) -> dict[str, Any]:
    corp = new_corp(stack, sandbox)
    keys = bootstrap.api_keys()
    return {**corp, "admin": keys.create(corp["corp_id"], Role.ADMIN, "guards"),
            "viewer": keys.create(corp["corp_id"], Role.VIEWER, "guards")}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def test_a_key_past_its_limit_gets_429_with_retry_after(admin_client, corp, monkeypatch):
    clock = Clock(1_900_000_040.0)  # 20 s into a minute
    limiter = KeyRequestLimiter(3, clock)
    monkeypatch.setattr(bootstrap, "key_limiter", lambda: limiter)
    admin, viewer = _auth(corp["admin"]["key"]), _auth(corp["viewer"]["key"])
    for _ in range(3):
        assert admin_client.http.get("/admin/whoami", headers=admin).status_code == 200
    r = admin_client.http.get("/admin/whoami", headers=admin)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "40"
    assert json.loads(r.body) == {"error": json.loads(r.body)["error"], "retry_after_s": 40}
    assert "limit of 3 requests" in json.loads(r.body)["error"]
    # A refused write counts and is refused the same way; another key of the corp has its own count.
    assert admin_client.http.put("/admin/transfer-policy", headers=admin, body=b"{}").status_code == 429
    assert admin_client.http.get("/admin/whoami", headers=viewer).status_code == 200
    clock.now += 40  # the next minute
    assert admin_client.http.get("/admin/whoami", headers=admin).status_code == 200


def test_the_limit_costs_one_dynamodb_call_per_request(admin_client, corp):
    headers = _auth(corp["viewer"]["key"])
    assert admin_client.http.get("/admin/whoami", headers=headers).status_code == 200  # the key is cached
    with recording() as calls:
        for _ in range(3):
            assert admin_client.http.get("/admin/whoami", headers=headers).status_code == 200
    assert calls == [("dynamodb", "UpdateItem", ["table/scrm-rate-limits"])] * 3
    minute = int(time.time() // 60)
    counted = RateLimitItem.get(f"key#{corp['viewer']['key_id']}#m{minute}")
    assert counted.count >= 3 and counted.expires_at > time.time()


def test_the_public_routes_past_their_limit_get_429_per_client_address_and_corp(admin_client, corp, monkeypatch):
    """The landing pages' routes (stores, fission) have no key: counted per client address and corp."""
    from scrm.fission.links import sign

    clock = Clock(1_900_000_040.0)  # 20 s into a minute
    monkeypatch.setattr(bootstrap, "public_limiter", lambda: KeyRequestLimiter(4, clock))
    cid = corp["corp_id"]
    forged = sign(b"not the corp's key", cid, "c1", "wmcustomer", int(time.time()) + 3600)
    via_cloudfront = {"CloudFront-Viewer-Address": "198.51.100.7:46532"}
    answers = [
        admin_client.http.get(f"/admin/public/stores/cities?corp={cid}").status_code,
        admin_client.http.get(f"/admin/public/stores/nearest?corp={cid}&lat=31.23&lng=121.47").status_code,
        admin_client.http.get(f"/admin/public/stores/in-city?corp={cid}&city=上海").status_code,
        admin_client.http.get(f"/admin/public/fission/progress?t={forged}").status_code,  # counted, then refused
    ]
    assert answers == [200, 200, 200, 400]
    for r in (admin_client.http.get(f"/admin/public/stores/cities?corp={cid}"),
              admin_client.http.post("/admin/public/stores/scans", body=json.dumps({"corp": cid, "store_id": "s1"}),
                                     headers={"Content-Type": "application/json"}),
              admin_client.http.get(f"/admin/public/fission/poster?t={forged}"),
              admin_client.http.get(f"/admin/public/fission/progress?t={forged}")):
        assert r.status_code == 429 and r.headers["Retry-After"] == "40", r.body
        body = json.loads(r.body)
        assert body["retry_after_s"] == 40 and body["error"].startswith("访问过于频繁，请 40 秒后再试。")
        assert "Too many requests" in body["error"]
    # the same corp from another address (CloudFront's viewer header), another corp from this one: own counts
    assert admin_client.http.get(f"/admin/public/stores/cities?corp={cid}", headers=via_cloudfront).status_code == 200
    other = sign(b"k", "wwanothercorp", "c1", "wmcustomer", int(time.time()) + 3600)
    assert admin_client.http.get(f"/admin/public/fission/progress?t={other}").status_code != 429
    # an unknown corp is a 404, not counted
    assert admin_client.http.get("/admin/public/stores/cities?corp=wwnosuchcorp0000").status_code == 404
    clock.now += 40  # the next minute
    assert admin_client.http.get(f"/admin/public/stores/cities?corp={cid}").status_code == 200


@contextmanager
def wecom_calls() -> Iterator[list[tuple[str, bool]]]:
    """(WeCom path, whether the call went through a shared-budget limiter) of every gateway call."""
    seen: list[tuple[str, bool]] = []
    original = WeComGateway._call

    def spy(self: WeComGateway, method: str, path: str, **kwargs: Any) -> Any:
        seen.append((path, self.limiter is not None))
        return original(self, method, path, **kwargs)

    WeComGateway._call = spy  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        WeComGateway._call = original  # type: ignore[method-assign]


def _wait_for_room_in_the_minute() -> None:
    (_, _, remaining), _ = window_ends(time.time())
    if remaining < 3:
        time.sleep(remaining + 0.1)


def test_an_admin_requests_wecom_calls_spend_the_shared_budget(admin_client, corp):
    cid = corp["corp_id"]
    viewer, admin = _auth(corp["viewer"]["key"]), _auth(corp["admin"]["key"])
    _wait_for_room_in_the_minute()
    minute = window_ends(time.time())[0][0]
    for method, path, headers, body in (
        ("GET", "/admin/transfers/unassigned", viewer, None),  # a viewer key triggers WeCom reads
        ("POST", "/admin/tags", admin, {"group_name": "guards", "tags": ["g1"]}),
    ):
        with wecom_calls() as seen:
            r = getattr(admin_client.http, method.lower())(path, headers=headers,
                                                           body=json.dumps(body) if body else b"")
        assert r.status_code < 300, (path, r.body)
        assert seen and all(limited for _, limited in seen), (path, seen)
        for api, _ in seen:
            assert RateLimitItem.get(f"{cid}#{api}#{minute}").count >= 1


def test_a_spent_budget_answers_503_with_retry_after(admin_client, corp):
    cid = corp["corp_id"]
    _wait_for_room_in_the_minute()
    (minute, _, remaining), _ = window_ends(time.time())
    api = "externalcontact/get_unassigned_list"
    RateLimitItem(f"{cid}#{api}#{minute}", count=bootstrap.settings().bulk_calls_per_min,
                  expires_at=int(time.time()) + 120).save()
    r = admin_client.http.get("/admin/transfers/unassigned", headers=_auth(corp["viewer"]["key"]))
    assert r.status_code == 503, r.body
    assert 1 <= int(r.headers["Retry-After"]) <= int(remaining) + 1
    assert "WeCom call budget" in json.loads(r.body)["error"]


@contextmanager
def audit_lines() -> Iterator[list[dict[str, Any]]]:
    """The audit lines as the Lambda writes them (the Powertools JSON formatter)."""
    lines: list[dict[str, Any]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))

    handler = Keep()
    handler.setFormatter(logger.registered_formatter)
    audit = logging.getLogger("scrm.audit")
    audit.addHandler(handler)
    try:
        yield lines
    finally:
        audit.removeHandler(handler)


def _concrete(path: str) -> tuple[str, dict[str, str]]:
    import re

    params = {name: f"x{name[:3]}1" for name in re.findall(r"{(\w+)}", path)}
    return path.format(**params), params


def test_every_write_route_writes_one_audit_line_without_key_material(admin_client, corp):
    from admin.api import admin as app

    routes = [(p, m) for p, methods in app.routes.items() for m in methods]
    from admin.sessions import OPEN_ROUTES  # login and logout take no key: test_console_login.py audits them

    writes = [(p, m) for p, m in routes if m != "GET" and (p, m) not in OPEN_ROUTES]
    assert len(writes) >= 20, "the route table walk found too few write routes"
    viewer = corp["viewer"]
    secrets = (viewer["key"], viewer["key"].rsplit("_", 1)[1], key_hash(viewer["key"]),
               corp["admin"]["key"], key_hash(corp["admin"]["key"]))
    for path, method in writes:
        url, params = _concrete(path)
        for headers, status, key_id, role in ((_auth(viewer["key"]), 403, viewer["key_id"], "viewer"),
                                              ({}, 401, None, None)):
            with audit_lines() as lines:
                r = getattr(admin_client.http, method.lower())(url, headers=headers, body=b"{}")
            assert r.status_code == status, (method, path, r.body)
            assert len(lines) == 1, (method, path, lines)
            entry = lines[0]["audit"]
            assert entry == {"key_id": key_id, "role": role, "method": method, "route": path, "path": url,
                             "target": params, "status": status}, (method, path)
            text = json.dumps(lines)
            assert not any(s in text for s in secrets), (method, path)
    # An admin's write, refused by the service (a 4xx) and accepted, is audited with its status.
    admin = corp["admin"]
    for body, status in ({"on_refused": "nonsense"}, 400), ({"on_refused": "reassign"}, 200):
        with audit_lines() as lines:
            r = admin_client.http.put("/admin/transfer-policy", headers=_auth(admin["key"]), body=json.dumps(body))
        assert r.status_code == status, r.body
        assert [line["audit"] for line in lines] == [
            {"key_id": admin["key_id"], "role": "admin", "method": "PUT", "route": "/admin/transfer-policy",
             "path": "/admin/transfer-policy", "target": {}, "status": status}]
        assert lines[0]["corp_id"] == corp["corp_id"] and lines[0]["message"] == "admin write"
    # Reads write no audit line.
    with audit_lines() as lines:
        for path, method in routes:
            if method == "GET" and "{" not in path:
                admin_client.http.get(path, headers=_auth(viewer["key"]))
    assert lines == []
