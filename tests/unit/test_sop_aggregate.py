"""Sop's transitions: each one's outcome (does enrolment run again?) and state, and the ones refused."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from scrm.kernel.errors import InvalidInput, NotFound
from scrm.sops import model as S
from scrm.sops.sop import Deleted, Saved, Sop

BODY = {"name": "onboarding", "targets": {"employees": ["alice"]},
        "steps": [{"id": "d0", "after_added_days": 0, "at": "10:00", "text": "欢迎 {name}"}]}  # fmt: skip


def sop(**kw: Any) -> Sop:
    return Sop.created("s1", S.parse_customer_sop({**BODY, **kw}), 100)[0]


def edited(s: Sop, **body: Any) -> S.SopSpec:
    return S.parse_customer_sop(body, s.spec)


@pytest.mark.parametrize(("status", "enrol"), [("active", True), ("paused", False)])
def test_a_new_sop_is_enrolled_when_active(status, enrol):
    s, saved = Sop.created("s1", S.parse_customer_sop({**BODY, "status": status}), 100)
    assert saved == Saved(changed=True, enrol=enrol)
    assert (s.sop_id, s.created_at, s.updated_at, s.version, s.deleted) == ("s1", 100, 100, 0, False)


def test_a_rename_changes_nobodys_due_items():
    s = sop()
    assert s.edit(edited(s, name="renamed"), 200) == Saved(changed=False, enrol=False)
    assert (s.name, s.updated_at, s.created_at) == ("renamed", 200, 100)


@pytest.mark.parametrize(
    "body",
    [{"steps": [{"id": "d0", "after_added_days": 1, "at": "10:00", "text": "hi"}]}, {"targets": {"employees": ["bob"]}}],
)
def test_new_steps_or_targets_of_an_active_sop_enrol_again(body):
    s = sop()
    assert s.edit(edited(s, **body), 200) == Saved(changed=True, enrol=True)


def test_pause_and_resume():
    s = sop()
    assert s.pause(200) == Saved(changed=True, enrol=False)
    assert (s.spec.status, s.active, s.updated_at) == ("paused", False, 200)
    assert s.pause(210) == Saved(changed=False, enrol=False)  # paused already: nothing but the time
    assert s.edit(edited(s, targets={"employees": ["bob"]}), 220) == Saved(changed=True, enrol=False)
    assert s.resume(230) == Saved(changed=True, enrol=True)  # the edits made while paused are enrolled now
    assert (s.spec.status, s.active) == ("active", True)
    assert s.resume(240) == Saved(changed=False, enrol=False)


def test_an_edit_cannot_make_a_customer_sop_a_group_sop():
    s = sop()
    group = S.parse_group_sop({"name": "g", "steps": [{"weekly": [1], "at": "09:00", "text": "x"}]})
    with pytest.raises(InvalidInput) as err:
        s.edit(group, 200)
    assert err.value.field == "kind"
    assert s == sop()


def test_a_deleted_sop_refuses_every_transition():
    s = sop()
    assert s.delete() == Deleted("s1")
    assert s.deleted and not s.active
    for change in (lambda: s.edit(edited(s, name="x"), 1), lambda: s.pause(1), lambda: s.resume(1), s.delete):
        with pytest.raises(NotFound) as err:
            change()
        assert (err.value.message, err.value.field) == ("no SOP s1", "sop_id")


def test_the_stored_item_round_trips_with_unknown_keys_and_the_version():
    s = sop()
    item = {**s.to_item(), "from_a_newer_version": 1}
    assert item["spec"] == s.spec.as_dict() and item["sop_id"] == "s1"
    back = Sop.from_item(item, 3)
    assert back == dataclasses.replace(s, extra={"from_a_newer_version": 1}, version=3)
    assert back.to_item() == item


def test_the_view_is_the_spec_with_times_and_notes():
    view = sop().view()
    assert view == {"sop_id": "s1", **sop().spec.as_dict(), "created_at": 100, "updated_at": 100,
                    "notes": [view["notes"][0]]}  # fmt: skip
    assert view["notes"][0].startswith("steps[0].text: {name} makes one WeCom task per customer")
