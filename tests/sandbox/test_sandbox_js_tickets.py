"""JS-SDK tickets (96909): get_jsapi_ticket and ticket/get?type=agent_config, 7200 s, at most 400 fetches a
corp and 100 an app in an hour (45009 beyond), each app's own count; the clock moves the hour on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import WeCom


@pytest.fixture
def tc(isolated) -> Any:
    """A corp of a sandbox of its own: the test moves its clock."""
    return isolated.make_corp(seed={"employees": 1, "customers_per_employee": 0, "groups": 0, "seed": 5})


def test_both_tickets_are_issued_for_7200_seconds(corp) -> None:
    jsapi = corp.api.get("get_jsapi_ticket")
    agent = corp.api.get("ticket/get", type="agent_config")
    for answer in (jsapi, agent):
        assert answer["errcode"] == 0 and answer["expires_in"] == 7200 and len(answer["ticket"]) >= 32
    assert jsapi["ticket"] != agent["ticket"]
    assert corp.api.get("ticket/get")["errcode"] == 40058  # only type=agent_config
    assert corp.api.get("ticket/get", type="jsapi")["errcode"] == 40058
    assert corp.api.get("get_jsapi_ticket", token="bogus")["errcode"] == 40014
    again = corp.api.get("get_jsapi_ticket")  # a new one each fetch; both live (docs/sandbox.md)
    assert again["errcode"] == 0 and again["ticket"] != jsapi["ticket"]


def test_an_app_may_fetch_100_an_hour_and_a_corp_400(tc, isolated) -> None:
    ctl = isolated.ctl
    for _ in range(100):
        assert tc.api.get("ticket/get", type="agent_config")["errcode"] == 0
    over = tc.api.get("ticket/get", type="agent_config")
    assert over["errcode"] == 45009 and "100 an app per hour" in over["errmsg"]
    assert tc.api.get("get_jsapi_ticket")["errcode"] == 0  # the other kind counts apart
    # Other apps of the corp have their own 100, up to the corp's 400 of a kind.
    apps = [ctl.post(f"/corps/{tc.id}/apps", {"agent_id": 1000100 + i}, expect=201) for i in range(4)]
    clients = [WeCom(isolated.server.url, tc.id, a["secret"]) for a in apps]
    for client in clients[:3]:
        for _ in range(100):
            assert client.get("ticket/get", type="agent_config")["errcode"] == 0
    corp_over = clients[3].get("ticket/get", type="agent_config")
    assert corp_over["errcode"] == 45009 and "400 a corp per hour" in corp_over["errmsg"]
    # An hour later the counts are spent no more.
    ctl.post("/clock/advance", {"seconds": 3601})
    assert clients[3].get("ticket/get", type="agent_config")["errcode"] == 0
    assert tc.api.get("ticket/get", type="agent_config")["errcode"] == 0
