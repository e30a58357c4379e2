"""What a confirmed handover writes to our own store (WeCom sends no callback for its own API writes)."""

from __future__ import annotations

import pytest
from scrm.customers.follow import FollowStatus
from scrm.customers.group import GroupChat
from scrm.transfers import model as T
from scrm.transfers.job import TransferJob
from scrm.transfers.model import Entry
from scrm.transfers.record import TransferRecord
from scrm.transfers.runner import RECORD_RETRY_S, RECORD_TRIES

from tests.unit.fakes import FakeStore, FakeWeCom
from tests.unit.transfer_fakes import Office

CORP = "wwcorp"
JOB = TransferJob("t1", "resigned", "h", ("a",))


def test_done_customers_end_the_handover_relation_and_land_on_the_timeline() -> None:
    store = FakeStore()
    record = TransferRecord(store, lambda corp: FakeWeCom(corp))
    chunk = T.Chunk.new("t1", 1, "c", "a", ["wm1", "wm2", "wm3"], 100)
    chunk.entries["wm1"] = Entry(T.DONE, "", 90_000)
    chunk.entries["wm2"] = Entry(T.REFUSED, "refused", 500)
    assert record.chunk_done(CORP, JOB, chunk) == (1, [])
    follow = store.follows[(CORP, "wm1", "h")]
    assert follow["status"] == FollowStatus.TRANSFERRED.value and follow["status_at"] == 90_000
    assert (CORP, "wm2", "h") not in store.follows and (CORP, "wm3", "h") not in store.follows
    (key, item), = store.timeline.items()
    assert key == (CORP, "customer:wm1", 90_000, "transfer-t1-wm1")
    assert item["entry"]["takeover_userid"] == "a" and item["entry"]["handover_userid"] == "h"
    # Again (a redelivered step): the same item, the same status, nothing new.
    assert record.chunk_done(CORP, JOB, chunk) == (1, [])
    assert len(store.timeline) == 1 and store.follows[(CORP, "wm1", "h")]["status_at"] == 90_000


def test_a_later_event_is_not_undone_by_a_late_record() -> None:
    store = FakeStore()
    store.set_follow_status(CORP, "wm1", "h", FollowStatus.ACTIVE, 200_000 * 10 + 1, {})  # re-added later
    chunk = T.Chunk.new("t1", 1, "c", "a", ["wm1"], 100)
    chunk.entries["wm1"] = Entry(T.DONE, "", 90_000)
    TransferRecord(store, lambda corp: FakeWeCom(corp)).chunk_done(CORP, JOB, chunk)
    assert store.follows[(CORP, "wm1", "h")]["status"] == FollowStatus.ACTIVE.value


def test_done_groups_are_read_again() -> None:
    store = FakeStore()
    wecom = FakeWeCom(CORP)
    wecom.add_group_chat(GroupChat(chat_id="wr1", name="g", owner="a", create_time=1))
    chunk = T.Chunk.new("t1", 1, "g", "a", ["wr1", "wr2"], 100)
    chunk.entries["wr1"] = Entry(T.DONE, "", 5_000)
    chunk.entries["wr2"] = Entry(T.QUEUED, "new_owner_daily_limit", 5_000)
    assert TransferRecord(store, lambda corp: wecom).chunk_done(CORP, JOB, chunk) == (1, [])
    assert wecom.calls_to("get_group_chat") == [("wr1",)]
    assert store.groups[(CORP, "wr1")]["owner"] == "a"
    assert (CORP, "chat:wr1", 5_000, "transfer-t1-wr1") in store.timeline


def test_a_group_still_being_inherited_is_stored_as_read_and_reported_behind() -> None:
    """A resigned group WeCom accepted shows its old owner while it is 离职继承中 (status 2): what was read
    is stored (a later read wins), and the group is reported so the runner reads it again later."""
    store = FakeStore()
    wecom = FakeWeCom(CORP)
    wecom.add_group_chat(GroupChat(chat_id="wr1", name="g", owner="h", create_time=1))
    wecom.add_group_chat(GroupChat(chat_id="wr2", name="g2", owner="a", create_time=1))
    chunk = T.Chunk.new("t1", 1, "g", "a", ["wr1", "wr2"], 100)
    chunk.entries["wr1"] = Entry(T.DONE, "", 5_000)
    chunk.entries["wr2"] = Entry(T.DONE, "", 5_000)
    ticks = iter(range(1_000, 2_000))
    record = TransferRecord(store, lambda corp: wecom, clock=lambda: float(next(ticks)))
    assert record.chunk_done(CORP, JOB, chunk) == (2, ["wr1"])
    assert store.groups[(CORP, "wr1")]["owner"] == "h"
    # Later, only that group is read again: WeCom shows the taker now.
    wecom.add_group_chat(GroupChat(chat_id="wr1", name="g", owner="a", create_time=1))
    assert record.chunk_done(CORP, JOB, chunk, only={"wr1"}) == (1, [])
    assert store.groups[(CORP, "wr1")]["owner"] == "a"
    assert wecom.calls_to("get_group_chat") == [("wr1",), ("wr2",), ("wr1",)]


class _Behind:
    """A TransferRecord whose group shows its old owner for the first ``late_times`` reads."""

    def __init__(self, late_times: int) -> None:
        self.calls: list[object] = []
        self.late_times = late_times

    def chunk_done(self, corp_id: str, job: object, chunk: object, only: object = None) -> tuple[int, list[str]]:
        self.calls.append(only)
        return 1, (["wrh0000"] if len(self.calls) <= self.late_times else [])


@pytest.mark.parametrize("late_times", [2, 99])
def test_the_runner_reads_groups_behind_again_later_a_bounded_number_of_times(late_times: int) -> None:
    o = Office()
    o.wecom.own("h", 1)
    o.wecom.leave("h")
    o.create(kind="resigned", handover_userid="h", takeover_userid="a", customers=[])
    o.runner.record = record = _Behind(late_times)  # type: ignore[assignment]
    delays: list[tuple[object, int]] = []
    real_send = o.queue.send_many
    o.queue.send_many = lambda msgs, delay_s=0: (delays.extend((m.get("only"), delay_s) for m in msgs  # type: ignore[method-assign]
                                                               if m["step"] == "record"), real_send(msgs, delay_s))
    out = o.run()
    # The first read covers the chunk; the later ones only the group behind, each RECORD_RETRY_S later.
    assert record.calls[0] is None and set(map(str, record.calls[1:])) <= {str({"wrh0000"})}
    assert len(record.calls) == min(late_times + 1, RECORD_TRIES)
    assert all(d == (["wrh0000"], RECORD_RETRY_S) for d in delays[1:])
    assert len(delays) == len(record.calls)  # the first record step, then one per read that was behind
    assert out[-1] == ("recorded:1" if late_times < RECORD_TRIES else "recorded:1:behind-gave-up:1")
