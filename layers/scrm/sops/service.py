"""SOPs as the admin sees them: create, read, list, update (pause / resume is an update of ``status``),
delete, and progress (the mass sends its due steps became, with completion by member).

A save only stores the plan: the due index for relative steps is written by enrolment (queued here, run
by the mass-send worker), and what is due is found by the planner's tick. A change to the steps or the
targets of an active SOP queues enrolment again; the planner re-checks every due item against the SOP as
it is at send time, so edits never need a sweep of old items.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from scrm.kernel.errors import Conflict, InvalidInput, NotFound
from scrm.sops import model as S
from scrm.sops.ports import Directory, Progress, SopRepo

MAX_SOPS = 200  # per corp: each active SOP costs the tick one small Query per relative step and minute


class SopAdmin:
    def __init__(
        self,
        repo: SopRepo,
        enrol: Callable[[str, str], None],
        directory: Directory | None = None,
        sends: Progress | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repo = repo
        self.enrol = enrol  # queue enrolment of (corp, sop_id)
        self.directory = directory
        self.sends = sends
        self.clock = clock

    def _parse(self, corp_id: str, kind: str, body: Mapping[str, Any], existing: S.SopSpec | None) -> S.SopSpec:
        spec = S.parse_group_sop(body, existing) if kind == S.GROUP else S.parse_customer_sop(body, existing)
        if existing is None or "targets" in body:
            # Only targets given now: a member who left since must not block a pause, a rename or a resume.
            self._check_refs(corp_id, spec)
        return spec

    def _check_refs(self, corp_id: str, spec: S.SopSpec) -> None:
        """Unknown employees or tags would make a SOP that silently reaches nobody: refuse them by name.
        Group labels (``targets.tags_any`` of a group SOP) are the SCRM's own free text, not checked: an
        admin may label the groups after saving the SOP, and the labels are read when a step falls due."""
        t = spec.targets
        if self.directory is None:
            return
        members = t.employees if isinstance(t, S.CustomerTargets) else t.owners
        field = "targets.employees" if isinstance(t, S.CustomerTargets) else "targets.owners"
        if members:
            known = self.directory.known_employees(corp_id, list(members))
            unknown = [m for m in members if m not in known]
            if unknown:
                raise InvalidInput(field, f"{field}: unknown employee {unknown[0]}")
        if isinstance(t, S.CustomerTargets):
            tags = [*t.tags_all, *t.tags_any, *t.tags_none]
            if tags:
                library = self.directory.known_tags(corp_id)
                for name in ("tags_all", "tags_any", "tags_none"):
                    for tag in getattr(t, name):
                        if tag not in library:
                            raise InvalidInput(f"targets.{name}", f"targets.{name}: unknown tag {tag}")

    def create(self, corp_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``fields``: the SOP's fields as typed values (the admin API's SopInput), kind included."""
        spec = self._parse(corp_id, fields["kind"], fields, None)
        if len(self.repo.list_sops(corp_id)) >= MAX_SOPS:
            raise Conflict(f"a corp may have at most {MAX_SOPS} SOPs; delete one first")
        now = int(self.clock())
        sop = {"sop_id": uuid.uuid4().hex[:12], "spec": spec.as_dict(), "created_at": now, "updated_at": now}
        self.repo.put_sop(corp_id, sop, 0)
        if spec.active:
            self.enrol(corp_id, sop["sop_id"])
        return _view(sop)

    def get(self, corp_id: str, sop_id: str) -> dict[str, Any]:
        return _view(self._found(corp_id, sop_id)[0])

    def _found(self, corp_id: str, sop_id: str) -> tuple[dict[str, Any], int]:
        found = self.repo.get_sop(corp_id, sop_id)
        if found is None:
            raise NotFound(f"no SOP {sop_id}", "sop_id")
        return found

    def list(self, corp_id: str, kind: str = "") -> list[dict[str, Any]]:
        rows = [_view(s) for s in self.repo.list_sops(corp_id)]
        rows = [r for r in rows if not kind or r["kind"] == kind]
        return sorted(rows, key=lambda r: -int(r.get("created_at") or 0))

    def update(self, corp_id: str, sop_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Only the given fields change (typed values: the admin API's SopPatch); ``{"status": "paused"}``
        pauses, ``{"status": "active"}`` resumes. A paused SOP's due steps are not sent later: the planner
        skips them as they pass."""
        for _ in range(5):
            sop, version = self._found(corp_id, sop_id)
            before = S.sop_from_dict(sop["spec"])
            spec = self._parse(corp_id, before.kind, body, before)
            after = {**sop, "spec": spec.as_dict(), "updated_at": int(self.clock())}
            if self.repo.put_sop(corp_id, after, version):
                changed = (spec.steps, spec.targets, spec.status) != (
                    before.steps,
                    before.targets,
                    before.status,
                )
                if spec.active and changed:
                    self.enrol(corp_id, sop_id)
                return _view(after)
        raise Conflict("the SOP changed while saving; try again")

    def delete(self, corp_id: str, sop_id: str) -> dict[str, Any]:
        """Its due items stay until they expire, but the planner finds no SOP for them and sends nothing.
        Tasks already handed to members are not withdrawn (cancel those sends to withdraw them)."""
        for _ in range(5):
            sop, version = self._found(corp_id, sop_id)
            if self.repo.delete_sop(corp_id, sop_id, version):
                return {"sop_id": sop_id, "deleted": True}
        raise Conflict("the SOP changed while deleting; try again")

    def progress(self, corp_id: str, sop_id: str, limit: int = 20) -> dict[str, Any]:
        """The latest runs (one per due step and minute), each a mass send's progress, and completion by
        member over them: customers (or groups) handed to the member, and how many the member sent."""
        sop, _ = self._found(corp_id, sop_id)
        runs = []
        members: dict[str, dict[str, Any]] = {}
        for run in self.repo.runs(corp_id, sop_id, limit):
            p = self.sends.progress(corp_id, run["send_id"]) if self.sends is not None else {}
            runs.append({**run, "state": p.get("state"), "recipients": p.get("recipients", 0),
                         "outcomes": p.get("outcomes", {}), "skipped": p.get("skipped", {}),
                         "completion_rate": p.get("completion_rate", 0.0)})  # fmt: skip
            for m in p.get("members", []):
                row = members.setdefault(m["userid"], {"userid": m["userid"], "recipients": 0, "sent": 0})
                row["recipients"] += m["customers"]
                row["sent"] += m["sent"]
        for m in members.values():
            m["completion_rate"] = round(m["sent"] / m["recipients"], 4) if m["recipients"] else 0.0
        total = sum(m["recipients"] for m in members.values())
        sent = sum(m["sent"] for m in members.values())
        return {"sop_id": sop_id, "name": sop["spec"]["name"], "runs": runs,
                "recipients": total, "sent": sent, "completion_rate": round(sent / total, 4) if total else 0.0,
                "members": sorted(members.values(), key=lambda m: m["userid"])}  # fmt: skip


def _view(sop: dict[str, Any]) -> dict[str, Any]:
    spec = sop["spec"]
    return {
        "sop_id": sop["sop_id"],
        **spec,
        "created_at": sop.get("created_at"),
        "updated_at": sop.get("updated_at"),
        "notes": step_notes(spec),
    }


def step_notes(spec: dict[str, Any]) -> list[str]:
    """What an admin should know before a step falls due: a {name} step cannot share a task (WeCom's
    add_msg_template has one text for all its customers), so each customer is one task to confirm."""
    return [
        f"steps[{i}].text: {{name}} makes one WeCom task per customer, each confirmed by the member "
        "(a step without it makes one task per member and 10,000 customers)"
        for i, step in enumerate(spec.get("steps") or [])
        if "{name}" in str(step.get("text") or "")
    ]
