"""Lifecycle stages and notes without I/O: the config's transitions (add, rename, reorder, remove with
or without a merge), a customer's moves and their counts, the mirror's mark_tag, idempotent notes and
timeline entries, paging and the notes search's budget."""

from __future__ import annotations

import threading

import pytest
from scrm.kernel.errors import Conflict, InvalidInput, NotFound
from scrm.stages.model import StageConfig, note_text, plan_move
from scrm.stages.service import SEARCH_BUDGET, StageService

from tests.unit.stage_fakes import FakeCustomers, FakeNotes, FakeStages, FakeTagging, FakeTimeline

C = "wwc"


class Clock:
    def __init__(self, t: float = 1_780_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _service(*held: str) -> tuple[StageService, FakeStages, FakeNotes, FakeTimeline, FakeTagging, Clock]:
    stages, notes, timeline, tagging, clock = FakeStages(), FakeNotes(), FakeTimeline(), FakeTagging(), Clock()
    return StageService(stages, notes, FakeCustomers(*held), timeline, tagging, clock), stages, notes, timeline, tagging, clock


# the model --------------------------------------------------------------------------------------------
def test_defaults_are_five_stable_ids_in_order():
    config = StageConfig.default()
    assert [(s.id, s.name) for s in config.stages] == [
        ("new", "新客"), ("intent", "意向"), ("deal", "成交"), ("repeat", "复购"), ("lost", "流失")]  # fmt: skip
    assert config.version == 0 and config.resolve("deal") == "deal" and config.resolve("nope") is None


def test_rename_reorder_add_keep_ids():
    config = StageConfig.default()
    new, merges = config.edited(
        [{"id": "intent", "name": "有意向"}, {"id": "new", "name": "新客"}, {"name": "试用"},
         {"id": "deal", "name": "成交"}, {"id": "repeat", "name": "复购"}, {"id": "lost", "name": "流失"}],
        {}, {})  # fmt: skip
    assert merges == {}
    assert [s.id for s in new.stages][:2] == ["intent", "new"] and new.stages[2].id.startswith("s")
    assert new.name_of("intent") == "有意向"


def test_removing_a_stage_in_use_needs_a_move_and_merges_it():
    config = StageConfig.default()
    keep = [{"id": i, "name": n} for i, n in (("new", "新客"), ("deal", "成交"), ("repeat", "复购"), ("lost", "流失"))]
    with pytest.raises(Conflict) as refused:
        config.edited(keep, {"intent": 3}, {})
    assert refused.value.field == "moves" and refused.value.details == [{"stage": "intent", "customers": 3}]
    new, merges = config.edited(keep, {"intent": 3}, {"intent": "deal"})
    assert merges == {"intent": "deal"} and new.resolve("intent") == "deal" and new.name_of("intent") == "成交"
    # a later merge of the target carries the alias along
    newer, _ = new.edited(keep[:1] + keep[2:], {"deal": 4}, {"deal": "repeat"})
    assert newer.resolve("intent") == "repeat" and newer.resolve("deal") == "repeat"
    # an unused stage goes without a move
    assert "lost" not in StageConfig.default().edited(keep[:3], {}, {})[0].ids()


@pytest.mark.parametrize(("stages", "moves", "field"), [
    ([], {}, "stages"),
    ([{"name": ""}], {}, "stages[0].name"),
    ([{"name": "x" * 31}], {}, "stages[0].name"),
    ([{"name": "a"}, {"name": "a"}], {}, "stages[1].name"),
    ([{"id": "zzz", "name": "a"}], {}, "stages[0].id"),
    ([{"id": "new", "name": "a"}], {"new": "new"}, "moves"),
    ([{"id": "new", "name": "a"}], {"deal": "lost"}, "moves"),
])  # fmt: skip
def test_bad_edits_name_the_field(stages, moves, field):
    with pytest.raises(InvalidInput) as refused:
        StageConfig.default().edited(stages, {}, moves)
    assert refused.value.field == field


def test_plan_move_first_next_and_same():
    config = StageConfig.default()
    first = plan_move(config, None, "e1", "new", "u1", 100, "2026-12-05")
    assert first and first.from_stage is None and first.seq == 1 and first.event_id == "stage-1"
    record = {"stage": "new", "seq": 1}
    nxt = plan_move(config, record, "e1", "deal", "u1", 101, "2026-12-05")
    assert nxt and nxt.from_stage == "new" and nxt.seq == 2
    assert plan_move(config, record, "e1", "new", "u1", 102, "2026-12-05") is None
    with pytest.raises(InvalidInput) as refused:
        plan_move(config, record, "e1", "nope", "u1", 102, "2026-12-05")
    assert refused.value.field == "stage"


@pytest.mark.parametrize("text", ["", "   ", None, "x" * 2001, 5])
def test_note_text_limits(text):
    with pytest.raises(InvalidInput) as refused:
        note_text(text)
    assert refused.value.field == "text"
    assert note_text("  hi ") == "hi" and len(note_text("x" * 2000)) == 2000


# the service ------------------------------------------------------------------------------------------
def test_set_stage_counts_timeline_and_retry():
    svc, stages, _, timeline, _, clock = _service("e1", "e2")
    assert svc.stage_of(C, "e1")["stage"] is None
    shown = svc.set_stage(C, "e1", "new", "u1")
    assert shown["stage"] == {"id": "new", "name": "新客"} and shown["by_userid"] == "u1"
    svc.set_stage(C, "e2", "new", "u1")
    clock.t += 5
    svc.set_stage(C, "e1", "deal", "u2")
    again = svc.set_stage(C, "e1", "deal", "u2")  # a retry: nothing moves, the entry is not duplicated
    assert again["stage"]["id"] == "deal" and again["from"]["id"] == "new"
    assert svc.stage_counts(C)["total"] == 2
    assert {r["id"]: r["customers"] for r in svc.stage_counts(C)["stages"]} == {
        "new": 1, "intent": 0, "deal": 1, "repeat": 0, "lost": 0}  # fmt: skip
    entries = [e for k, e in timeline.entries.items() if k[1] == "customer:e1"]
    assert [e["stage"] for e in entries] == ["new", "deal"] and entries[1]["from_name"] == "新客"
    day = svc.stage_moves(C, 1)["days"][0]
    assert day["total"] == 3 and {(m["from"], m["to"]) for m in day["moves"]} == {(None, "new"), ("new", "deal")}


def test_unknown_customer_and_member_required():
    svc, *_ = _service("e1")
    with pytest.raises(NotFound) as refused:
        svc.set_stage(C, "ghost", "new", "u1")
    assert refused.value.field == "external_userid"
    for call in (lambda: svc.add_note(C, "ghost", "u1", "hi"), lambda: svc.notes(C, "ghost"), lambda: svc.stage_of(C, "ghost")):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(InvalidInput) as bad:
        svc.set_stage(C, "e1", "new", "")
    assert bad.value.field == "userid"


def test_a_lost_race_is_decided_again():
    svc, stages, *_ = _service("e1")
    stages.fail_next_moves = 2
    assert svc.set_stage(C, "e1", "intent", "u1")["stage"]["id"] == "intent"
    stages.fail_next_moves = 100
    with pytest.raises(Conflict):
        svc.set_stage(C, "e1", "deal", "u1")


def test_concurrent_moves_keep_counts_exact():
    customers = [f"e{i}" for i in range(20)]
    svc, stages, *_ = _service(*customers)
    targets = ["new", "intent", "deal", "repeat", "lost"]

    def work(k: int) -> None:
        for i, ext in enumerate(customers):
            svc.set_stage(C, ext, targets[(i + k) % 5], f"u{k}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = {}
    for ext in customers:
        s = svc.stage_of(C, ext)["stage"]["id"]
        held[s] = held.get(s, 0) + 1
    counts = {r["id"]: r["customers"] for r in svc.stage_counts(C)["stages"] if r["customers"]}
    assert counts == held and sum(counts.values()) == 20


def test_removing_a_used_stage_merges_counts_and_refuses_without_moves():
    svc, *_ = _service("e1", "e2")
    svc.set_stage(C, "e1", "intent", "u1")
    keep = [{"id": i, "name": n} for i, n in (("new", "新客"), ("deal", "成交"), ("repeat", "复购"), ("lost", "流失"))]
    with pytest.raises(Conflict):
        svc.set_stages(C, keep)
    shown = svc.set_stages(C, keep, {"intent": "deal"}, version=0)
    assert {r["id"]: r["customers"] for r in shown["stages"]}["deal"] == 1 and shown["version"] == 1
    assert svc.stage_of(C, "e1")["stage"] == {"id": "deal", "name": "成交"}
    svc.set_stage(C, "e1", "lost", "u1")  # leaves the merged stage: the target's count goes down
    assert {r["id"]: r["customers"] for r in svc.stage_counts(C)["stages"]} == {"new": 0, "deal": 0, "repeat": 0, "lost": 1}
    with pytest.raises(Conflict) as stale:
        svc.set_stages(C, keep, version=0)
    assert stale.value.field == "version"


def test_mirror_creates_tags_and_marks_on_each_change():
    svc, _, _, _, tagging, _ = _service("e1")
    rows = [{"id": s["id"], "name": s["name"]} for s in svc.stages(C)["stages"]]
    shown = svc.set_stages(C, rows, mirror=True)
    [group] = tagging.groups
    assert group["name"] == "客户阶段" and [t["name"] for t in group["tags"]] == ["新客", "意向", "成交", "复购", "流失"]
    tag = {r["id"]: r["tag_id"] for r in shown["stages"]}
    svc.set_stage(C, "e1", "new", "u1")
    svc.set_stage(C, "e1", "deal", "u1")
    assert tagging.marked == [("e1", "u1", [tag["new"]], []), ("e1", "u1", [tag["deal"]], [tag["new"]])]
    rows[0]["name"] = "新客户"  # a rename renames the tag
    svc.set_stages(C, rows)
    assert tagging.renamed == [(tag["new"], "新客户")] and len(group["tags"]) == 5
    svc.set_stages(C, rows, mirror=False)
    svc.set_stage(C, "e1", "lost", "u1")
    assert len(tagging.marked) == 2


def test_notes_are_idempotent_paged_and_on_the_timeline():
    svc, _, notes, timeline, _, clock = _service("e1", "e2")
    first = svc.add_note(C, "e1", "u1", "  第一次电话，想了解会员  ", note_id="req-1")
    assert first["text"] == "第一次电话，想了解会员" and first["note_id"] == "req-1"
    clock.t += 3
    assert svc.add_note(C, "e1", "u1", "第一次电话，想了解会员", note_id="req-1") == first  # a retry
    derived = svc.add_note(C, "e1", "u2", "到店")
    assert svc.add_note(C, "e1", "u2", "到店")["note_id"] == derived["note_id"]  # a retry without an id
    for i in range(3):
        clock.t += 1
        svc.add_note(C, "e1", "u1", f"note {i}")
    assert len([k for k in timeline.entries if k[1] == "customer:e1" and k[3].startswith("note-")]) == 5
    page = svc.notes(C, "e1", limit=2)
    assert [n["text"] for n in page["items"]] == ["note 2", "note 1"] and page["next_cursor"]
    rest = svc.notes(C, "e1", page["next_cursor"], 10)
    assert [n["text"] for n in rest["items"]][-1] == first["text"] and rest["next_cursor"] == ""
    with pytest.raises(InvalidInput) as bad:
        svc.notes(C, "e2", page["next_cursor"])  # another customer's cursor
    assert bad.value.field == "cursor"
    with pytest.raises(InvalidInput) as bad:
        svc.add_note(C, "e1", "u1", "x", note_id="a b")
    assert bad.value.field == "note_id"


def test_search_by_words_and_member_pages_under_a_budget():
    svc, _, _, _, _, clock = _service("e1", "e2")
    for i in range(SEARCH_BUDGET + 50):
        clock.t += 1
        svc.add_note(C, "e1" if i % 2 else "e2", f"u{i % 3}", "VIP 回访" if i in (3, SEARCH_BUDGET + 40) else f"普通 {i}")
    hits = svc.search_notes(C, "vip", limit=10)
    assert [n["text"] for n in hits["items"]] == ["VIP 回访"] and hits["examined"] == SEARCH_BUDGET and hits["next_cursor"]
    more = svc.search_notes(C, "vip", cursor=hits["next_cursor"], limit=10)
    assert [n["text"] for n in more["items"]] == ["VIP 回访"] and more["next_cursor"] == "" and more["examined"] == 50
    by = svc.search_notes(C, "", "u1", limit=5)
    assert len(by["items"]) == 5 and {n["by_userid"] for n in by["items"]} == {"u1"}
    with pytest.raises(InvalidInput) as bad:
        svc.search_notes(C, "a b c d e f")
    assert bad.value.field == "q"
    with pytest.raises(InvalidInput) as bad:
        svc.search_notes(C, "other", cursor=hits["next_cursor"])
    assert bad.value.field == "cursor"


def test_the_sidebar_portrait_part_shows_stage_choices_and_newest_notes():
    svc, _, _, _, _, clock = _service("e1")
    svc.set_stage(C, "e1", "deal", "u1")
    for i in range(7):
        clock.t += 1
        svc.add_note(C, "e1", "u1", f"n{i}")
    part = svc.portrait_part(C, "e1", "u1")
    assert part["stage"]["stage"] == {"id": "deal", "name": "成交"} and len(part["stages"]) == 5
    assert [n["text"] for n in part["notes"]["items"]] == ["n6", "n5", "n4", "n3", "n2"]
    rest = svc.notes(C, "e1", part["notes"]["next_cursor"])  # the cursor continues GET …/notes
    assert [n["text"] for n in rest["items"]] == ["n1", "n0"]
