"""Writing the due index: one item per (relation or group, relative step) under the China minute it falls
due, so the planner's tick reads what is due instead of scanning customers.

Two writers, both repeatable (an item's key is its content, so writing it twice writes it once):
- the event observer, when a customer is added (add_external_contact) or a group created: the corp's
  active SOPs with relative steps get this relation's (group's) items;
- enrolment of a SOP when it is created, resumed or its steps / targets change: the corp's relations
  (groups) page by page, one queue message per page with its cursor, so a corp of 100,000 customers is
  100 short steps, never one long one.
Only conditions a relation cannot lose are checked here (its member, its channel state); tags and days
since added are checked when the step falls due. Items for minutes already planned are not written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from scrm.domain.events import ExternalChatEvent, ExternalContactEvent, WeComEvent
from scrm.mass_sends.spec import RecipientFilter
from scrm.sops import model as S
from scrm.sops.ports import DueRepo, OwnedGroups, Pages, Queue

CACHE_S = 30  # the corp's SOPs, as the observer sees them: an edit reaches new customers within this
ENROL_SLACK_S = 10  # a SOP's enrolment starts this long after the cache has turned over


def enrolment_filter(targets: S.CustomerTargets) -> RecipientFilter:
    """What enrolment may check: the relation's member (unless departments widen it: membership changes)
    and its channel state. Both are fixed for the life of a relation."""
    employees = () if targets.departments else targets.employees
    return RecipientFilter(employees=employees, states=targets.states)


class SopEnrolment:
    def __init__(
        self,
        repo: DueRepo,
        pages: Pages,
        groups: OwnedGroups,
        group_owner: Callable[[str, str], str],
        queue: Queue,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repo = repo
        self.pages = pages  # a filter's relations, a search page at a time (the mass sends' own reader)
        self.groups = groups
        self.group_owner = group_owner
        self.queue = queue
        self.clock = clock
        self._cache: dict[str, tuple[float, list[tuple[str, S.SopSpec]]]] = {}

    def _not_before(self) -> datetime:
        """The start of the current minute: the tick plans a minute once it is over, so this one is open."""
        return S.minute_start(S.minute_key(S.moment(int(self.clock()))))

    def items_for(
        self, sop_id: str, spec: S.SopSpec, target: str, member: str, anchor: int
    ) -> list[tuple[str, str, str, str, int, int]]:
        """The due items of one relation (or group) with this anchor: every relative step still to come,
        keyed by its minute (what the observer, enrolment pages and the benchmark's seeding write)."""
        plan = S.relative_plan(spec, S.moment(anchor), self._not_before())
        return [(S.minute_key(due), sop_id, step.step_id, target, member, anchor) for step, due in plan]

    # enrolment of a whole SOP ------------------------------------------------------------------------
    def start(self, corp_id: str, sop_id: str) -> None:
        """Queued to run after the observers' SOP cache has turned over: a customer added just after the
        save, whose event still saw the old SOPs, is by then in the store, where this enrolment finds it."""
        self.queue.send_many(
            [{"corp_id": corp_id, "sop_id": sop_id, "step": "sop_enrol", "query": 0, "cursor": ""}],
            delay_s=CACHE_S + ENROL_SLACK_S,
        )

    def run_step(self, message: dict[str, Any]) -> str:
        corp_id, sop_id = str(message["corp_id"]), str(message["sop_id"])
        sop = self.repo.get_sop(corp_id, sop_id)
        if sop is None:
            return "no-sop"
        spec = sop.spec
        if not spec.active:
            return "paused"
        if not any(s.trigger.relative for s in spec.steps):
            return "no-relative-steps"
        if spec.kind == S.GROUP:
            assert isinstance(spec.targets, S.GroupTargets)
            items = [
                i
                for g in self.groups.owned_by(corp_id, spec.targets.owners)
                if (g.get("status") or "active") == "active" and g.get("create_time")
                for i in self.items_for(
                    sop_id, spec, str(g["chat_id"]), str(g.get("owner") or ""), int(g["create_time"])
                )
            ]
            return f"enrolled:{self.repo.put_due(corp_id, items)}"
        assert isinstance(spec.targets, S.CustomerTargets)
        f = enrolment_filter(spec.targets)
        queries = f.queries()
        qi = int(message.get("query") or 0)
        rows, cursor = self.pages.page(corp_id, f, qi, str(message.get("cursor") or ""))
        items = [
            i
            for r in rows
            if r.get("add_time")
            for i in self.items_for(
                sop_id, spec, str(r["external_userid"]), str(r["userid"]), int(r["add_time"])
            )
        ]
        written = self.repo.put_due(corp_id, items)
        if cursor:
            self.queue.send_many([{**message, "cursor": cursor}])
        elif qi + 1 < len(queries):
            self.queue.send_many([{**message, "query": qi + 1, "cursor": ""}])
        return f"enrolled:{written}:{'more' if cursor or qi + 1 < len(queries) else 'done'}"

    # the event observer ----------------------------------------------------------------------------------
    def _active(self, corp_id: str, kind: str) -> list[tuple[str, S.SopSpec]]:
        now = self.clock()
        cached = self._cache.get(corp_id)
        if cached is None or now - cached[0] > CACHE_S:
            sops = [(s.sop_id, s.spec) for s in self.repo.list_sops(corp_id)]
            relative = [
                (i, spec) for i, spec in sops if spec.active and any(st.trigger.relative for st in spec.steps)
            ]
            cached = (now, relative)
            self._cache[corp_id] = cached
        return [(i, spec) for i, spec in cached[1] if spec.kind == kind]

    def observe(self, event: WeComEvent, event_id: str) -> list[str]:
        if isinstance(event, ExternalContactEvent) and event.change_type == "add_external_contact":
            ext, uid = event.external_user_id, event.user_id
            if not (ext and uid):
                return []
            row = {"userid": uid, "state": event.state, "status": "active", "add_time": event.create_time}
            items = [
                i
                for sop_id, spec in self._active(event.corp_id, S.CUSTOMER)
                if isinstance(spec.targets, S.CustomerTargets) and enrolment_filter(spec.targets).matches(row)
                for i in self.items_for(sop_id, spec, ext, uid, event.create_time)
            ]
        elif isinstance(event, ExternalChatEvent) and event.change_type == "create" and event.chat_id:
            sops = self._active(event.corp_id, S.GROUP)
            if not sops:
                return []
            owner = self.group_owner(event.corp_id, event.chat_id)
            items = [
                i
                for sop_id, spec in sops
                if isinstance(spec.targets, S.GroupTargets)
                and (not spec.targets.owners or owner in spec.targets.owners)
                for i in self.items_for(sop_id, spec, event.chat_id, owner, event.create_time)
            ]
        else:
            return []
        return [f"sop:due:{self.repo.put_due(event.corp_id, items)}"] if items else []
