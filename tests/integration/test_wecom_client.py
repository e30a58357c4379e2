"""Our WeCom client against the sandbox: shared token, refresh on 40014/42001, bounded back-off."""

from __future__ import annotations

import pytest
from scrm.adapters.wecom.client import WeComClient, WeComError
from scrm.adapters.wecom.token_store import DynamoTokenStorage
from scrm.bootstrap import settings

from tests.conftest import new_corp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack


def _client(corp, **kw) -> WeComClient:
    return WeComClient(corp["corp_id"], corp["secret"], api_base=settings().wecom_api_base,
                       storage=DynamoTokenStorage(), backoff_base_s=0.01, timeout_s=kw.pop("timeout_s", 5), **kw)


def _count(sandbox, corp, path):
    return len(sandbox.calls(corp["corp_id"], path=path))


def test_one_token_shared_by_every_instance(sandbox, corp):
    a, b = _client(corp), _client(corp)  # two Lambda instances: separate objects, separate lock owners
    a.get("user/list", params={"department_id": 1})
    b.get("user/list", params={"department_id": 1})
    assert _count(sandbox, corp, "gettoken") == 1


def test_expired_token_is_refetched_once(sandbox, corp):
    c = _client(corp)
    c.get("user/list", params={"department_id": 1})
    sandbox.expire_tokens(corp["corp_id"])
    c.get("user/list", params={"department_id": 1})
    assert _count(sandbox, corp, "gettoken") == 2
    codes = [x["errcode"] for x in sandbox.calls(corp["corp_id"], path="user/list")]
    assert codes == [0, 42001, 0]


@pytest.mark.parametrize("errcode", [-1, 45009, 45033])
def test_retriable_errors_back_off_and_succeed(sandbox, corp, errcode):
    c = _client(corp)
    sandbox.faults(corp["corp_id"], {"path": "user/list", "errcode": errcode, "times": 2})
    res = c.get("user/list", params={"department_id": 1})
    assert res["errcode"] == 0
    codes = [x["errcode"] for x in sandbox.calls(corp["corp_id"], path="user/list")]
    assert codes == [errcode, errcode, 0]


def test_retries_are_bounded(sandbox, corp):
    c = _client(corp, max_tries=3)
    sandbox.faults(corp["corp_id"], {"path": "user/list", "errcode": -1, "times": 10})
    with pytest.raises(WeComError) as err:
        c.get("user/list", params={"department_id": 1})
    assert err.value.errcode == -1
    assert _count(sandbox, corp, "user/list") == 3


def test_a_final_error_is_not_retried(sandbox, corp):
    c = _client(corp)
    with pytest.raises(WeComError) as err:
        c.get("user/get", params={"userid": "nobody"})
    assert err.value.errcode == 60111
    assert _count(sandbox, corp, "user/get") == 1


def test_slow_answers_time_out_and_are_retried(sandbox, corp):
    c = _client(corp, timeout_s=0.3)
    c.get("user/list", params={"department_id": 1})  # token first
    sandbox.faults(corp["corp_id"], {"path": "user/list", "delay_ms": 1000, "times": 1})
    assert c.get("user/list", params={"department_id": 1})["errcode"] == 0
    # The sandbox records the slow call when it finally answers, after our retry already succeeded.
    wait_for(lambda: _count(sandbox, corp, "user/list") == 3, timeout_s=3, what="the slow call recorded")


def test_bad_secret_fails_clearly(sandbox, corp):
    c = _client({**corp, "secret": "wrong"})
    with pytest.raises(WeComError) as err:
        c.get("user/list", params={"department_id": 1})
    assert err.value.errcode == 40001


def test_a_token_invalidated_early_is_fetched_again_once(sandbox, corp):
    """WeCom may invalidate a token before its time (91039): the calls with it answer 40014, and the
    sandbox's gettoken hands out a new token only from then on."""
    c = _client(corp)
    c.get("user/list", params={"department_id": 1})
    assert sandbox.do(corp["corp_id"], "tokens/invalidate") == {"invalidated": 1}
    assert c.get("user/list", params={"department_id": 1})["errcode"] == 0
    codes = [x["errcode"] for x in sandbox.calls(corp["corp_id"], path="user/list")]
    assert codes == [0, 40014, 0]
    assert _count(sandbox, corp, "gettoken") == 2
    other = _client(corp)  # another instance finds the new token in the shared store
    for _ in range(5):
        other.get("user/list", params={"department_id": 1})
    assert _count(sandbox, corp, "gettoken") == 2


@pytest.mark.parametrize("reissue", ["remaining", "full"])
def test_no_gettoken_burst_near_a_tokens_end(stack, sandbox, reissue):
    """A token with less than our 5-minute refresh margin left: the client asks gettoken once, gets the
    same token back (with the remainder, or with a fresh life: WeCom's page does not say which), and then
    uses it. The old client asked gettoken before every one of these calls."""
    corp = new_corp(stack, sandbox, token_expires_in=250, gettoken_expires_in=reissue)
    a, b = _client(corp), _client(corp)
    try:
        for _ in range(10):
            a.get("user/list", params={"department_id": 1})
            b.get("user/list", params={"department_id": 1})
        assert _count(sandbox, corp, "gettoken") == 2  # the first token, then the one that came back
        codes = {x["errcode"] for x in sandbox.calls(corp["corp_id"], path="user/list")}
        assert codes == {0}
    finally:
        # Leave the corp like the others (a 2-hour token stored), for the scheduled refresh test's counts.
        sandbox.patch_corp(corp["corp_id"], token_expires_in=7200)
        sandbox.do(corp["corp_id"], "tokens/invalidate")
        a.get("user/list", params={"department_id": 1})


def test_scheduled_token_refresh(stack, sandbox, corp):
    result = stack.run_job("refresh_tokens")
    assert result["failed"] == 0 and result["refreshed"] >= 1
    assert _count(sandbox, corp, "gettoken") == 1
    again = stack.run_job("refresh_tokens")
    assert again["refreshed"] == 0  # every token is fresh now
