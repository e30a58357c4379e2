"""The world clock: advancing it expires welcome codes and tokens without sleeping.

These tests move the clock of their own sandbox: the session sandbox's other tests compare
timestamps with time.time() and must not see an offset.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import xmltodict


@pytest.fixture
def clocked(isolated) -> tuple[Any, Any]:
    corp = isolated.make_corp(seed={"employees": 2, "customers_per_employee": 1, "groups": 0, "seed": 3})
    return isolated.ctl, corp


def test_clock_read_and_advance(clocked) -> None:
    ctl, _ = clocked
    before = ctl.get("/clock")
    assert before["offset"] == 0 and abs(before["now"] - time.time()) < 2
    after = ctl.post("/clock/advance", {"seconds": 3600})
    assert after["offset"] == 3600 and abs(after["now"] - time.time() - 3600) < 2
    assert ctl.post("/clock/advance", {"seconds": -1}, expect=400)["error"].startswith("field 'seconds'")
    assert ctl.post("/clock/advance", {}, expect=400)["error"] == "missing field 'seconds'"
    assert ctl.get("/clock")["offset"] == 3600


def test_welcome_code_expires_after_20s_of_world_time(clocked, receiver) -> None:
    ctl, corp = clocked
    userid = corp.api.get("user/simplelist", department_id=1)["userlist"][0]["userid"]
    way = corp.api.post(
        "externalcontact/add_contact_way", {"type": 1, "scene": 2, "user": [userid], "state": "s"}
    )
    scan = corp.c(f"/contact_ways/{way['config_id']}/scan", {"wait": True})
    [post] = receiver.wait_posts(corp.id, 1)
    code = xmltodict.parse(receiver.decrypt(post, corp.id))["xml"]["WelcomeCode"]
    assert code == scan["welcome_code"]
    ctl.post("/clock/advance", {"seconds": 21})
    res = corp.api.post(
        "externalcontact/send_welcome_msg", {"welcome_code": code, "text": {"content": "迟到"}}
    )
    assert res["errcode"] == 41050 and "expired" in res["errmsg"]
    [record] = corp.cget("/welcomes")["welcomes"]
    assert record["sent_at"] is None and [a["errcode"] for a in record["attempts"]] == [41050]
    assert record["attempts"][0]["at"] - record["issued_at"] >= 21

    fresh = corp.c(f"/contact_ways/{way['config_id']}/scan", {"callback": False})
    ctl.post("/clock/advance", {"seconds": 19})
    assert (
        corp.api.post(
            "externalcontact/send_welcome_msg",
            {"welcome_code": fresh["welcome_code"], "text": {"content": "x"}},
        )["errcode"]
        == 0
    )


def test_tokens_expire_on_world_time(clocked) -> None:
    ctl, corp = clocked
    ctl.call("PATCH", f"/corps/{corp.id}", {"token_expires_in": 60})
    token = corp.api.gettoken()["access_token"]
    assert corp.api.get("user/simplelist", token=token, department_id=1)["errcode"] == 0
    ctl.post("/clock/advance", {"seconds": 61})
    assert corp.api.get("user/simplelist", token=token, department_id=1)["errcode"] == 42001


def test_repeated_gettoken_returns_the_same_token_with_what_is_left(clocked) -> None:
    """91039: within its validity the same token comes back; the sandbox answers the remainder."""
    ctl, corp = clocked
    first = corp.api.gettoken()
    assert first["expires_in"] == 7200
    ctl.post("/clock/advance", {"seconds": 5000})
    again = corp.api.gettoken()
    assert again["access_token"] == first["access_token"]
    assert 2198 <= again["expires_in"] <= 2200  # the remainder, not a fresh 7200
    ctl.post("/clock/advance", {"seconds": 2199.5})
    last = corp.api.gettoken()  # under a second left: treated as expired, so expires_in is never 0
    assert last["access_token"] != first["access_token"] and last["expires_in"] == 7200
    assert corp.api.get("user/simplelist", token=first["access_token"], department_id=1)["errcode"] == 0
    ctl.post("/clock/advance", {"seconds": 1})
    assert corp.api.get("user/simplelist", token=first["access_token"], department_id=1)["errcode"] == 42001
    assert corp.api.get("user/simplelist", token=last["access_token"], department_id=1)["errcode"] == 0


def test_full_expires_in_setting_extends_the_same_token(clocked) -> None:
    """The other reading of 91039's silence: the same token with a fresh expires_in (and a longer life)."""
    ctl, corp = clocked
    ctl.call("PATCH", f"/corps/{corp.id}", {"gettoken_expires_in": "full"})
    first = corp.api.gettoken()
    ctl.post("/clock/advance", {"seconds": 5000})
    again = corp.api.gettoken()
    assert again == {**first, "expires_in": 7200}
    ctl.post("/clock/advance", {"seconds": 7000})  # 12,000 s after the first gettoken, 7000 after the second
    assert corp.api.get("user/simplelist", token=first["access_token"], department_id=1)["errcode"] == 0
    assert ctl.call("PATCH", f"/corps/{corp.id}", {"gettoken_expires_in": "fresh"}, expect=400)["error"] == (
        "field 'gettoken_expires_in' must be remaining or full"
    )
