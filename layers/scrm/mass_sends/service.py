"""Mass sends to customers or to customer groups, as the admin API and the SOP planner use them: create,
plan (planning.py), run each part (calls.py: one add_msg_template call), results, progress, cancel,
remind. Each step is a method a worker can repeat (the queue steps are runner.py). A planner (the SOP
tick) creates planned sends whose recipients it names.

Nothing twice: a create repeated while its send is open (same body), or with the same request_id, returns
that send; planning and the part calls are fenced and keyed (see their modules).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from scrm.kernel.errors import Conflict, LimitReached
from scrm.kernel.wecom_error import WeComError
from scrm.mass_sends.calls import PartCalls
from scrm.mass_sends.ledger import QuotaLedger
from scrm.mass_sends.model import NEW, OUTCOME_NAMES, PENDING, SENT, MassSend, Part, PartCall
from scrm.mass_sends.planning import Planning, Resolving
from scrm.mass_sends.ports import CustomerNames, GroupMsgWeCom, GroupSource, MassSendRepo, Planned, Recipients
from scrm.mass_sends.spec import NAME_MAX, MassSendSpec
from scrm.welcome.message import Welcome

log = logging.getLogger("scrm.mass_sends")
REMIND_LIMIT = 41094
CANCELLED_IN_WECOM = 41093  # 群发任务已取消 (90313): the task was cancelled, in WeCom or through its API


class MassSends:
    def __init__(
        self,
        repo: MassSendRepo,
        ledger: QuotaLedger,
        recipients: Recipients,
        wecom: Callable[[str], GroupMsgWeCom],
        clock: Callable[[], float] = time.time,
        employed: Callable[[str, Sequence[str]], set[str]] | None = None,
        planners: dict[str, Planned] | None = None,
        groups: GroupSource | None = None,
        customer_name: Callable[[str, str], str] | None = None,
        names: CustomerNames | None = None,
    ) -> None:
        self.calls = PartCalls(repo, ledger, wecom, clock, customer_name)
        # The part calls' records (one versioned read-modify-write over the repository) serve the admin too.
        self.repo, self.records, self.ledger, self.wecom, self.clock = repo, self.calls.records, ledger, wecom, clock
        self.planning = Planning(repo, ledger, recipients, clock, employed, planners, groups)
        self.groups, self.names = groups, names

    def _now(self) -> int:
        return int(self.clock())

    # settings and creation ----------------------------------------------------------------------
    def quota_setting(self, corp_id: str) -> str:
        return self.planning.quota_setting(corp_id)

    def set_quota_setting(self, corp_id: str, setting: str) -> str:
        """The corp's 群发助手 choice (month_days / week_7 / day_1); WeCom has no API to read it."""
        self.repo.put_setting(corp_id, {**self.repo.setting(corp_id), "msg_quota": setting})
        return setting

    def create(self, corp_id: str, spec: MassSendSpec, request_id: str = "") -> tuple[MassSend, bool]:
        """(send, created). The same request_id always, or the same spec while its send is open, returns it."""
        key = f"id#{request_id}" if request_id else f"body#{spec.fingerprint()}"
        made = self._create_once(corp_id, key, spec, None, lambda s: bool(request_id) or s.is_open)
        if made is None:
            raise Conflict("a concurrent request created this send; try again")
        return made

    def create_planned(
        self, corp_id: str, key: str, name: str, content: Welcome, chat_type: str, source: dict[str, str]
    ) -> tuple[MassSend, bool]:
        """A send whose recipients a planner picks (``source``: which SOP step, which minute), created once
        per ``key``: a tick that runs twice, or is retried after a crash, finds the send it made."""
        spec = MassSendSpec(name=name[:NAME_MAX], content=content, planned=True, chat_type=chat_type,
                            source=tuple(sorted(source.items())))  # fmt: skip
        made = self._create_once(corp_id, key, spec, dict(source), lambda s: True)
        if made is None:
            raise RuntimeError(f"could not create the planned send {key}")
        return made

    def _create_once(
        self, corp_id: str, key: str, spec: MassSendSpec, source: dict[str, str] | None,
        reuse: Callable[[MassSend], bool],
    ) -> tuple[MassSend, bool] | None:  # fmt: skip
        """(send, created) for a request key: the earlier send when ``reuse`` says so, else a new one
        (replacing the key's pointer at an ended send). None when concurrent requests kept winning."""
        for _ in range(3):
            earlier = self.repo.request(corp_id, key)
            replaces = 0
            if earlier is not None:
                found = self.repo.get_send(corp_id, earlier[0])
                if found is not None and reuse(found):
                    return found, False
                replaces = earlier[1]
            send = MassSend(uuid.uuid4().hex[:16], spec.as_dict(), source, NEW, self._now())
            if self.repo.create_send(corp_id, send, key, replaces):
                return send, True
        return None

    def preview(self, corp_id: str, spec: MassSendSpec) -> dict[str, Any]:
        """How many a send of ``spec`` would reach if it were planned now, per member, with what the quota
        would skip: the planner's own resolution and cut (Planning.preview), nothing created or reserved,
        so an admin confirms a count before anything is sent. ``chat_type`` group: the counts are groups."""
        return {"chat_type": spec.chat_type, **self.planning.preview(corp_id, spec).as_dict()}

    def get(self, corp_id: str, send_id: str) -> MassSend:
        return self.records.send(corp_id, send_id)

    # the steps (planning.py, calls.py) --------------------------------------------------------------
    def plan(self, corp_id: str, send_id: str) -> MassSend | Resolving:
        return self.planning.plan(corp_id, send_id)

    def run_part(self, corp_id: str, send_id: str, sender: str, number: int) -> PartCall:
        return self.calls.run_part(corp_id, send_id, sender, number)

    def run_parts(self, corp_id: str, send_id: str) -> dict[str, int]:
        return self.calls.run_parts(corp_id, send_id)

    def results(self, corp_id: str, send_id: str) -> dict[str, int]:
        return self.calls.results(corp_id, send_id)

    # progress -----------------------------------------------------------------------------------
    def _outcomes(self, corp_id: str, part: Part) -> str:
        """The part's outcomes, one character a recipient (all pending before its task exists)."""
        stored = self.repo.outcomes(corp_id, part.send_id, part.sender, part.number)
        return stored or PENDING * int(part.size)

    def progress(self, corp_id: str, send_id: str) -> dict[str, Any]:
        """Counts by outcome and part state, and per member: customers, sent, completion rate."""
        send = self.get(corp_id, send_id)
        spec = send.parsed()
        by_outcome = {name: 0 for name in OUTCOME_NAMES.values()}
        by_state: dict[str, int] = {}
        members: dict[str, dict[str, Any]] = {}
        for part in self.repo.parts(corp_id, send_id):
            by_state[part.state] = by_state.get(part.state, 0) + 1
            m = members.setdefault(part.sender, {"userid": part.sender, "customers": 0, "sent": 0, "parts": 0})
            m["parts"] += 1
            m["customers"] += int(part.size)
            outcomes = self._outcomes(corp_id, part)
            for ch in outcomes:
                by_outcome[OUTCOME_NAMES[ch]] += 1
            m["sent"] += outcomes.count(SENT)
        for m in members.values():
            m["completion_rate"] = round(m["sent"] / m["customers"], 4) if m["customers"] else 0.0
        skipped = {k: len(v) for k, v in self.repo.skipped(corp_id, send_id).items()}
        total = sum(m["customers"] for m in members.values())
        return {
            "send_id": send_id, "name": spec.name, "chat_type": spec.chat_type,
            "state": send.state, "parts": by_state, "outcomes": by_outcome,
            "skipped": skipped, "recipients": total,
            "completion_rate": round(by_outcome["sent"] / total, 4) if total else 0.0,
            "members": sorted(members.values(), key=lambda m: m["userid"]),
        }  # fmt: skip

    def outcome_of(self, corp_id: str, send_id: str) -> dict[str, str]:
        """external_userid → outcome name, for every customer of every part (reports, tests)."""
        out: dict[str, str] = {}
        for part in self.repo.parts(corp_id, send_id):
            ids = self.repo.part_ids(corp_id, send_id, part.sender, part.number)
            o = self.repo.outcomes(corp_id, send_id, part.sender, part.number) or PENDING * len(ids)
            out.update({e: OUTCOME_NAMES[c] for e, c in zip(ids, o, strict=False)})
        return out

    def outcome_rows(self, corp_id: str, send_id: str) -> list[dict[str, Any]]:
        """One row per recipient (customer or group): ``external_userid`` (a group's chat_id), ``userid``
        (the member whose task holds it) and ``outcome``; the admin API pages these, then names its page."""
        rows: dict[str, dict[str, Any]] = {}  # by id, as outcome_of: the page cursor needs unique keys
        for part in self.repo.parts(corp_id, send_id):
            ids = self.repo.part_ids(corp_id, send_id, part.sender, part.number)
            o = self.repo.outcomes(corp_id, send_id, part.sender, part.number) or PENDING * len(ids)
            rows.update({e: {"external_userid": e, "userid": part.sender, "outcome": OUTCOME_NAMES[c]}
                         for e, c in zip(ids, o, strict=False)})  # fmt: skip
        return list(rows.values())

    def name_rows(self, corp_id: str, chat_type: str, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` (a page of ``outcome_rows``) with ``name``, ``remark`` and ``known``, so staff read who
        a send reached rather than ids: a customer's name and the sending member's remark for them, a
        group's name. Read in batches for the page only (never one read per row); ``known`` is false for
        what the store does not hold (its id is all there is to show)."""
        out = [dict(r) for r in rows]
        if chat_type == "group":
            found = {g["chat_id"]: {"name": g.get("name") or "", "remark": ""}
                     for g in (self.groups.of(corp_id, [r["external_userid"] for r in rows]) if self.groups else ())}  # fmt: skip
        else:
            pairs = [(r["external_userid"], r.get("userid") or "") for r in rows]
            found = self.names.of(corp_id, pairs) if self.names and pairs else {}
        for r in out:
            got = found.get(r["external_userid"])
            r.update(name=(got or {}).get("name", ""), remark=(got or {}).get("remark", ""), known=got is not None)
        return out

    # cancel and remind --------------------------------------------------------------------------
    def cancel(self, corp_id: str, send_id: str) -> dict[str, Any]:
        """Stops what members have not sent: created tasks through WeCom, parts not called yet here. A part
        whose call is under way is cancelled by that worker once its call returns."""
        now = self._now()
        send = self.records.update_send(corp_id, send_id, lambda s: s.cancel(now))
        gw = self.wecom(corp_id)
        cancelled = 0
        for part in self.repo.parts(corp_id, send_id):
            if part.awaiting_results:
                gw.cancel_groupmsg(part.msgid)
                cancelled += 1
            elif part.requested and not part.call_live(self._now()):
                # Not called, or its call died: run_part looks for a task it created before it gives up.
                self.run_part(corp_id, send_id, part.sender, part.number)
        return {**send.to_item(), "cancelled_tasks": cancelled}

    def remind(self, corp_id: str, send_id: str) -> dict[str, Any]:
        """remind_groupmsg_send for each task not sent yet; WeCom allows 3 per task per 24 h.

        A send cancelled here is a 409 without a call. A task WeCom says was cancelled (41093: someone
        cancelled it in the admin console, or another app did) is recorded on its part (``wecom_cancelled_at``):
        no later reminder asks for it, and the results step takes it as final. When no task was left to
        remind because of that, the caller gets a 409 naming WeCom's answer; otherwise the count of such
        tasks comes with the answer (``cancelled_in_wecom``)."""
        if self.get(corp_id, send_id).cancelled:
            raise Conflict(f"mass send {send_id} was cancelled: there is nothing to remind", "send_id")
        reminded = cancelled = 0
        for part in self.repo.parts(corp_id, send_id):
            if not part.remindable:
                continue
            if part.wecom_cancelled_at or not self._remind(corp_id, part):
                cancelled += 1
            else:
                reminded += 1
        if cancelled and not reminded:
            raise Conflict(f"WeCom says the task{'s' if cancelled > 1 else ''} of mass send {send_id} "
                f"{'were' if cancelled > 1 else 'was'} cancelled: nothing to remind (WeCom {CANCELLED_IN_WECOM})", "send_id")
        out: dict[str, Any] = {"send_id": send_id, "reminded": reminded}
        if cancelled:
            out["cancelled_in_wecom"] = cancelled
        return out

    def _remind(self, corp_id: str, part: Part) -> bool:
        """Remind one task; False when WeCom says it was cancelled (recorded on the part)."""
        try:
            self.wecom(corp_id).remind_groupmsg(part.msgid)
            return True
        except WeComError as exc:
            if exc.errcode == REMIND_LIMIT:
                raise LimitReached("WeCom allows 3 reminders per mass send in 24 hours (WeCom 41094)") from None
            if exc.errcode != CANCELLED_IN_WECOM:
                raise
        at = self._now()
        self.records.update_part(corp_id, part, lambda p: p.cancelled_in_wecom(at))
        log.warning("mass send task cancelled in WeCom", extra={
            "send_id": part.send_id, "sender": part.sender, "part": part.number, "errcode": CANCELLED_IN_WECOM,
        })  # fmt: skip
        return False
