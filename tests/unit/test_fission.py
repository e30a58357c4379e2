"""Fission campaigns on fakes: the campaign's transitions, the inviter's way made once, counting rules
(once per friend, first inviter wins, self-invites and redeliveries), K days, the reward and the pool."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from PIL import Image
from scrm.fission import links
from scrm.fission.model import ACTIVE, DRAFT, ENDED, LEASE_S, Inviter, inviter_key, parse_state, state_of
from scrm.fission.service import Fission
from scrm.kernel.errors import Conflict, InvalidInput
from scrm.kernel.events import parse_event

from tests.unit.fission_fakes import (
    FakeBackgrounds,
    FakeCustomers,
    FakeDirectory,
    FakeFissionRepo,
    FakeFissionWeCom,
    FakeNotices,
)

CORP = "wwcorp"
DAY = 86_400
T0 = 1_800_000_000


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 500), "#ffeecc").save(out, "PNG")
    return out.getvalue()


class World:
    def __init__(self) -> None:
        self.now = float(T0)
        self.repo = FakeFissionRepo()
        self.gw = FakeFissionWeCom()
        self.customers = FakeCustomers()
        self.notices = FakeNotices()
        self.service = Fission(self.repo, lambda corp: self.gw, self.customers, FakeBackgrounds({"bg": _png()}),
                               FakeDirectory({"m1", "m2"}), self.notices, lambda corp: b"k" * 32,
                               clock=lambda: self.now, sleep=lambda s: None)  # fmt: skip

    def campaign(self, **over: Any) -> str:
        body = {"name": "春季裂变", "background": "bg", "threshold": 2, "keep_days": 3,
                "reward_text": "恭喜！券码 {code}", "members": ["m1", "m2"], "end_at": T0 + 30 * DAY,
                "activate": True, **over}  # fmt: skip
        return self.service.create(CORP, body, "admin").campaign_id

    def customer(self, ext: str, name: str = "李雷", member: str = "m1") -> None:
        self.customers.profiles[(CORP, ext)] = {"name": name}
        self.customers.relations.setdefault((CORP, ext), set()).add(member)

    def poster(self, cid: str, ext: str) -> bytes:
        token = links.sign(b"k" * 32, CORP, cid, ext, int(self.now) + 3600)
        return self.service.poster(token)

    def add(self, cid: str, inviter: str, friend: str, member: str = "m1", at: int | None = None,
            change: str = "add_external_contact") -> list[str]:  # fmt: skip
        state = state_of(cid, inviter_key(inviter))
        self.customers.relations.setdefault((CORP, friend), set()).add(member)
        return self.event(change, friend, member, at, state)

    def event(self, change: str, ext: str, member: str, at: int | None = None, state: str = "", source: str = "") -> list[str]:
        fields = {"ToUserName": CORP, "Event": "change_external_contact", "ChangeType": change, "UserID": member,
                  "ExternalUserID": ext, "CreateTime": str(at or int(self.now)), "State": state, "Source": source}  # fmt: skip
        return self.service.observe(parse_event(fields), "e1")

    def leave(self, friend: str, member: str = "m1") -> list[str]:
        self.customers.relations.get((CORP, friend), set()).discard(member)
        return self.event("del_follow_user", friend, member)


@pytest.fixture
def w() -> World:
    return World()


def test_states_fit_wecom_and_parse_back():
    state = state_of("abcd1234", inviter_key("wmXYZ"))
    assert len(state) <= 30 and parse_state(state) == ("abcd1234", inviter_key("wmXYZ"))
    assert parse_state("shop-1") is None and parse_state("fi:x") is None


def test_campaign_transitions_and_field_errors(w):
    cid = w.campaign(activate=False)
    assert w.repo.campaign(CORP, cid).status == DRAFT
    assert w.service.activate(CORP, cid).status == ACTIVE
    with pytest.raises(Conflict):
        w.service.activate(CORP, cid)
    w.service.end(CORP, cid)
    assert w.repo.campaign(CORP, cid).status == ENDED
    for over, field in [({"reward_text": "no code"}, "reward_text"), ({"members": ["ghost"]}, "members"),
                        ({"background": "nope"}, "background"), ({"end_at": T0 - 1}, "end_at"),
                        ({"poster": {"qr": {"x": 700, "y": 10, "size": 300}}}, "poster.qr"),
                        ({"threshold": 0}, "threshold")]:  # fmt: skip
        with pytest.raises(InvalidInput) as e:
            w.campaign(**over)
        assert e.value.field == field


def test_poster_makes_the_way_once_and_renders_a_png(w):
    cid = w.campaign()
    w.customer("wmInviterA", "韩梅梅")
    png = w.poster(cid, "wmInviterA")
    assert Image.open(io.BytesIO(png)).size == (750, 1334)
    w.poster(cid, "wmInviterA")
    assert w.gw.calls.count("add_contact_way") == 1
    way = next(iter(w.gw.ways.values()))
    assert way["state"] == state_of(cid, inviter_key("wmInviterA")) and way["user"] == ["m1", "m2"]


def test_concurrent_posters_make_one_way(w):
    cid = w.campaign()
    w.customer("wmInviterA")
    w.service.sleep = lambda s: threading.Event().wait(0.01)
    errors: list[Exception] = []

    def ask() -> None:
        try:
            w.poster(cid, "wmInviterA")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and w.gw.calls.count("add_contact_way") == 1


def test_a_lost_answer_is_adopted_not_made_again(w):
    cid = w.campaign()
    w.customer("wmInviterA")
    w.gw.lose_answer = True
    with pytest.raises(TimeoutError):
        w.poster(cid, "wmInviterA")
    w.gw.lose_answer = False
    with pytest.raises(Conflict):  # the mark is live: a second request waits, then asks to retry
        w.poster(cid, "wmInviterA")
    w.now += LEASE_S + 1
    w.poster(cid, "wmInviterA")
    assert w.gw.calls.count("add_contact_way") == 1 and len(w.gw.ways) == 1
    assert w.repo.inviter(CORP, cid, inviter_key("wmInviterA")).config_id == next(iter(w.gw.ways))


def test_bad_tokens_are_400_on_t(w):
    cid = w.campaign()
    w.customer("wmInviterA")
    token = links.sign(b"k" * 32, CORP, cid, "wmInviterA", int(w.now) - 1)
    for bad in (token, token[:-2] + "xx", "garbage"):
        with pytest.raises(InvalidInput) as e:
            w.service.poster(bad)
        assert e.value.field == "t"


def test_counting_rules(w):
    cid = w.campaign()
    for ext in ("wmInviterA", "wmInviterB"):
        w.customer(ext)
        w.poster(cid, ext)
    assert w.add(cid, "wmInviterA", "wmFriend1") == ["fission:counted"]
    assert w.add(cid, "wmInviterA", "wmFriend1") == ["fission:counted_before"]  # redelivered
    assert w.add(cid, "wmInviterB", "wmFriend1") == ["fission:counted_elsewhere"]  # first inviter wins
    assert w.add(cid, "wmInviterA", "wmInviterA") == ["fission:self_invite"]
    assert w.add(cid, "wmInviterA", "wmFriend2", change="add_half_external_contact") == []
    w.customers.added[(CORP, "wmOldCustomer")] = {"m2": T0 - 30 * DAY}  # another member's customer already
    assert w.add(cid, "wmInviterA", "wmOldCustomer") == ["fission:not_new"]
    a = w.repo.inviter(CORP, cid, inviter_key("wmInviterA"))
    b = w.repo.inviter(CORP, cid, inviter_key("wmInviterB"))
    assert (a.pending, b.pending) == (1, 0)


def test_a_friend_leaving_within_k_days_is_uncounted_after_stays(w):
    cid = w.campaign()
    w.customer("wmInviterA")
    w.poster(cid, "wmInviterA")
    w.add(cid, "wmInviterA", "wmF1")
    w.add(cid, "wmInviterA", "wmF2")
    assert w.leave("wmF1") == ["fission:uncounted"]
    w.now += 3 * DAY
    assert w.leave("wmF2") == []  # stayed K days: counted for good
    a = w.repo.inviter(CORP, cid, inviter_key("wmInviterA"))
    assert (a.pending, a.lost) == (1, 1)
    assert w.event("del_external_contact", "wmF9", "m1", source="DELETE_BY_TRANSFER") == []


def test_threshold_sends_the_reward_once_with_a_pool_code(w):
    cid = w.campaign()
    w.service.upload_codes(CORP, cid, ["C-1", "C-2", "C-1"])
    w.customer("wmInviterA", member="m2")
    w.poster(cid, "wmInviterA")
    w.add(cid, "wmInviterA", "wmF1")
    w.add(cid, "wmInviterA", "wmF2")
    w.add(cid, "wmInviterA", "wmF3")
    w.leave("wmF3")
    assert w.service.advance(CORP) == {}  # nobody due yet
    w.now += 3 * DAY + 60
    w.service.advance(CORP)
    w.service.advance(CORP)
    a = w.repo.inviter(CORP, cid, inviter_key("wmInviterA"))
    assert (a.confirmed, a.lost, a.reward_state, a.reward_code) == (2, 1, "sent", "C-1")
    assert [(s["sender"], s["to"], s["text"]) for s in w.gw.sends] == [("m2", ["wmInviterA"], "恭喜！券码 C-1")]
    assert w.repo.pool(CORP, cid) == {"free": 1, "used": 1}


def test_the_same_inviter_draws_the_same_code_and_codes_go_once(w):
    cid = w.campaign()
    w.repo.add_codes(CORP, cid, ["A", "B"])
    assert w.repo.draw_code(CORP, cid, "k1") == "A"
    assert w.repo.draw_code(CORP, cid, "k1") == "A"
    assert w.repo.draw_code(CORP, cid, "k2") == "B"
    assert w.repo.draw_code(CORP, cid, "k3") is None


def test_pool_running_out_tells_the_inviter_and_the_admins_once(w):
    cid = w.campaign(threshold=1, keep_days=0)
    w.service.upload_codes(CORP, cid, ["ONLY"])
    for ext in ("wmInviterA", "wmInviterB"):
        w.customer(ext)
        w.poster(cid, ext)
    assert "fission:reward:sent" in w.add(cid, "wmInviterA", "wmF1")
    assert "fission:reward:pool_empty" in w.add(cid, "wmInviterB", "wmF2")
    w.add(cid, "wmInviterB", "wmF3")
    w.service.advance(CORP)
    b = w.repo.inviter(CORP, cid, inviter_key("wmInviterB"))
    assert b.reward_state == "pool_empty" and b.reward_code == ""
    assert len(w.gw.sends) == 2 and "ONLY" not in w.gw.sends[1]["text"]
    assert list(w.notices.sent) == [f"fission-pool-{cid}"]
    assert w.repo.campaign(CORP, cid).pool_alerted


def _empty_pool_inviters(w, n: int) -> str:
    """A campaign whose one code went to wmInviterA; wmWait0..n-1 reached the threshold after it ran out."""
    cid = w.campaign(threshold=1, keep_days=0)
    w.service.upload_codes(CORP, cid, ["ONLY"])
    for ext in ("wmInviterA", *(f"wmWait{i}" for i in range(n))):
        w.customer(ext)
        w.poster(cid, ext)
    w.add(cid, "wmInviterA", "wmF-A")
    for i in range(n):
        assert "fission:reward:pool_empty" in w.add(cid, f"wmWait{i}", f"wmF{i}")
    w.service.advance(CORP)  # the minute job went by: the due entries are done
    w.now += 60
    return cid


def _sends_to(w, ext: str) -> list[str]:
    return [s["text"] for s in w.gw.sends if s["to"] == [ext]]


def test_an_upload_sends_waiting_inviters_their_code_once(w):
    cid = _empty_pool_inviters(w, 1)
    assert w.repo.waiting(CORP, cid) == [inviter_key("wmWait0")]
    assert w.repo.campaign(CORP, cid).pool_alerted
    out = w.service.upload_codes(CORP, cid, ["NEW-1", "NEW-2"])
    assert (out["added"], out["served"], out["waiting"]) == (2, 1, 0)
    assert out["pool"] == {"free": 1, "used": 2}
    texts = _sends_to(w, "wmWait0")
    assert len(texts) == 2 and "NEW-1" not in texts[0] and texts[1] == "恭喜！券码 NEW-1"
    waited = w.repo.inviter(CORP, cid, inviter_key("wmWait0"))
    assert (waited.reward_state, waited.reward_code) == ("sent", "NEW-1")
    assert not w.repo.campaign(CORP, cid).pool_alerted  # refilled: the console no longer says it ran out
    # nothing more: another upload, the job, a late friend's settle
    w.service.upload_codes(CORP, cid, ["NEW-3"])
    w.service.advance(CORP)
    w.add(cid, "wmWait0", "wmLate")
    w.service.advance(CORP)
    assert len(_sends_to(w, "wmWait0")) == 2 and w.repo.waiting(CORP, cid) == []


def test_more_waiting_than_codes_serves_what_there_is_and_alerts_again(w):
    cid = _empty_pool_inviters(w, 3)
    before = len(w.gw.sends)
    out = w.service.upload_codes(CORP, cid, ["N1", "N2"])
    assert (out["served"], out["waiting"]) == (2, 1)
    assert len(w.gw.sends) == before + 2  # the third is not told a second time that the pool is empty
    campaign = w.repo.campaign(CORP, cid)
    assert campaign.pool_alerted and len(w.notices.times) == 2  # ran out again after the refill: told again
    w.service.advance(CORP)
    assert len(w.gw.sends) == before + 2 and len(w.notices.times) == 2
    assert w.service.upload_codes(CORP, cid, ["N3"])["served"] == 1
    assert sorted(t for s in range(3) for t in _sends_to(w, f"wmWait{s}") if t.startswith("恭喜")) == \
        ["恭喜！券码 N1", "恭喜！券码 N2", "恭喜！券码 N3"]  # fmt: skip


def test_the_job_serves_who_the_upload_left(w, monkeypatch):
    import scrm.fission.service as svc

    cid = _empty_pool_inviters(w, 3)
    monkeypatch.setattr(svc, "SERVE_ON_UPLOAD", 1)
    out = w.service.upload_codes(CORP, cid, ["N1", "N2", "N3"])
    assert (out["served"], out["waiting"]) == (1, 2)
    assert w.service.advance(CORP)[cid]["served"] == 2
    assert w.service.advance(CORP) == {}
    assert all(len(_sends_to(w, f"wmWait{i}")) == 2 for i in range(3))


def test_an_upload_stops_serving_when_its_time_is_up(w):
    cid = _empty_pool_inviters(w, 3)
    send = w.gw.add_msg_template

    def slow_send(*a: Any, **k: Any) -> Any:
        w.now += 6  # each WeCom call takes 6 s: two fit in the upload's 10 s
        return send(*a, **k)

    w.gw.add_msg_template = slow_send
    out = w.service.upload_codes(CORP, cid, ["N1", "N2", "N3"])
    assert (out["served"], out["waiting"]) == (2, 1)
    assert w.service.advance(CORP)[cid]["served"] == 1


def test_a_waiting_inviter_under_another_workers_mark_is_sent_once(w):
    """A worker took the reward's fence with the new code, sent, and died before recording it: the upload
    leaves the live mark alone, and the job after the lease finds the task instead of sending again."""
    cid = _empty_pool_inviters(w, 1)
    w.repo.add_codes(CORP, cid, ["NEW"])
    key = inviter_key("wmWait0")
    inviter = w.repo.inviter(CORP, cid, key)
    assert inviter.begin_reward(int(w.now), w.repo.draw_code(CORP, cid, key))
    w.repo.save_inviter(CORP, inviter)
    w.gw.add_msg_template("single", {"text": {"content": "恭喜！券码 NEW"}}, sender="m1", external_userids=["wmWait0"])
    assert w.service.upload_codes(CORP, cid, ["OTHER"])["served"] == 0
    assert w.repo.waiting(CORP, cid) == [key]
    w.now += LEASE_S + 1
    assert w.service.advance(CORP)[cid]["served"] == 1
    assert _sends_to(w, "wmWait0")[1:] == ["恭喜！券码 NEW"]
    assert w.repo.inviter(CORP, cid, key).reward_code == "NEW" and w.repo.pool(CORP, cid)["free"] == 1


def test_concurrent_uploads_send_each_waiting_inviter_one_code(w):
    cid = _empty_pool_inviters(w, 4)
    before = len(w.gw.sends)
    threads = [threading.Thread(target=w.service.upload_codes, args=(CORP, cid, [f"T{i}-{j}" for j in range(4)]))
               for i in range(3)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    w.service.advance(CORP)
    got = [t for i in range(4) for t in _sends_to(w, f"wmWait{i}") if t.startswith("恭喜")]
    assert len(got) == 4 and len(set(got)) == 4 and len(w.gw.sends) == before + 4


def test_a_stale_reward_mark_adopts_the_task_it_made(w):
    cid = w.campaign(threshold=1, keep_days=0)
    w.service.upload_codes(CORP, cid, ["Z"])
    w.customer("wmInviterA")
    w.poster(cid, "wmInviterA")
    inviter = w.repo.inviter(CORP, cid, inviter_key("wmInviterA"))
    inviter.begin_reward(int(w.now), "Z")  # a worker took the fence, sent, and died before recording it
    w.repo.save_inviter(CORP, inviter)
    w.gw.add_msg_template("single", {"text": {"content": "恭喜！券码 Z"}}, sender="m1", external_userids=["wmInviterA"])
    w.add(cid, "wmInviterA", "wmF1")
    assert w.repo.inviter(CORP, cid, inviter_key("wmInviterA")).reward_state == "calling"  # live mark: hands off
    w.now += LEASE_S + 1
    w.service.settle(CORP, w.repo.campaign(CORP, cid), inviter_key("wmInviterA"))
    assert len(w.gw.sends) == 1 and w.repo.inviter(CORP, cid, inviter_key("wmInviterA")).reward_state == "sent"


def test_ending_deletes_every_way_within_the_budget_and_resumes(w):
    cid = w.campaign()
    for n in range(5):
        w.customer(f"wmInviter{n}")
        w.poster(cid, f"wmInviter{n}")
    out = w.service.end(CORP, cid, call_budget=2)
    assert out["ways_left"] == 3 and len(w.gw.ways) == 3
    w.service.advance(CORP, call_budget=2)
    w.service.advance(CORP, call_budget=2)
    assert not w.gw.ways and not w.repo.campaign(CORP, cid).ways_left
    with pytest.raises(Conflict):
        w.poster(cid, "wmInviter0")
    assert w.add(cid, "wmInviter0", "wmLate") == ["fission:not_running"]


def test_the_end_time_ends_the_campaign(w):
    cid = w.campaign(end_at=T0 + DAY)
    w.customer("wmInviterA")
    w.poster(cid, "wmInviterA")
    w.now += DAY
    assert w.service.advance(CORP)[cid]["ended"] is True
    assert not w.gw.ways


def test_progress_for_the_inviter_names_no_friend(w):
    cid = w.campaign()
    w.customer("wmInviterA")
    token = links.sign(b"k" * 32, CORP, cid, "wmInviterA", int(w.now) + 3600)
    assert w.service.inviter_progress(token)["poster_made"] is False
    w.service.poster(token)
    w.add(cid, "wmInviterA", "wmF1")
    shown = w.service.inviter_progress(token)
    assert (shown["pending"], shown["confirmed"], shown["reward"]) == (1, 0, "not_yet")
    assert "wmF1" not in str(shown)
    assert Inviter.from_item(Inviter(cid, "k", "e").to_item(), 1).key == "k"
