"""A SOP as an aggregate: its spec (spec.py), when it was made and last changed, and the stored item's
``version``.

Its states: active ⇄ paused (the spec's ``status``), and deleted (the item goes; its due items expire unsent,
since the planner finds no SOP for them). ``Sop``'s methods are the only transitions: ``created``, ``edit``
(and its ``pause`` / ``resume``), ``delete``. Each returns a typed outcome saying whether enrolment (the due
index of relative steps) must run again; a deleted SOP refuses them (``NotFound``), and so does an edit that
would change the SOP's kind. The repository loads and saves it under its version.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from scrm.domain.field_error import FieldError
from scrm.kernel.errors import NotFound
from scrm.sops.spec import SopSpec, sop_from_dict

ACTIVE, PAUSED = "active", "paused"
ITEM_KEYS = frozenset({"sop_id", "spec", "created_at", "updated_at"})


@dataclass(frozen=True)
class Saved:
    """A create or an edit: ``changed`` when the steps, the targets or the status changed (always for a
    new SOP); ``enrol`` when the due index must be written again (an active SOP that changed)."""

    changed: bool
    enrol: bool


@dataclass(frozen=True)
class Deleted:
    sop_id: str


@dataclass
class Sop:
    sop_id: str
    spec: SopSpec
    created_at: int = 0
    updated_at: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # keys another version wrote, kept whole
    version: int = 0  # the stored item's; 0 before it is first written
    deleted: bool = False

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def active(self) -> bool:
        return self.spec.active and not self.deleted

    # the stored item ----------------------------------------------------------------------------------
    @classmethod
    def from_item(cls, data: Mapping[str, Any], version: int = 0) -> Self:
        return cls(
            sop_id=str(data["sop_id"]),
            spec=sop_from_dict(data["spec"]),
            created_at=int(data.get("created_at") or 0),
            updated_at=int(data.get("updated_at") or 0),
            extra={k: v for k, v in data.items() if k not in ITEM_KEYS},
            version=version,
        )

    def to_item(self) -> dict[str, Any]:
        return {**self.extra, "sop_id": self.sop_id, "spec": self.spec.as_dict(), "created_at": self.created_at,
                "updated_at": self.updated_at}  # fmt: skip

    def view(self) -> dict[str, Any]:
        """What the admin API shows of the SOP."""
        spec = self.spec.as_dict()
        return {"sop_id": self.sop_id, **spec, "created_at": self.created_at, "updated_at": self.updated_at,
                "notes": step_notes(spec)}  # fmt: skip

    # transitions ----------------------------------------------------------------------------------------
    @classmethod
    def created(cls, sop_id: str, spec: SopSpec, now: int) -> tuple[Self, Saved]:
        return cls(sop_id, spec, now, now), Saved(changed=True, enrol=spec.active)

    def _refuse_if_deleted(self) -> None:
        if self.deleted:
            raise NotFound(f"no SOP {self.sop_id}", "sop_id")

    def edit(self, spec: SopSpec, now: int) -> Saved:
        """The new spec (``parse_*_sop(body, sop.spec)``: only the given fields changed)."""
        self._refuse_if_deleted()
        if spec.kind != self.spec.kind:
            raise FieldError("kind", f"this SOP is a {self.spec.kind} SOP")
        before = self.spec
        self.spec, self.updated_at = spec, now
        changed = (spec.steps, spec.targets, spec.status) != (before.steps, before.targets, before.status)
        return Saved(changed=changed, enrol=spec.active and changed)

    def pause(self, now: int) -> Saved:
        """Its due steps pass unsent while paused (the planner skips them); pausing a paused SOP changes
        nothing but the time."""
        return self.edit(dataclasses.replace(self.spec, status=PAUSED), now)

    def resume(self, now: int) -> Saved:
        """Active again: enrolment runs again when it was paused (edits made meanwhile included)."""
        return self.edit(dataclasses.replace(self.spec, status=ACTIVE), now)

    def delete(self) -> Deleted:
        """Gone: the repository removes the item at its version. Tasks already handed to members stay."""
        self._refuse_if_deleted()
        self.deleted = True
        return Deleted(self.sop_id)


def step_notes(spec: Mapping[str, Any]) -> list[str]:
    """What an admin should know before a step falls due: a {name} step cannot share a task (WeCom's
    add_msg_template has one text for all its customers), so each customer is one task to confirm."""
    return [
        f"steps[{i}].text: {{name}} makes one WeCom task per customer, each confirmed by the member "
        "(a step without it makes one task per member and 10,000 customers)"
        for i, step in enumerate(spec.get("steps") or [])
        if "{name}" in str(step.get("text") or "")
    ]
