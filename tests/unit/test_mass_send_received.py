"""What a customer received, as the sidebar's portrait reads it (mass_sends/received.py) over the fakes: the
pointers each part writes before its call (once, even when the step runs again), where each send stands for
this customer as the task is created, confirmed, read and cancelled, and the looking member's tasks."""

from __future__ import annotations

from typing import Any

from scrm.kernel.wecom_error import WeComError
from scrm.mass_sends.model import Called, PartCall
from scrm.mass_sends.received import SHOWN, Received

from tests.unit.mass_send_fakes import CORP, relation, send_of
from tests.unit.test_mass_send_service import ROWS, _send, world


def _part(received: Received, ext: str, userid: str) -> dict[str, Any]:
    return received.portrait_part(CORP, ext, userid)


def test_nothing_received_reads_nothing_more():
    _, repo, _, _ = world(ROWS)
    assert _part(Received(repo), "a0", "alice") == {"received": [], "tasks": []}


def test_a_send_is_planned_then_waiting_for_its_member_then_sent_and_no_longer_a_task():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc, {"name": "双十一", "text": "满减", "recipients": {"filter": {}},
                      "attachments": [{"msgtype": "link", "link": {"title": "t", "url": "https://e.example/x"}}]})
    received = Received(repo)
    assert _part(received, "a0", "alice") == {"received": [], "tasks": []}  # planned, no part called yet
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.CREATED)
    mine = _part(received, "a0", "alice")
    assert mine["received"] == [{
        "send_id": sid, "name": "双十一", "kind": "mass_send", "text": "满减", "attachments": ["link"],
        "at": int(svc.get(CORP, sid).planned_at), "sender": "alice", "status": "waiting",
    }]  # fmt: skip
    assert mine["tasks"] == mine["received"]
    # Another member looking sees the send, not a task of theirs.
    assert _part(received, "a0", "bob")["tasks"] == [] and _part(received, "a0", "bob")["received"]
    assert _part(received, "b0", "bob") == {"received": [], "tasks": []}  # bob's part not called yet

    alice = next(m for m in gw.msgs.values() if m.sender == "alice")
    gw.confirm(alice.msgid)
    # Until the collector reads WeCom, the store cannot know the member sent.
    assert [r["status"] for r in _part(received, "a0", "alice")["received"]] == ["waiting"]
    svc.results(CORP, sid)
    mine = _part(received, "a0", "alice")
    assert [r["status"] for r in mine["received"]] == ["sent"] and mine["tasks"] == []


def test_the_pointers_are_written_once_per_part_even_when_the_step_runs_again():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    svc.run_parts(CORP, sid)
    written = repo.pointer_writes
    assert written == len(ROWS)  # one per customer of the send
    svc.run_parts(CORP, sid)
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.CREATED)
    assert repo.pointer_writes == written


def test_a_retried_call_does_not_write_the_pointers_again():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    gw.fail_next.append(WeComError(45033, "busy", "externalcontact/add_msg_template"))
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.RETRY, 45033)  # the part stays requested
    written = repo.pointer_writes
    assert written == 5
    assert svc.run_part(CORP, sid, "alice", 0) == PartCall(Called.CREATED)
    assert repo.pointer_writes == written
    assert [r["status"] for r in _part(Received(repo), "a1", "alice")["received"]] == ["waiting"]


def test_a_customer_who_is_no_longer_a_friend_and_a_cancelled_send_say_so():
    rows = ROWS + [relation("gone", "bob")]
    svc, repo, gw, clock = world(rows)
    sid = _send(svc)
    gw.friends.discard(("bob", "gone"))
    svc.run_parts(CORP, sid)
    received = Received(repo)
    assert [r["status"] for r in _part(received, "gone", "bob")["received"]] == ["not_a_friend"]
    assert _part(received, "gone", "bob")["tasks"] == []
    svc.cancel(CORP, sid)
    assert [r["status"] for r in _part(received, "b0", "bob")["received"]] == ["cancelled"]
    assert _part(received, "b0", "bob")["tasks"] == []


def test_a_refused_task_is_failed_for_its_customers():
    svc, repo, gw, clock = world(ROWS)
    sid = _send(svc)
    gw.fail_next.append(WeComError(41048, "no customer", "externalcontact/add_msg_template"))
    svc.run_part(CORP, sid, "bob", 0)
    assert [r["status"] for r in _part(Received(repo), "b0", "bob")["received"]] == ["failed"]


def test_newest_first_and_at_most_shown():
    svc, repo, gw, clock = world(ROWS)
    ids = []
    for k in range(SHOWN + 2):
        clock.t += 60
        send, _ = svc.create(CORP, *send_of({"name": f"s{k}", "text": f"t{k}", "recipients": {"filter": {}}}))
        svc.plan(CORP, send.send_id)
        svc.run_part(CORP, send.send_id, "alice", 0)
        ids.append(send.send_id)
    got = _part(Received(repo), "a0", "alice")["received"]
    assert [r["send_id"] for r in got] == ids[::-1][:SHOWN]
    assert [r["name"] for r in got][:2] == [f"s{SHOWN + 1}", f"s{SHOWN}"]


def test_standing_reads_the_part_before_the_customers_outcome():
    from scrm.mass_sends.model import MassSend, Part
    from scrm.mass_sends.received import standing

    send = MassSend("s1", {"name": "n"})
    part = Part("s1", "alice", 0, 3, state="created", task_status=2)
    assert [standing(send, part, "-13", i) for i in range(4)] == ["sending", "sent", "over_quota", "sending"]
    part.final = True
    assert standing(send, part, "-", 0) == "not_sent"
    assert standing(send, Part("s1", "alice", 0, 3), "", 0) == "planned"
    send.state = "cancelled"
    assert standing(send, part, "1", 0) == "cancelled"
