"""devstack.SandboxClient's wrappers for the clock, handovers, message pacing and statistics."""

from __future__ import annotations

from devstack.sandbox_client import SandboxClient, SandboxError

DAY = 86_400


def test_client_wrappers(isolated) -> None:
    client = SandboxClient(isolated.server.url)
    corp = isolated.make_corp(token_expires_in=365 * DAY, seed=False)
    for userid in ("giver", "taker", "other"):
        corp.c("/users/create", {"userid": userid, "name": userid, "callback": False})
    exts = [
        corp.c("/customers/add", {"userid": "giver", "callback": False})["external_userid"] for _ in range(2)
    ]
    for ext, taker in zip(exts, ("taker", "other"), strict=True):
        started = corp.api.post(
            "externalcontact/transfer_customer",
            {"handover_userid": "giver", "takeover_userid": taker, "external_userid": [ext]},
        )
        assert started["customer"][0]["errcode"] == 0
    assert client.refuse_transfer(corp.id, exts[0], "taker")["transfer"]["status"] == 3
    assert client.limit_taker(corp.id, "other")["ended"] == [exts[1]]
    state = client.transfers(corp.id)
    assert [t["status"] for t in state["transfers"]] == [3, 4] and state["takers_at_limit"] == ["other"]
    assert client.limit_taker(corp.id, "other", at_limit=False)["ended"] == []
    assert client.transfers(corp.id)["takers_at_limit"] == []

    before = client.clock()["now"]
    assert client.advance_clock(120)["now"] >= before + 120

    body = {"touser": "giver", "msgtype": "text", "agentid": corp.info["agent_id"], "text": {"content": "x"}}
    for _ in range(2):
        assert corp.api.post("message/send", {**body, "enable_duplicate_check": 1})["errcode"] == 0
    summary = client.message_summary(corp.id)
    assert summary["dropped_by_reason"] == {"duplicate": 1} and summary["delivered_total"] == 1

    today = client.stats_day(corp.id, day=int(before))  # the day the customers were added
    assert today["contacts"]["giver"]["new_contact"] == 2
    client.set_chat_activity(corp.id, "giver", chat_cnt=2, message_cnt=5, time=today["day"])
    [row] = corp.api.post(
        "externalcontact/get_user_behavior_data",
        {"userid": ["giver"], "start_time": today["day"], "end_time": today["day"]},
    )["behavior_data"]
    assert (row["chat_cnt"], row["message_cnt"], row["new_contact_cnt"]) == (2, 5, 2)
    try:
        client.refuse_transfer(corp.id, exts[0])
    except SandboxError as err:
        assert "409" in str(err)
    else:
        raise AssertionError("refusing an ended transfer must fail")
