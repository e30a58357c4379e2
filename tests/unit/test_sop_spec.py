from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from admin.schemas.sops import MAX_STEPS
from scrm.kernel.errors import InvalidInput
from scrm.sops.spec import (
    SopSpec,
    parse_customer_sop,
    parse_group_sop,
    sop_from_dict,
)
from scrm.sops.targets import CustomerTargets, GroupTargets

from tests.unit.sop_fakes import sop_fields

LINK = {"msgtype": "link", "link": {"title": "Guide", "url": "https://example.com/g"}}


def step(**kw: Any) -> dict[str, Any]:
    return {"after_added_days": 0, "at": "10:00", "text": "Hi {name}", **kw}


def gstep(**kw: Any) -> dict[str, Any]:
    return {"weekly": [5], "at": "18:00", "text": "Weekly offer", **kw}


def customer(**kw: Any) -> dict[str, Any]:
    return {"name": "New customers", "steps": [step()], **kw}


def group(**kw: Any) -> dict[str, Any]:
    return {"name": "Store groups", "steps": [gstep()], **kw}


def field_of(b: Any, parser: Any = parse_customer_sop, existing: SopSpec | None = None) -> str:
    """The field a body is refused for: by the admin API's model (its shape), else by the domain's rules."""
    with pytest.raises(InvalidInput) as err:
        parser(sop_fields(b, patch=existing is not None, given=True), existing)
    return err.value.field


def test_a_full_customer_sop_parses_into_frozen_values() -> None:
    spec = parse_customer_sop(
        {
            "name": " Onboarding ",
            "status": "paused",
            "targets": {
                "tags_all": ["vip", "vip"],
                "tags_any": ["sh", "bj"],
                "tags_none": ["blocked"],
                "states": ["c1a2b3"],
                "employees": ["u1"],
                "departments": [3, 5],
                "days_since_added": {"min": 0, "max": 30},
            },
            "steps": [
                step(after_added_days=0, at="00:00", text="Welcome pack, {name}"),
                {"after_added_days": 3, "at": "23:59", "attachments": [LINK]},
                {"date": "2028-02-29", "at": "09:30", "text": "Leap day sale"},
                {"weekly": [7, 5, 5], "at": "18:00", "text": "Weekend"},
            ],
        }
    )
    assert spec.kind == "customer" and spec.name == "Onboarding" and spec.status == "paused"
    assert not spec.active
    assert spec.targets == CustomerTargets(
        tags_all=("vip",), tags_any=("sh", "bj"), tags_none=("blocked",), states=("c1a2b3",),
        employees=("u1",), departments=(3, 5), days_min=0, days_max=30,
    )  # fmt: skip
    kinds = [(s.step_id, s.trigger.kind, s.trigger.at) for s in spec.steps]
    assert kinds == [("s1", "after_added_days", 0), ("s2", "after_added_days", 23 * 60 + 59),
                     ("s3", "date", 570), ("s4", "weekly", 1080)]  # fmt: skip
    assert spec.steps[1].trigger.days == 3 and spec.steps[1].trigger.relative
    assert spec.steps[2].trigger.on == date(2028, 2, 29) and not spec.steps[2].trigger.relative
    assert spec.steps[3].trigger.weekdays == (5, 7)
    assert spec.steps[0].content.needs_name
    assert spec.steps[1].content.attachments == (LINK,)
    with pytest.raises(AttributeError):
        spec.name = "x"  # type: ignore[misc]


def test_round_trip_through_as_dict_customer_and_group() -> None:
    c = parse_customer_sop(customer(targets={"tags_any": ["a"], "days_since_added": {"max": 7}},
                                    steps=[step(), {"weekly": [1, 2], "at": "08:05", "text": "x"}]))  # fmt: skip
    g = parse_group_sop(group(targets={"owners": ["u1", "u2"], "name_contains": "Store", "tags_any": ["t"]},
                              steps=[gstep(), {"after_created_days": 1, "at": "12:00", "attachments": [LINK]},
                                     {"date": "2026-12-31", "at": "23:59", "text": "Year end"}]))  # fmt: skip
    for spec in (c, g):
        assert sop_from_dict(spec.as_dict()) == spec
    assert parse_customer_sop(c.as_dict()) == c
    assert parse_group_sop(g.as_dict()) == g
    assert c.as_dict()["steps"][1] == {"id": "s2", "weekly": [1, 2], "at": "08:05", "text": "x", "attachments": []}
    assert g.as_dict()["steps"][2]["date"] == "2026-12-31"
    assert g.as_dict()["targets"] == {"owners": ["u1", "u2"], "name_contains": "Store", "tags_any": ["t"]}


def test_defaults_empty_targets_mean_everyone_and_status_active() -> None:
    spec = parse_customer_sop(customer())
    assert spec.active and spec.targets == CustomerTargets()
    assert parse_group_sop(group()).targets == GroupTargets()


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"steps": [step()]}, "name"),
        (customer(name="  "), "name"),
        (customer(name="x" * 51), "name"),
        (customer(colour="red"), "colour"),
        (customer(status="on"), "status"),
        (customer(kind="group"), "kind"),
        (customer(steps=[]), "steps"),
        ({"name": "n"}, "steps"),
        (customer(steps=[step()] * (MAX_STEPS + 1)), "steps"),
        (customer(steps=[step(), "later"]), "steps[1]"),
        (customer(steps=[step(), step(), {"at": "10:00", "text": "x"}]), "steps[2]"),
        (customer(steps=[step(), step(date="2026-01-01")]), "steps[1]"),
        (customer(steps=[step(), step(), step(at="24:00")]), "steps[2].at"),
        (customer(steps=[step(at="9:00")]), "steps[0].at"),
        (customer(steps=[step(at=None)]), "steps[0].at"),
        (customer(steps=[step(after_added_days=-1)]), "steps[0].after_added_days"),
        (customer(steps=[step(after_added_days=366)]), "steps[0].after_added_days"),
        (customer(steps=[step(after_added_days=True)]), "steps[0].after_added_days"),
        (customer(steps=[step(after_added_days="3")]), "steps[0].after_added_days"),
        (customer(steps=[{"date": "2026-02-29", "at": "10:00", "text": "x"}]), "steps[0].date"),
        (customer(steps=[{"date": "2026-2-1", "at": "10:00", "text": "x"}]), "steps[0].date"),
        (customer(steps=[{"weekly": [], "at": "10:00", "text": "x"}]), "steps[0].weekly"),
        (customer(steps=[{"weekly": [0, 1], "at": "10:00", "text": "x"}]), "steps[0].weekly[0]"),
        (customer(steps=[{"weekly": [8], "at": "10:00", "text": "x"}]), "steps[0].weekly[0]"),
        (customer(steps=[step(after_created_days=1)]), "steps[0].after_created_days"),
        (customer(steps=[step(colour=1)]), "steps[0].colour"),
        (customer(steps=[step(text="{name}")]), "steps[0]"),
        (customer(steps=[step(text="é" * 2001)]), "steps[0].text"),
        (customer(steps=[step(text=5)]), "steps[0].text"),
        (customer(steps=[step(), step(attachments=[LINK] * 10)]), "steps[1].attachments"),
        (customer(steps=[step(attachments=[LINK, {"msgtype": "link", "link": {"title": "t"}}])]),
         "steps[0].attachments[1].link.url"),  # fmt: skip
        (customer(steps=[step(attachments=[{"msgtype": "voice", "voice": {}}])]), "steps[0].attachments[0].msgtype"),
        (customer(steps=[step(attachments=[{"msgtype": "image", "image": {}}])]), "steps[0].attachments[0].image.media_id"),
        (customer(steps=[step(id="bad id")]), "steps[0].id"),
        (customer(steps=[step(id="a"), step(), step(id="a")]), "steps[2].id"),
        (customer(targets=[]), "targets"),
        (customer(targets={"tag_all": ["x"]}), "targets.tag_all"),
        (customer(targets={"tags_all": "vip"}), "targets.tags_all"),
        (customer(targets={"tags_any": [""]}), "targets.tags_any[0]"),
        (customer(targets={"tags_all": ["a"], "tags_none": ["a"]}), "targets.tags_none"),
        (customer(targets={"tags_all": [str(i) for i in range(101)]}), "targets.tags_all"),
        (customer(targets={"states": ["x" * 31]}), "targets.states[0]"),
        (customer(targets={"employees": [1]}), "targets.employees[0]"),
        (customer(targets={"departments": [0]}), "targets.departments[0]"),
        (customer(targets={"departments": ["3"]}), "targets.departments[0]"),
        (customer(targets={"days_since_added": {"min": -1}}), "targets.days_since_added.min"),
        (customer(targets={"days_since_added": {"max": 1.5}}), "targets.days_since_added.max"),
        (customer(targets={"days_since_added": {"min": 8, "max": 7}}), "targets.days_since_added.min"),
        (customer(targets={"days_since_added": {"from": 1}}), "targets.days_since_added.from"),
        (customer(targets={"days_since_added": 3}), "targets.days_since_added"),
    ],
)
def test_customer_field_errors_name_the_field(body: dict[str, Any], path: str) -> None:
    assert field_of(body) == path


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (group(steps=[gstep(), gstep(text="Hi {name}")]), "steps[1].text"),
        (group(steps=[{"after_added_days": 1, "at": "10:00", "text": "x"}]), "steps[0].after_added_days"),
        (group(steps=[{"after_created_days": 400, "at": "10:00", "text": "x"}]), "steps[0].after_created_days"),
        (group(kind="customer"), "kind"),
        (group(targets={"owners": "u1"}), "targets.owners"),
        (group(targets={"name_contains": 3}), "targets.name_contains"),
        (group(targets={"name_contains": "x" * 51}), "targets.name_contains"),
        (group(targets={"tags_all": ["x"]}), "targets.tags_all"),
    ],
)
def test_group_field_errors_name_the_field(body: dict[str, Any], path: str) -> None:
    assert field_of(body, parse_group_sop) == path


def test_a_group_step_relative_to_creation_is_refused_in_a_customer_sop_with_the_reason() -> None:
    with pytest.raises(InvalidInput, match="customer SOP steps by after_added_days"):
        parse_customer_sop(customer(steps=[{"after_created_days": 1, "at": "10:00", "text": "x"}]))


def test_step_ids_given_are_kept_and_missing_ones_avoid_them() -> None:
    spec = parse_customer_sop(customer(steps=[step(), step(id="s1"), step(id="s3"), step()]))
    assert [s.step_id for s in spec.steps] == ["s2", "s1", "s3", "s4"]
    assert spec.step("s3") is spec.steps[2] and spec.step("s9") is None


def test_an_update_changes_only_given_fields_and_new_steps_never_take_an_old_id() -> None:
    spec = parse_customer_sop(customer(targets={"tags_any": ["a"]}, steps=[step(), step(after_added_days=3)]))
    paused = parse_customer_sop({"status": "paused"}, spec)
    assert paused.status == "paused" and paused.steps == spec.steps and paused.targets == spec.targets
    # the client drops s1 and adds a step without an id: it must not become "s1" (s1's due items exist)
    edited = parse_customer_sop({"steps": [spec.steps[1].as_dict(), step(after_added_days=7)]}, spec)
    assert [s.step_id for s in edited.steps] == ["s2", "s3"]
    assert edited.name == spec.name and edited.status == "active"


def test_an_update_cannot_change_the_kind() -> None:
    spec = parse_group_sop(group())
    assert field_of({"name": "x"}, parse_customer_sop, spec) == "kind"


def test_text_limit_is_4000_bytes_and_group_text_without_name_is_fine() -> None:
    assert parse_customer_sop(customer(steps=[step(text="é" * 2000)])).steps[0].content.text == "é" * 2000
    g = parse_group_sop(group(steps=[gstep(text="x" * 4000)]))
    assert not g.steps[0].content.needs_name


def test_payload_fills_the_name_in_the_add_msg_template_shape() -> None:
    s = parse_customer_sop(customer(steps=[step(text="Hi {name}", attachments=[LINK])])).steps[0]
    assert s.content.payload("Li") == {"text": {"content": "Hi Li"}, "attachments": [LINK]}
