"""SopAdmin over fakes: create / read / list / update (pause, resume) / delete, enrolment queued only when an
active SOP's steps, targets or status changed, unknown members and tags refused by field, and progress
summed per member over the SOP's runs."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest
from scrm.kernel.errors import DomainError
from scrm.sops import service as sop_admin
from scrm.sops.service import SopAdmin

from tests.unit.live_code_fakes import FakeClock
from tests.unit.refusals import status
from tests.unit.sop_fakes import CORP, FakeSops

T0 = 1_795_000_000


class FakeDirectory:
    def __init__(self, employees: set[str], tags: set[str]) -> None:
        self.employees = employees
        self.tags = tags

    def known_employees(self, corp_id: str, userids: Sequence[str]) -> set[str]:
        return set(userids) & self.employees

    def known_tags(self, corp_id: str) -> set[str]:
        return set(self.tags)


class FakeProgress:
    def __init__(self) -> None:
        self.by_send: dict[str, dict[str, Any]] = {}

    def progress(self, corp_id: str, send_id: str) -> dict[str, Any]:
        return self.by_send[send_id]


class World:
    def __init__(self) -> None:
        self.repo = FakeSops()
        self.enrolled: list[tuple[str, str]] = []
        self.directory = FakeDirectory({"alice", "bob"}, {"vip", "new"})
        self.sends = FakeProgress()
        self.clock = FakeClock(T0)
        self.admin = SopAdmin(self.repo, lambda corp, sop_id: self.enrolled.append((corp, sop_id)),
                              self.directory, self.sends, self.clock)  # fmt: skip


BODY = {"name": "onboarding", "targets": {"employees": ["alice"], "tags_any": ["vip"]},
        "steps": [{"id": "d0", "after_added_days": 0, "at": "10:00", "text": "欢迎 {name}"}]}  # fmt: skip


def error(call: Any, *args: Any) -> DomainError:
    with pytest.raises(DomainError) as err:
        call(*args)
    return err.value


def test_create_stores_the_spec_and_queues_enrolment_once() -> None:
    w = World()
    sop = w.admin.create(CORP, BODY)
    assert sop["kind"] == "customer" and sop["status"] == "active" and sop["name"] == "onboarding"
    assert sop["steps"] == [
        {"id": "d0", "after_added_days": 0, "at": "10:00", "text": "欢迎 {name}", "attachments": []}
    ]
    assert sop["created_at"] == sop["updated_at"] == T0
    assert w.enrolled == [(CORP, sop["sop_id"])]
    assert w.admin.get(CORP, sop["sop_id"]) == sop
    assert w.repo.get_sop(CORP, sop["sop_id"]).version == 1


def test_a_sop_created_paused_is_not_enrolled_and_lists_are_newest_first_by_kind() -> None:
    w = World()
    first = w.admin.create(CORP, {**BODY, "status": "paused"})
    assert w.enrolled == []
    w.clock.now += 10
    grp = w.admin.create(CORP, {"kind": "group", "name": "g", "targets": {"owners": ["bob"]},
                                "steps": [{"weekly": [5], "at": "18:00", "text": "周五"}]})  # fmt: skip
    assert w.enrolled == [(CORP, grp["sop_id"])]
    assert [s["sop_id"] for s in w.admin.list(CORP)] == [grp["sop_id"], first["sop_id"]]
    assert [s["sop_id"] for s in w.admin.list(CORP, "customer")] == [first["sop_id"]]
    assert [s["sop_id"] for s in w.admin.list(CORP, "group")] == [grp["sop_id"]]


def test_updates_queue_enrolment_only_for_an_active_sops_steps_targets_or_status() -> None:
    w = World()
    sid = w.admin.create(CORP, BODY)["sop_id"]
    w.enrolled.clear()
    w.clock.now += 5
    assert w.admin.update(CORP, sid, {"name": "renamed"})["updated_at"] == T0 + 5
    assert w.enrolled == []  # a name changes nobody's due items
    w.admin.update(CORP, sid, {"steps": [{"id": "d0", "after_added_days": 1, "at": "10:00", "text": "hi"}]})
    assert w.enrolled == [(CORP, sid)]
    w.admin.update(CORP, sid, {"targets": {"employees": ["bob"]}})
    assert w.enrolled == [(CORP, sid)] * 2
    w.admin.update(CORP, sid, {"targets": {"employees": ["bob"]}})  # the same targets again: no change
    assert len(w.enrolled) == 2
    assert w.admin.update(CORP, sid, {"status": "paused"})["status"] == "paused"
    assert len(w.enrolled) == 2  # paused: nothing to enrol
    w.admin.update(CORP, sid, {"steps": [{"id": "d0", "after_added_days": 2, "at": "10:00", "text": "hi"}]})
    assert len(w.enrolled) == 2  # a paused SOP's edits wait for its resume
    assert w.admin.update(CORP, sid, {"status": "active"})["status"] == "active"
    assert w.enrolled[-1] == (CORP, sid) and len(w.enrolled) == 3
    assert (
        w.admin.get(CORP, sid)["steps"][0]["after_added_days"] == 2
        and w.admin.get(CORP, sid)["name"] == "renamed"
    )


def test_an_update_racing_another_writer_is_applied_over_the_newer_version() -> None:
    w = World()
    sid = w.admin.create(CORP, BODY)["sop_id"]

    def other_writer() -> None:
        sop = w.repo.get_sop(CORP, sid)
        sop.edit(dataclasses.replace(sop.spec, name="theirs"), T0)
        assert w.repo.put_sop(CORP, sop)

    w.repo.interfere.append(other_writer)
    w.admin.update(CORP, sid, {"status": "paused"})
    got = w.admin.get(CORP, sid)
    assert got["status"] == "paused" and got["name"] == "theirs"  # both changes kept
    assert w.repo.get_sop(CORP, sid).version == 3


def test_an_update_or_a_delete_that_keeps_losing_is_a_409_and_changes_nothing() -> None:
    w = World()
    sid = w.admin.create(CORP, BODY)["sop_id"]
    w.enrolled.clear()

    def bump() -> None:
        w.repo.sops[(CORP, sid)].version += 1

    w.repo.interfere.extend([bump] * 5)
    err = error(w.admin.update, CORP, sid, {"status": "paused"})
    assert (status(err), err.message) == (409, "the SOP changed while saving; try again")
    assert w.admin.get(CORP, sid)["status"] == "active" and w.enrolled == []
    w.repo.interfere.extend([bump] * 5)
    err = error(w.admin.delete, CORP, sid)
    assert (status(err), err.message) == (409, "the SOP changed while deleting; try again")
    assert w.repo.get_sop(CORP, sid) is not None
    w.repo.interfere.extend([bump] * 4)  # a fifth try lands
    assert w.admin.delete(CORP, sid)["deleted"] and w.repo.get_sop(CORP, sid) is None


def test_a_delete_racing_a_delete_is_a_404() -> None:
    w = World()
    sid = w.admin.create(CORP, BODY)["sop_id"]
    w.repo.interfere.append(lambda: w.repo.sops.pop((CORP, sid)))
    err = error(w.admin.delete, CORP, sid)
    assert (status(err), err.field) == (404, "sop_id")


def test_delete_removes_the_sop_and_unknown_ids_are_404() -> None:
    w = World()
    sid = w.admin.create(CORP, BODY)["sop_id"]
    assert w.admin.delete(CORP, sid) == {"sop_id": sid, "deleted": True}
    assert w.repo.get_sop(CORP, sid) is None and w.admin.list(CORP) == []
    for call, args in ((w.admin.get, ()), (w.admin.delete, ()), (w.admin.update, ({"name": "x"},)),
                       (w.admin.progress, ())):  # fmt: skip
        err = error(call, CORP, sid, *args)
        assert status(err) == 404 and err.field == "sop_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "targets": {"employees": ["alice", "ghost"]}}, "targets.employees"),
        ({**BODY, "targets": {"tags_all": ["vip"], "tags_any": ["nope"]}}, "targets.tags_any"),
        ({**BODY, "targets": {"tags_none": ["gone"]}}, "targets.tags_none"),
        (
            {
                "kind": "group",
                "name": "g",
                "targets": {"owners": ["ghost"]},
                "steps": [{"weekly": [1], "at": "09:00", "text": "x"}],
            },
            "targets.owners",
        ),
        ({**BODY, "steps": [{"after_added_days": 0, "text": "x"}]}, "steps[0].at"),
        ({**BODY, "colour": "red"}, "colour"),
        ({**BODY, "kind": "channel"}, "kind"),
        ([], "body"),
    ],
)
def test_a_bad_body_or_unknown_reference_is_a_400_naming_the_field(body: Any, field: str) -> None:
    w = World()
    err = error(w.admin.create, CORP, body)
    assert status(err) == 400 and err.field == field
    if field.startswith("targets."):
        assert ("ghost" if "employees" in field or "owners" in field else "") in str(err)
    assert w.repo.list_sops(CORP) == [] and w.enrolled == []


def test_an_update_naming_an_unknown_tag_is_refused_and_changes_nothing() -> None:
    w = World()
    sid = w.admin.create(CORP, BODY)["sop_id"]
    err = error(w.admin.update, CORP, sid, {"targets": {"tags_any": ["nope"]}})
    assert status(err) == 400 and err.field == "targets.tags_any"
    assert w.admin.get(CORP, sid)["targets"]["tags_any"] == ["vip"]


def test_a_sop_naming_a_member_who_left_can_still_be_paused_renamed_and_deleted() -> None:
    w = World()
    sid = w.admin.create(CORP, BODY)["sop_id"]
    w.directory.employees.discard("alice")  # alice left; her customers go elsewhere, the SOP stays
    w.directory.tags.discard("vip")
    assert w.admin.update(CORP, sid, {"status": "paused"})["status"] == "paused"
    assert w.admin.update(CORP, sid, {"name": "old team"})["name"] == "old team"
    err = error(w.admin.update, CORP, sid, {"targets": {"employees": ["alice"]}})  # naming her anew: refused
    assert status(err) == 400 and err.field == "targets.employees"
    assert w.admin.delete(CORP, sid)["deleted"]


def test_a_corp_has_at_most_max_sops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sop_admin, "MAX_SOPS", 2)
    w = World()
    w.admin.create(CORP, BODY)
    w.admin.create(CORP, BODY)
    assert status(error(w.admin.create, CORP, BODY)) == 409
    assert len(w.repo.list_sops(CORP)) == 2


def _progress(state: str, members: list[tuple[str, int, int]]) -> dict[str, Any]:
    total, sent = sum(m[1] for m in members), sum(m[2] for m in members)
    return {"state": state, "recipients": total, "outcomes": {"sent": sent}, "skipped": {},
            "completion_rate": round(sent / total, 4) if total else 0.0,
            "members": [{"userid": u, "customers": c, "sent": s, "parts": 1} for u, c, s in members]}  # fmt: skip


def test_progress_sums_each_members_recipients_and_sends_over_the_runs() -> None:
    w = World()
    sid = w.admin.create(CORP, BODY)["sop_id"]
    w.repo.put_run(CORP, sid, "2026-11-23T10:00", "d0", "send1")
    w.repo.put_run(CORP, sid, "2026-11-24T10:00", "d0", "send2")
    w.repo.put_run(CORP, "other", "2026-11-24T10:00", "d0", "send3")  # another SOP's run
    w.sends.by_send = {"send1": _progress("planned", [("alice", 3, 3), ("bob", 2, 0)]),
                       "send2": _progress("planned", [("alice", 1, 0), ("carol", 4, 2)]),
                       "send3": _progress("planned", [("alice", 100, 100)])}  # fmt: skip
    p = w.admin.progress(CORP, sid)
    assert [r["send_id"] for r in p["runs"]] == ["send2", "send1"]  # newest first
    assert p["runs"][1]["recipients"] == 5 and p["runs"][1]["completion_rate"] == 0.6
    assert p["members"] == [
        {"userid": "alice", "recipients": 4, "sent": 3, "completion_rate": 0.75},
        {"userid": "bob", "recipients": 2, "sent": 0, "completion_rate": 0.0},
        {"userid": "carol", "recipients": 4, "sent": 2, "completion_rate": 0.5},
    ]
    assert (p["recipients"], p["sent"], p["completion_rate"]) == (10, 5, 0.5)
    assert p["name"] == "onboarding"
    assert [r["send_id"] for r in w.admin.progress(CORP, sid, limit=1)["runs"]] == ["send2"]


def test_progress_of_a_sop_without_runs_is_zero() -> None:
    w = World()
    sid = w.admin.create(CORP, BODY)["sop_id"]
    p = w.admin.progress(CORP, sid)
    assert (p["runs"], p["members"], p["recipients"], p["completion_rate"]) == ([], [], 0, 0.0)


def test_a_group_sop_by_group_labels_is_accepted_though_no_corp_tag_has_those_names() -> None:
    w = World()  # the corp tag library holds vip and new: group labels are not checked against it
    sop = w.admin.create(CORP, {"kind": "group", "name": "g", "targets": {"owners": ["alice"], "tags_any": ["门店群", "t1"]},
                                "steps": [{"date": "2026-12-01", "at": "10:00", "text": "x"}]})  # fmt: skip
    assert w.admin.get(CORP, sop["sop_id"])["targets"]["tags_any"] == ["门店群", "t1"]
    # the owners are still checked
    err = error(w.admin.create, CORP, {"kind": "group", "name": "g", "targets": {"owners": ["zoe"], "tags_any": ["t1"]},
                                       "steps": [{"date": "2026-12-01", "at": "10:00", "text": "x"}]})  # fmt: skip
    assert status(err) == 400 and err.field == "targets.owners"


def test_a_name_step_comes_with_a_note_on_its_cost() -> None:
    w = World()
    sop = w.admin.create(CORP, {"name": "n", "steps": [
        {"after_added_days": 0, "at": "10:00", "text": "plain"},
        {"after_added_days": 1, "at": "10:00", "text": "{name}，你好"}]})  # fmt: skip
    assert len(sop["notes"]) == 1 and sop["notes"][0].startswith("steps[1].text: {name} makes one WeCom task per")
    assert w.admin.get(CORP, sop["sop_id"])["notes"] == sop["notes"]
