"""gettoken, token errors and expiry, fault injection, unknown paths, call recording."""

from __future__ import annotations

import json
import time

import requests

from wecom_sandbox.api.errors import errmsg


def test_gettoken_errors(corp, sandbox) -> None:
    ok = corp.api.gettoken()
    assert ok["errcode"] == 0 and ok["errmsg"] == "ok" and ok["expires_in"] == 7200 and ok["access_token"]
    bad_secret = corp.api.gettoken(corpsecret="nope")
    assert bad_secret["errcode"] == 40001
    unknown = requests.get(
        sandbox.url + "/cgi-bin/gettoken", params={"corpid": "ww_nope", "corpsecret": "x"}
    ).json()
    assert unknown["errcode"] == 40013
    assert "more info at" in unknown["errmsg"]


def test_missing_invalid_expired_tokens(make_corp) -> None:
    c = make_corp(token_expires_in=1, seed=False)
    r = c.api.session.get(c.api.base + "/cgi-bin/user/simplelist", params={"department_id": 1}).json()
    assert r["errcode"] == 41001
    assert c.api.get("user/simplelist", token="bogus", department_id=1)["errcode"] == 40014
    token = c.api.token
    assert c.api.get("user/simplelist", department_id=1)["errcode"] == 0
    time.sleep(1.05)
    assert c.api.get("user/simplelist", token=token, department_id=1)["errcode"] == 42001
    fresh = c.api.gettoken()["access_token"]
    assert fresh != token
    assert c.api.get("user/simplelist", token=fresh, department_id=1)["errcode"] == 0


def test_expire_tokens_now(corp) -> None:
    token = corp.api.token
    assert corp.c("/tokens/expire")["expired"] >= 1
    assert corp.api.get("externalcontact/get_follow_user_list", token=token)["errcode"] == 42001
    fresh = corp.api.gettoken()["access_token"]
    assert corp.api.get("externalcontact/get_follow_user_list", token=fresh)["errcode"] == 0


def test_invalidated_token_answers_40014_and_gettoken_issues_a_new_one(corp) -> None:
    """91039: WeCom may invalidate a token before its time; until then gettoken keeps returning it."""
    first = corp.api.gettoken()["access_token"]
    assert corp.api.gettoken()["access_token"] == first
    assert corp.c("/tokens/invalidate") == {"invalidated": 1}
    listed = corp.api.get("externalcontact/get_follow_user_list", token=first)
    assert listed["errcode"] == 40014 and listed["errmsg"].startswith("invalid access_token")
    fresh = corp.api.gettoken()
    assert fresh["access_token"] != first and fresh["expires_in"] == 7200
    recorded = corp.cget("/calls?path=externalcontact/get_follow_user_list")["calls"]
    assert [c["errcode"] for c in recorded] == [40014]  # still recorded under the corp
    assert corp.api.get("externalcontact/get_follow_user_list", token=fresh["access_token"])["errcode"] == 0
    # One token by name; an unknown name invalidates nothing.
    assert corp.c("/tokens/invalidate", {"access_token": "nope"}) == {"invalidated": 0}
    assert corp.c("/tokens/invalidate", {"access_token": fresh["access_token"]}) == {"invalidated": 1}
    assert corp.api.get("externalcontact/get_follow_user_list", token=fresh["access_token"])["errcode"] == 40014
    assert corp.c("/tokens/invalidate", {"access_token": 5}, expect=400)["error"] == (
        "field 'access_token' must be a string"
    )


def test_patch_token_expiry_applies_to_new_tokens(corp) -> None:
    corp.ctl.call("PATCH", f"/corps/{corp.id}", {"token_expires_in": 60})
    assert corp.api.gettoken()["expires_in"] == 60


def test_fault_errcode_for_n_calls(corp) -> None:
    fault = corp.c(
        "/faults", {"path": "externalcontact/get_follow_user_list", "errcode": 45033, "times": 2}, expect=201
    )
    assert fault["remaining"] == 2
    codes = [corp.api.get("externalcontact/get_follow_user_list")["errcode"] for _ in range(3)]
    assert codes == [45033, 45033, 0]
    # other paths unaffected, and the fault list is empty again
    assert corp.cget("/faults")["faults"] == []


def test_fault_wildcard_and_gettoken(corp) -> None:
    corp.api.token  # noqa: B018 - fetch the token first: "*" matches gettoken too
    corp.c("/faults", {"path": "*", "errcode": -1, "times": 1}, expect=201)
    assert corp.api.get("user/simplelist", department_id=1)["errcode"] == -1
    assert corp.api.get("user/simplelist", department_id=1)["errcode"] == 0
    corp.c("/faults", {"path": "gettoken", "errcode": 45009}, expect=201)
    assert corp.api.gettoken()["errcode"] == 45009
    assert corp.api.gettoken()["errcode"] == 0


def test_fault_42001_forces_refresh_path(corp) -> None:
    corp.api.token  # noqa: B018 - fetch before arming the fault
    corp.c("/faults", {"path": "externalcontact/list", "errcode": 42001}, expect=201)
    userid = corp.api.get("externalcontact/get_follow_user_list")["follow_user"][0]
    assert corp.api.get("externalcontact/list", userid=userid)["errcode"] == 42001
    assert corp.api.get("externalcontact/list", userid=userid)["errcode"] == 0


def test_fault_delay(corp) -> None:
    corp.api.token  # noqa: B018
    corp.c("/faults", {"path": "user/simplelist", "delay_ms": 300, "times": 1}, expect=201)
    started = time.monotonic()
    assert corp.api.get("user/simplelist", department_id=1)["errcode"] == 0
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    corp.api.get("user/simplelist", department_id=1)
    assert time.monotonic() - started < 0.3


def test_fault_with_a_rate_strikes_that_share_of_calls(corp) -> None:
    corp.api.token  # noqa: B018
    fault = corp.c("/faults", {"path": "user/simplelist", "errcode": -1, "rate": 0.3, "times": 1000}, expect=201)
    assert fault["rate"] == 0.3
    codes = [corp.api.get("user/simplelist", department_id=1)["errcode"] for _ in range(400)]
    failed = codes.count(-1)
    assert set(codes) == {0, -1} and 60 <= failed <= 180  # 120 expected; p(outside) < 1e-6
    assert corp.cget("/faults")["faults"][0]["remaining"] == 1000 - failed
    corp.c("/faults", {"errcode": -1, "rate": 0}, expect=400)
    corp.c("/faults", {"errcode": -1, "rate": 1.5}, expect=400)


def test_transport_faults_answer_an_http_status_or_a_body_that_is_not_json(corp, sandbox) -> None:
    """For an app's error handling: a gateway's error page, or a 200 that is not JSON, on any path."""
    token = corp.api.token
    url = sandbox.url + "/cgi-bin/user/simplelist"
    corp.c("/faults", {"path": "user/simplelist", "http_status": 502}, expect=201)
    r = requests.get(url, params={"access_token": token, "department_id": 1})
    assert r.status_code == 502 and r.headers["Content-Type"].startswith("text/html")
    corp.c("/faults", {"path": "gettoken", "garbage": True}, expect=201)
    r = requests.get(sandbox.url + "/cgi-bin/gettoken", params={"corpid": corp.id, "corpsecret": "x"})
    assert r.status_code == 200
    try:
        r.json()
        raise AssertionError("the body was JSON")
    except ValueError:
        pass
    assert requests.get(url, params={"access_token": token, "department_id": 1}).json()["errcode"] == 0
    recorded = corp.cget("/calls?path=user/simplelist")["calls"]
    assert [c["errcode"] for c in recorded][-2:] == [-1, 0]
    corp.c("/faults", {"http_status": 200}, expect=400)
    corp.c("/faults", {"garbage": "yes"}, expect=400)


def test_clear_faults(corp) -> None:
    corp.c("/faults", {"errcode": -1, "times": 5}, expect=201)
    assert corp.ctl.call("DELETE", f"/corps/{corp.id}/faults")["cleared"] == 1
    assert corp.api.gettoken()["errcode"] == 0


def test_unknown_path_and_wrong_method(corp, sandbox) -> None:
    resp = requests.get(
        sandbox.url + "/cgi-bin/externalcontact/nope", params={"access_token": corp.api.token}
    )
    assert resp.status_code == 404 and resp.json()["errcode"] == 404
    # WeCom answers 40058 for a GET to a POST API, not the Official Account's 43002 (facts §7 row 5).
    wrong = requests.get(
        sandbox.url + "/cgi-bin/externalcontact/batch/get_by_user", params={"access_token": corp.api.token}
    ).json()
    assert wrong["errcode"] == 40058 and "POST" in wrong["errmsg"]
    reverse = requests.post(
        sandbox.url + "/cgi-bin/user/simplelist",
        params={"access_token": corp.api.token, "department_id": 1},
        data=b"{}",
    ).json()
    assert reverse["errcode"] == 40058 and "GET" in reverse["errmsg"]


def test_bad_json_gets_the_answer_of_no_body_with_a_warning(corp, sandbox) -> None:
    """Not 47001: the request is handled as if it had no body, and errmsg ends with WeCom's warning."""

    def post(path: str, raw: bytes) -> dict:
        return requests.post(
            f"{sandbox.url}/cgi-bin/{path}", params={"access_token": corp.api.token}, data=raw
        ).json()

    no_body = post("externalcontact/groupchat/list", b"")
    assert no_body["errcode"] == 40058 and "Warning" not in no_body["errmsg"]
    for raw in (b"{nope", b"[1, 2]", b'"text"'):
        bad = post("externalcontact/groupchat/list", raw)
        assert bad["errcode"] == no_body["errcode"], raw
        assert bad["errmsg"].endswith("Warning: wrong json format."), bad
    # An API that needs nothing in its body succeeds, still with the warning.
    tags = post("externalcontact/get_corp_tag_list", b"{nope")
    assert tags["errcode"] == 0 and tags["tag_group"]
    assert tags["errmsg"] == "ok Warning: wrong json format."
    # The record keeps what was sent, so a test can see the malformed body.
    last = corp.cget("/calls?path=externalcontact/get_corp_tag_list")["calls"][-1]
    assert last["body"] == {"_unparsed": "{nope"} and last["errcode"] == 0


def test_calls_are_recorded_without_secrets(corp) -> None:
    since = corp.cget("/calls")["last_seq"]
    token = corp.api.gettoken()["access_token"]
    corp.api.get("user/get", token=token, userid="nobody")
    corp.api.post("externalcontact/groupchat/list", {"limit": 5}, token=token)
    calls = corp.cget(f"/calls?since={since}")["calls"]
    assert [c["path"] for c in calls] == ["gettoken", "user/get", "externalcontact/groupchat/list"]
    assert [c["errcode"] for c in calls] == [0, 60111, 0]
    assert calls[0]["query"] == {"corpid": corp.id}
    assert (
        calls[1]["query"] == {"userid": "nobody"} and calls[1]["method"] == "GET" and calls[1]["body"] is None
    )
    assert calls[2]["body"] == {"limit": 5}
    seqs = [c["seq"] for c in calls]
    assert seqs == sorted(seqs) and seqs[0] > since
    dumped = json.dumps(corp.cget("/calls"))
    assert corp.info["secret"] not in dumped and token not in dumped
    only = corp.cget(f"/calls?since={since}&path=user/get")["calls"]
    assert [c["path"] for c in only] == ["user/get"]


def test_errmsg_shape() -> None:
    assert errmsg(0) == "ok"
    assert errmsg(84061).startswith("not external contact")
