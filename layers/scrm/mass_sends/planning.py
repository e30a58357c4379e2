"""Planning a send: recipients → quota → parts. Each stage is persisted and a retry reuses it: the
resolved recipients before the quota ledger reserves (keyed by the send: a retried plan gets the same
answer), each part created only if absent. A large filter (or a planner's pages) is read page by page,
each page stored with the cursor after it, so a plan step that dies resumes at its page."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrm.mass_sends import quota as msg_quota
from scrm.mass_sends.ledger import QuotaLedger
from scrm.mass_sends.model import NEW, MassSend, Part, Plan, choose_senders, counted, plan
from scrm.mass_sends.ports import GroupSource, MassSendRepo, Pager, Planned, Recipients
from scrm.mass_sends.records import Records
from scrm.mass_sends.spec import GROUP, MassSendSpec, RecipientFilter

RESOLVE_BUDGET_S = 60  # a plan step reads search pages this long, then hands on to the next plan step
PREVIEW_BUDGET_S = 20  # a preview reads search pages this long, then answers with what it has counted


@dataclass(frozen=True)
class Resolving:
    """The plan step spent its time budget reading recipient pages: the next plan step goes on."""

    send: MassSend


@dataclass(frozen=True)
class Preview:
    """A spec planned now without writing anything (Planning.preview): the plan, the quota setting and
    period it was counted against, and whether every recipient page was read."""

    plan: Plan
    quota_setting: str
    period: str
    complete: bool = True

    def as_dict(self) -> dict[str, Any]:
        """The recipients, the tasks, the skipped by reason, and per member their recipients and tasks."""
        members: dict[str, dict[str, Any]] = {}
        for p in self.plan.parts:
            m = members.setdefault(p.sender, {"userid": p.sender, "recipients": 0, "parts": 0})
            m["recipients"] += len(p.external_userids)
            m["parts"] += 1
        return {**self.plan.counts(), "members": sorted(members.values(), key=lambda m: m["userid"]),
                "quota_setting": self.quota_setting, "period": self.period, "complete": self.complete}  # fmt: skip


@dataclass(eq=False)
class Planning:
    repo: MassSendRepo
    ledger: QuotaLedger
    recipients: Recipients
    clock: Callable[[], float] = time.time
    # Which members are still employed: a member who left cannot send (WeCom refuses the task), so a
    # customer goes to a colleague who also serves them, or counts as without an active relation.
    employed: Callable[[str, Sequence[str]], set[str]] | None = None
    # Sends whose recipients a planner chose (a SOP step due): source kind → who they are.
    planners: dict[str, Planned] | None = None
    groups: GroupSource | None = None
    records: Records = field(init=False)

    def __post_init__(self) -> None:
        self.records = Records(self.repo)
        self.planners = self.planners or {}

    def quota_setting(self, corp_id: str) -> str:
        return msg_quota.parse_setting(self.repo.setting(corp_id).get("msg_quota"))

    def plan(self, corp_id: str, send_id: str) -> MassSend | Resolving:
        """Recipients → quota → parts. Repeatable: each stage is persisted, and a retry reuses it."""
        send = self.records.send(corp_id, send_id)
        if send.state != NEW:
            return send
        spec = send.parsed()
        senders = self.repo.recipients(corp_id, send_id)
        if senders is None:
            senders = self._senders(corp_id, send_id, spec)
            if senders is None:
                return Resolving(send)  # more pages: the runner queues the plan again
            self.repo.put_recipients(corp_id, send_id, senders)
        setting = str(send.quota_setting or self.quota_setting(corp_id))
        planned_at = int(send.planned_at or self.clock())
        moment = datetime.fromtimestamp(planned_at, UTC)
        period, limit = msg_quota.period_key(setting, moment), msg_quota.limit(setting, moment)
        per_task = 1 if spec.planned and spec.content.needs_name else spec.per_task
        done = plan(senders, spec.listed, lambda ids: self.ledger.reserve(corp_id, period, send.reservation, ids,
                                                                          limit), per_task)  # fmt: skip
        for reason, ids in done.skipped.items():
            self.repo.put_skipped(corp_id, send_id, reason, ids)
        for p in done.parts:
            self.repo.create_part(corp_id, Part.planned(send_id, p), p.external_userids)
        return self.records.update_send(corp_id, send_id, lambda s: s.mark_planned(setting, period, planned_at, done))

    def preview(self, corp_id: str, spec: MassSendSpec) -> Preview:
        """What planning ``spec`` now would give, and nothing written: the same resolution (a filter's
        search pages, the employed members, one sender per recipient), the quota read (not reserved) for
        the period of now, the same cut into tasks. So the count an admin confirms is the planner's, as far
        as the store does not change before the send is planned. A filter whose pages take longer than
        PREVIEW_BUDGET_S is counted as far as it was read (``complete`` False: "at least")."""
        complete = True
        if spec.filter is not None:
            pages = self._filter_pages(corp_id, spec.filter)
            rows: list[dict[str, Any]] = []
            members: dict[str, bool] = {}
            started, cursor = time.monotonic(), ""
            while True:
                page, cursor = pages(cursor)
                rows += self._employed_page(corp_id, page, members)
                if not cursor:
                    break
                if time.monotonic() - started > PREVIEW_BUDGET_S:
                    complete = False
                    break
            senders = choose_senders(rows)
        else:
            senders = self._resolve(corp_id, spec)
        setting = self.quota_setting(corp_id)
        moment = datetime.fromtimestamp(int(self.clock()), UTC)
        period, limit = msg_quota.period_key(setting, moment), msg_quota.limit(setting, moment)
        counts = self.ledger.counts(corp_id, period, sorted(senders))
        return Preview(plan(senders, spec.listed, counted(counts, limit), spec.per_task), setting, period, complete)

    def _employed_page(
        self, corp_id: str, rows: list[dict[str, Any]], members: dict[str, bool]
    ) -> list[dict[str, Any]]:
        """A page's relation rows whose member is still employed; ``members`` remembers each member asked
        about, so a member's many customers cost one directory read."""
        if self.employed is None:
            return rows
        unknown = sorted({str(r["userid"]) for r in rows} - set(members))
        if unknown:
            still = self.employed(corp_id, unknown)
            members.update({u: u in still for u in unknown})
        return [r for r in rows if members.get(str(r["userid"]))]

    def _senders(self, corp_id: str, send_id: str, spec: MassSendSpec) -> dict[str, str] | None:
        """Recipient → sender; None while a paged source has pages left for the next step."""
        found: RecipientFilter | Pager | list[dict[str, Any]] | None = spec.filter
        if spec.planned:
            found = self._planned(corp_id, spec)
        if isinstance(found, RecipientFilter) or callable(found):
            pages = self._filter_pages(corp_id, found) if isinstance(found, RecipientFilter) else found
            return self._resolve_pages(corp_id, send_id, pages)
        return self._resolve(corp_id, spec, found)

    def _planned(self, corp_id: str, spec: MassSendSpec) -> RecipientFilter | Pager | list[dict[str, Any]]:
        """What the send's planner names: rows, a filter, or pages (both read page by page)."""
        source = dict(spec.source)
        planner = self.planners.get(source.get("kind", ""))
        if planner is None:
            raise ValueError(f"no planner for {source.get('kind')!r}")
        found = planner(corp_id, source)
        return found if isinstance(found, RecipientFilter) or callable(found) else list(found)
    def _resolve(
        self, corp_id: str, spec: MassSendSpec, planned: list[dict[str, Any]] | None = None
    ) -> dict[str, str]:
        """Recipient → sender: for customers the member who sends (one message per customer), for groups
        the owner (WeCom gives a group task to its owner only)."""
        if spec.planned:
            rows = planned or []
            if spec.chat_type == GROUP:
                return self._owned(corp_id, rows)
        elif spec.chat_type == GROUP:
            if self.groups is None:
                raise ValueError("group sends need a group source")
            if spec.groups is not None:
                return self._owned(corp_id, list(self.groups.matching(corp_id, spec.groups)))
            wanted = set(spec.chat_ids)
            return self._owned(
                corp_id, [g for g in self.groups.of(corp_id, spec.chat_ids) if g["chat_id"] in wanted]
            )
        else:  # an explicit list (a filter is read page by page: _resolve_pages)
            wanted = set(spec.external_userids)
            rows = [
                r
                for r in self.recipients.of(corp_id, spec.external_userids)
                if r["external_userid"] in wanted
            ]
        return choose_senders(self._employed_only(corp_id, rows, "userid"))

    def _filter_pages(self, corp_id: str, f: RecipientFilter) -> Pager:
        """A filter's search pages as one cursor: "<query index>:<that query's cursor>"."""
        queries = len(f.queries())

        def page(cursor: str) -> tuple[list[dict[str, Any]], str]:
            qi, _, inner = (cursor or "0:").partition(":")
            rows, nxt = self.recipients.page(corp_id, f, int(qi), inner)
            if nxt:
                return rows, f"{qi}:{nxt}"
            return rows, (f"{int(qi) + 1}:" if int(qi) + 1 < queries else "")

        return page

    def _resolve_pages(self, corp_id: str, send_id: str, pages: Pager) -> dict[str, str] | None:
        """Recipients read page by page; each page's rows and the cursor after it are stored together, so
        a plan step that dies (a Lambda timeout, a read timeout) resumes at its page instead of starting
        over. None when the time budget ran out first (after at least one page: every step moves on)."""
        started = time.monotonic()
        state = self.repo.resolve_state(corp_id, send_id) or {"cursor": "", "chunks": 0, "done": False}
        first = int(state["chunks"])
        members: dict[str, bool] = {}
        while not state.get("done"):
            if state["chunks"] > first and time.monotonic() - started > RESOLVE_BUDGET_S:
                return None
            rows, cursor = pages(str(state["cursor"]))
            rows = self._employed_page(corp_id, rows, members)
            nxt = {"cursor": cursor, "chunks": int(state["chunks"]) + 1, "done": not cursor}
            triples = [[str(r["external_userid"]), str(r["userid"]), int(r.get("add_time") or 0)] for r in rows]
            self.repo.put_resolved(corp_id, send_id, int(state["chunks"]), triples, nxt)
            state = nxt
        rows = self.repo.resolved(corp_id, send_id, int(state["chunks"]))
        return choose_senders({"external_userid": e, "userid": u, "add_time": a} for e, u, a in rows)

    def _owned(self, corp_id: str, groups: list[dict[str, Any]]) -> dict[str, str]:
        """chat_id → owner, for active groups whose owner is still employed (a departed owner's groups wait
        for their transfer)."""
        rows = [g for g in groups if (g.get("status") or "active") == "active" and g.get("owner")]
        return {str(g["chat_id"]): str(g["owner"]) for g in self._employed_only(corp_id, rows, "owner")}

    def _employed_only(self, corp_id: str, rows: list[dict[str, Any]], member: str) -> list[dict[str, Any]]:
        """The rows whose ``member`` field (the sender: a customer's member, a group's owner) is still
        employed; all of them when no directory was given."""
        if self.employed is None:
            return rows
        members = self.employed(corp_id, sorted({str(r[member]) for r in rows}))
        return [r for r in rows if str(r[member]) in members]
