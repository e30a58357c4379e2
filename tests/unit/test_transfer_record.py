"""What a confirmed handover writes to our own store (WeCom sends no callback for its own API writes)."""

from __future__ import annotations

from scrm.domain import transfer as T
from scrm.domain.follow import FollowStatus
from scrm.domain.group import GroupChat
from scrm.domain.transfer import Entry
from scrm.services.transfer_record import TransferRecord

from tests.unit.fakes import FakeStore, FakeWeCom

CORP = "wwcorp"
JOB = {"job_id": "t1", "kind": "resigned", "handover_userid": "h"}


def test_done_customers_end_the_handover_relation_and_land_on_the_timeline() -> None:
    store = FakeStore()
    record = TransferRecord(store, lambda corp: FakeWeCom(corp))
    chunk = T.new_chunk("t1", 1, "c", "a", ["wm1", "wm2", "wm3"], 100)
    chunk.entries["wm1"] = Entry(T.DONE, "", 90_000)
    chunk.entries["wm2"] = Entry(T.REFUSED, "refused", 500)
    assert record.chunk_done(CORP, JOB, chunk) == 1
    follow = store.follows[(CORP, "wm1", "h")]
    assert follow["status"] == FollowStatus.TRANSFERRED.value and follow["status_at"] == 90_000
    assert (CORP, "wm2", "h") not in store.follows and (CORP, "wm3", "h") not in store.follows
    (key, item), = store.timeline.items()
    assert key == (CORP, "customer:wm1", 90_000, "transfer-t1-wm1")
    assert item["entry"]["takeover_userid"] == "a" and item["entry"]["handover_userid"] == "h"
    # Again (a redelivered step): the same item, the same status, nothing new.
    assert record.chunk_done(CORP, JOB, chunk) == 1
    assert len(store.timeline) == 1 and store.follows[(CORP, "wm1", "h")]["status_at"] == 90_000


def test_a_later_event_is_not_undone_by_a_late_record() -> None:
    store = FakeStore()
    store.set_follow_status(CORP, "wm1", "h", FollowStatus.ACTIVE, 200_000 * 10 + 1, {})  # re-added later
    chunk = T.new_chunk("t1", 1, "c", "a", ["wm1"], 100)
    chunk.entries["wm1"] = Entry(T.DONE, "", 90_000)
    TransferRecord(store, lambda corp: FakeWeCom(corp)).chunk_done(CORP, JOB, chunk)
    assert store.follows[(CORP, "wm1", "h")]["status"] == FollowStatus.ACTIVE.value


def test_done_groups_are_read_again() -> None:
    store = FakeStore()
    wecom = FakeWeCom(CORP)
    wecom.add_group_chat(GroupChat(chat_id="wr1", name="g", owner="a", create_time=1))
    chunk = T.new_chunk("t1", 1, "g", "a", ["wr1", "wr2"], 100)
    chunk.entries["wr1"] = Entry(T.DONE, "", 5_000)
    chunk.entries["wr2"] = Entry(T.QUEUED, "new_owner_daily_limit", 5_000)
    assert TransferRecord(store, lambda corp: wecom).chunk_done(CORP, JOB, chunk) == 1
    assert wecom.calls_to("get_group_chat") == [("wr1",)]
    assert store.groups[(CORP, "wr1")]["owner"] == "a"
    assert (CORP, "chat:wr1", 5_000, "transfer-t1-wr1") in store.timeline
