"""The WeCom call budget shared through DynamoDB, and WeCom's own 45009 turned into a delayed retry."""

from __future__ import annotations

import uuid

import pytest
from scrm import bootstrap
from scrm.adapters.dynamo.rate_limiter import SharedRateLimiter
from scrm.adapters.wecom.gateway import WeComGateways
from scrm.kernel.throttle import Throttled, Windows

from tests.conftest import new_corp

pytestmark = pytest.mark.stack


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_budget_is_shared_between_instances_and_resets_with_the_window(stack):
    corp = "wwlimit" + uuid.uuid4().hex[:8]
    clock = Clock(1_800_000_030.0)  # 30 s into a minute
    a = SharedRateLimiter(Windows(per_minute=3, per_hour=5), clock)
    b = SharedRateLimiter(Windows(per_minute=3, per_hour=5), clock)  # another Lambda
    a.acquire(corp, "externalcontact/batch/get_by_user")
    b.acquire(corp, "externalcontact/batch/get_by_user")
    a.acquire(corp, "externalcontact/batch/get_by_user")
    with pytest.raises(Throttled) as err:
        b.acquire(corp, "externalcontact/batch/get_by_user")
    assert err.value.retry_after_s == pytest.approx(30.0)
    b.acquire(corp, "externalcontact/groupchat/get")  # another API has its own budget
    b.acquire("wwother" + uuid.uuid4().hex[:8], "externalcontact/batch/get_by_user")  # and another corp
    clock.now += 31  # the next minute
    a.acquire(corp, "externalcontact/batch/get_by_user")
    a.acquire(corp, "externalcontact/batch/get_by_user")
    with pytest.raises(Throttled) as err:  # the hour's 5 are spent
        a.acquire(corp, "externalcontact/batch/get_by_user")
    assert err.value.retry_after_s > 60


def test_wecom_45009_after_the_clients_retries_becomes_throttled(stack, sandbox):
    corp = new_corp(stack, sandbox)
    cid = corp["corp_id"]
    gateways = WeComGateways(bootstrap.corp_registry(), bootstrap.settings(),
                             SharedRateLimiter(Windows(per_minute=1000, per_hour=1000)))
    gateway = gateways.for_corp(cid)
    gateway.client.access_token  # noqa: B018 - the token first, so the fault hits the API call
    sandbox.faults(cid, {"path": "externalcontact/batch/get_by_user", "errcode": 45009, "times": 10})
    uid = sandbox.corp(cid)["employees"][0]["userid"]
    with pytest.raises(Throttled) as err:
        gateway.customers_page([uid])
    assert err.value.retry_after_s == 60
    sandbox.clear_faults(cid)
    rows, cursor = gateway.customers_page([uid])
    assert rows and cursor == ""
