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
from typing import Any, TypeVar

from scrm.kernel.errors import Conflict, InvalidInput, NotFound
from scrm.kernel.fence import Contended, Vanished, VersionedWrite
from scrm.sops import model as S
from scrm.sops.ports import Directory, Progress, SopRepo
from scrm.sops.sop import Saved, Sop, step_notes

__all__ = ["MAX_SOPS", "SopAdmin", "step_notes"]
MAX_SOPS = 200  # per corp: each active SOP costs the tick one small Query per relative step and minute
WRITE_TRIES = 5
R = TypeVar("R")


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
        """``fields``: the SOP's fields as typed values (the admin API's SopInput); kind customer by default."""
        spec = self._parse(corp_id, fields.get("kind") or S.CUSTOMER, fields, None)
        if len(self.repo.list_sops(corp_id)) >= MAX_SOPS:
            raise Conflict(f"a corp may have at most {MAX_SOPS} SOPs; delete one first")
        sop, saved = Sop.created(uuid.uuid4().hex[:12], spec, int(self.clock()))
        self.repo.put_sop(corp_id, sop)
        if saved.enrol:
            self.enrol(corp_id, sop.sop_id)
        return sop.view()

    def get(self, corp_id: str, sop_id: str) -> dict[str, Any]:
        return self._found(corp_id, sop_id).view()

    def _found(self, corp_id: str, sop_id: str) -> Sop:
        sop = self.repo.get_sop(corp_id, sop_id)
        if sop is None:
            raise NotFound(f"no SOP {sop_id}", "sop_id")
        return sop

    def list(self, corp_id: str, kind: str = "") -> list[dict[str, Any]]:
        rows = [s.view() for s in self.repo.list_sops(corp_id) if not kind or s.kind == kind]
        return sorted(rows, key=lambda r: -int(r.get("created_at") or 0))

    def targeting_group(self, corp_id: str, group: Mapping[str, Any]) -> dict[str, Any]:
        """The group SOPs whose targets take ``group`` (a stored group: owner, name, labels, status), for the
        sidebar's group portrait (a ``scrm.sidebar.portrait.GroupExtra``): name, status and steps of each,
        paused ones too (they say so). One Query of the corp's SOPs."""
        from scrm.sops.targets import GroupFacts, group_matches

        facts = GroupFacts(str(group.get("chat_id") or ""), str(group.get("owner") or ""), str(group.get("name") or ""),
                           None, frozenset(group.get("tags") or ()), "active")  # fmt: skip
        rows = [{"sop_id": s.sop_id, "name": s.name, "status": s.spec.status, "steps": len(s.spec.steps)}
                for s in self.repo.list_sops(corp_id)
                if s.kind == S.GROUP and not s.deleted and group_matches(s.spec.targets, facts)]  # fmt: skip
        return {"sops": sorted(rows, key=lambda r: (r["status"] != "active", r["name"], r["sop_id"]))}

    def _versioned(self, corp_id: str, save: Callable[[Sop], bool]) -> VersionedWrite[Sop]:
        """``save`` at the SOP's version; on a lost write the SOP is read again and the change made again
        (a few times: an admin's edits race only each other)."""
        return VersionedWrite(save, lambda s: self.repo.get_sop(corp_id, s.sop_id), WRITE_TRIES)

    def update(self, corp_id: str, sop_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Only the given fields change (typed values: the admin API's SopPatch); ``{"status": "paused"}``
        pauses, ``{"status": "active"}`` resumes. A paused SOP's due steps are not sent later: the planner
        skips them as they pass."""
        sop = self._found(corp_id, sop_id)

        def edit(s: Sop) -> Saved:
            return s.edit(self._parse(corp_id, s.kind, body, s.spec), int(self.clock()))

        saved = self._write(sop_id, self._versioned(corp_id, lambda s: self.repo.put_sop(corp_id, s)), sop, edit,
                            "the SOP changed while saving; try again")  # fmt: skip
        if saved.enrol:
            self.enrol(corp_id, sop_id)
        return sop.view()

    def delete(self, corp_id: str, sop_id: str) -> dict[str, Any]:
        """Its due items stay until they expire, but the planner finds no SOP for them and sends nothing.
        Tasks already handed to members are not withdrawn (cancel those sends to withdraw them)."""
        sop = self._found(corp_id, sop_id)
        write = self._versioned(corp_id, lambda s: self.repo.delete_sop(corp_id, s))
        self._write(sop_id, write, sop, lambda s: s.delete(), "the SOP changed while deleting; try again")
        return {"sop_id": sop_id, "deleted": True}

    @staticmethod
    def _write(sop_id: str, write: VersionedWrite[Sop], sop: Sop, change: Callable[[Sop], R], busy: str) -> R:
        try:
            return write.write(sop, change)
        except Contended:
            raise Conflict(busy) from None
        except Vanished:
            raise NotFound(f"no SOP {sop_id}", "sop_id") from None

    def progress(self, corp_id: str, sop_id: str, limit: int = 20) -> dict[str, Any]:
        """The latest runs (one per due step and minute), each a mass send's progress, and completion by
        member over them: customers (or groups) handed to the member, and how many the member sent."""
        sop = self._found(corp_id, sop_id)
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
        return {"sop_id": sop_id, "name": sop.name, "runs": runs,
                "recipients": total, "sent": sent, "completion_rate": round(sent / total, 4) if total else 0.0,
                "members": sorted(members.values(), key=lambda m: m["userid"])}  # fmt: skip

