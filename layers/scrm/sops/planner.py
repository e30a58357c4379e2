"""The SOP planner: every minute, what fell due in the minute that just ended becomes mass sends, one per
(SOP, step, minute), whose tasks the mass-send machinery creates per member (fenced, quota-checked).

The tick is cheap whatever the volume: per corp it leases each minute (a conditional write), asks the due
index one one-item Query per active relative step ("anything due?"), computes the fixed-date and weekly
steps of the minute from the SOPs alone, and creates a send per due (SOP, step) with a key made of the
three, so a tick that runs twice, or is retried after a crash, finds the send it made and creates no
second task. Who receives a step is decided by the send's plan step on the queue (``recipients``): the due
items of that (SOP, step, minute) still wanted by the SOP as it is now, whose relation still matches the
targets at the due moment, or for fixed-date and weekly steps the store's relations matching the targets.
Minutes are planned once they are over (a step due 10:05:00 is planned at about 10:06), so an item written
while its minute runs is never missed; after an outage the next tick catches up on at most an hour.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from scrm.mass_sends.ports import Pager
from scrm.mass_sends.spec import GROUP, SINGLE, GroupFilter, RecipientFilter
from scrm.sops import model as S
from scrm.sops.ports import Groups, PlannerRepo, Relations, Sends

log = logging.getLogger("scrm.sops")
LEASE_S = 240  # a tick that died holding a minute: another may plan it after this
CATCH_UP = timedelta(minutes=60)
TICK_THREADS = 8  # corps planned at once
DUE_PAGE = 1000  # due items a page of a relative step's recipients
READD_SLACK_S = 3600  # a relation whose add time is further than this from a due item's anchor was re-added
MINUTE = timedelta(minutes=1)


class SopPlanner:
    def __init__(
        self,
        repo: PlannerRepo,
        sends: Sends,
        queue_plan: Callable[[str, str], None],
        corps: Callable[[], list[str]],
        relations: Relations,
        groups: Groups,
        departments: Callable[[str], dict[str, frozenset[int]]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repo = repo
        self.sends = sends
        self.queue_plan = queue_plan
        self.corps = corps
        self.relations = relations
        self.groups = groups
        self.departments = departments  # userid → department ids, for targets by department
        self.clock = clock

    # the tick ---------------------------------------------------------------------------------------
    def tick(self) -> dict[str, Any]:
        """Every corp's minutes, a few corps at a time (each corp's work is a handful of small reads and
        writes, mostly waiting on DynamoDB), so a deployment of many corps still ticks within its minute."""

        def one(corp_id: str) -> dict[str, Any]:
            try:
                return self.tick_corp(corp_id)
            except Exception:  # one corp's failure must not starve the others; its minutes wait for the next tick
                log.exception("sop tick failed", extra={"corp_id": corp_id})
                return {"error": True}

        corps = list(self.corps())
        with ThreadPoolExecutor(max(1, min(TICK_THREADS, len(corps)))) as pool:
            return dict(zip(corps, pool.map(one, corps), strict=True))

    def minutes_to_plan(self, corp_id: str, now: datetime) -> list[str]:
        """The minutes over since the cursor (at most an hour back), oldest first."""
        last = S.minute_start(S.minute_key(now)) - MINUTE  # the minute that just ended
        cursor = self.repo.cursor(corp_id)
        first = S.minute_start(cursor) + MINUTE if cursor else last
        first = max(first, last - CATCH_UP + MINUTE)
        return S.minute_keys(first, last + MINUTE)

    def tick_corp(self, corp_id: str) -> dict[str, Any]:
        now = S.moment(int(self.clock()))
        minutes = self.minutes_to_plan(corp_id, now)
        if not minutes:
            return {"minutes": 0, "sends": 0}
        sops = {s.sop_id: s.spec for s in self.repo.list_sops(corp_id)}
        active = {k: v for k, v in sops.items() if v.active}
        if not active:  # most corps most minutes: nothing can be due, so no lease and no minute marks
            self.repo.set_cursor(corp_id, minutes[-1])
            return {"minutes": len(minutes), "sends": 0}
        sends = 0
        planned = 0
        for minute in minutes:
            lease = self.repo.lease_minute(corp_id, minute, int(self.clock()), LEASE_S)
            if lease == "busy":
                break  # another tick is on it; the cursor waits for it
            if lease == "taken":
                sends += self._plan_minute(corp_id, minute, active)
            self.repo.set_cursor(corp_id, minute)
            planned += 1
        return {"minutes": planned, "sends": sends}

    def _plan_minute(self, corp_id: str, minute: str, sops: dict[str, S.SopSpec]) -> int:
        began = time.monotonic()
        start = S.minute_start(minute)
        due = [
            S.DueStep(sop_id, step.step_id, start)
            for sop_id, spec in sorted(sops.items())
            for step in spec.steps
            if step.trigger.relative and self.repo.has_due(corp_id, minute, sop_id, step.step_id)
        ]
        due += S.due_in_window(sops, start)
        for d in due:
            spec = sops[d.sop_id]
            step = spec.step(d.step_id)
            assert step is not None
            source = {
                "kind": "sop",
                "sop_id": d.sop_id,
                "step_id": d.step_id,
                "minute": minute,
                "name": spec.name,
            }
            send, _ = self.sends.create_planned(
                corp_id, f"sop#{d.sop_id}#{d.step_id}#{minute}", f"{spec.name} · {d.step_id}", step.content,
                GROUP if spec.kind == S.GROUP else SINGLE, source,
            )  # fmt: skip
            self.repo.put_run(corp_id, d.sop_id, minute, d.step_id, send.send_id)
            if send.state == "new":
                self.queue_plan(corp_id, send.send_id)
        took_ms = round((time.monotonic() - began) * 1000, 1)
        self.repo.finish_minute(corp_id, minute, {"sends": len(due), "at": int(self.clock()), "took_ms": took_ms})
        if due:
            log.info("sop minute planned", extra={"corp_id": corp_id, "minute": minute, "sends": len(due)})
        return len(due)

    # who receives a due step (the send's plan step calls this) ----------------------------------------
    def recipients(self, corp_id: str, source: dict[str, str]) -> list[dict[str, Any]] | RecipientFilter | Pager:
        """Who a due step reaches: group rows; for a customer "day N" step the pages of its due items (as
        relations still matching); for a customer date / weekly step the filter that finds them."""
        sop = self.repo.get_sop(corp_id, source["sop_id"])
        if sop is None:
            return []  # deleted since: nobody
        spec = sop.spec
        step = spec.step(source["step_id"])
        if step is None or not spec.active:
            return []
        minute = source["minute"]
        at = S.minute_start(minute)
        if spec.kind == S.GROUP:
            assert isinstance(spec.targets, S.GroupTargets)
            return self._groups(corp_id, source["sop_id"], spec, step, minute)
        assert isinstance(spec.targets, S.CustomerTargets)
        targets = spec.targets
        deps = self.departments(corp_id) if targets.departments else {}
        if step.trigger.relative:
            sop_id = source["sop_id"]

            def page(cursor: str) -> tuple[list[dict[str, Any]], str]:
                """One page of the minute's due items for this step, as the relations still to reach."""
                items, nxt = self.repo.due_page(corp_id, minute, sop_id, step.step_id, cursor, DUE_PAGE)
                anchors = {(t, m): a for t, m, a in items if S.still_due(spec, step.step_id, S.moment(a), minute)}
                rows = [
                    r
                    for r in self.relations.relations(corp_id, list(anchors))
                    if _same_add(r, anchors)
                    and S.customer_matches(targets, S.CustomerFacts.from_relation(r, deps.get(str(r["userid"]), ())), at)
                ]  # fmt: skip
                return rows, nxt

            return page  # read page by page by the send's plan (resumable), however many fall due
        # A date or weekly step may reach the whole corp: handed back as a filter, which the send's plan
        # reads page by page (resumable, never one long step) like an admin's filtered mass send.
        members = set(targets.employees) | {u for u, d in deps.items() if d & set(targets.departments)}
        if (targets.employees or targets.departments) and not members:
            return []
        return S.as_recipient_filter(targets, at, members)

    def _groups(
        self, corp_id: str, sop_id: str, spec: S.SopSpec, step: S.Step, minute: str
    ) -> list[dict[str, Any]]:
        targets = spec.targets
        assert isinstance(targets, S.GroupTargets)
        rows: Iterable[dict[str, Any]]
        if step.trigger.relative:
            chat_ids = [
                target
                for target, _, anchor in self.repo.due(corp_id, minute, sop_id, step.step_id)
                if S.still_due(spec, step.step_id, S.moment(anchor), minute)
            ]
            rows = self.groups.of(corp_id, chat_ids)
        else:
            rows = self.groups.matching(corp_id, GroupFilter(targets.owners, targets.name_contains))
        return [g for g in rows if S.group_matches(targets, _group_facts(g))]


def _same_add(r: dict[str, Any], anchors: dict[tuple[str, str], int]) -> bool:
    """Is the relation as stored the add its due item was written for? A relation deleted and added again
    since is a new relation: the old add's items are not its steps. The event's time and WeCom's add time
    agree to the second or so."""
    added = int(r.get("add_time") or 0)
    anchor = anchors.get((str(r["external_userid"]), str(r["userid"])), 0)
    return not added or abs(added - anchor) <= READD_SLACK_S


def _group_facts(g: dict[str, Any]) -> S.GroupFacts:
    return S.GroupFacts(chat_id=str(g["chat_id"]), owner=str(g.get("owner") or ""), name=str(g.get("name") or ""),
                        tag_ids=frozenset(g.get("tag_ids") or ()),
                        status=str(g.get("status") or "active"))  # fmt: skip
