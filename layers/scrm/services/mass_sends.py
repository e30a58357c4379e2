"""Mass sends to customers or to customer groups: create → plan → run each part (one add_msg_template
call) → results; progress, cancel, remind. Each step is a method a worker can repeat (the queue steps are
services/mass_send_runner.py). A planner (the SOP tick) creates planned sends whose recipients it names.

Nothing twice: a create repeated while its send is open (same body), or with the same request_id, returns
that send; planning persists the resolved recipients before the quota ledger reserves (keyed by the send:
a retried plan gets the same answer) and creates each part only if absent; every WeCom call is fenced by
the part's ``calling`` mark, written under the part's version before the call (a second worker sees a
live mark and skips). A worker that died mid-call leaves a stale mark: before calling again, the next
one looks for the task that call may have created (get_groupmsg_list_v2 over the window since the mark,
same content, the sender's task holding the part's customers) and adopts it; while WeCom still answers
41063 it cannot tell, and waits.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from scrm.domain import mass_send as D
from scrm.domain import msg_quota
from scrm.domain.mass_send import RecipientFilter
from scrm.domain.throttle import Throttled
from scrm.domain.wecom_error import WeComError
from scrm.domain.welcome import Welcome
from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.errors import Conflict, InvalidInput, LimitReached, NotFound
from scrm.services.quota_ledger import QuotaLedger

log = logging.getLogger("scrm.mass_sends")
LEASE_S = 300  # a calling mark older than this belongs to a worker that died
RESOLVE_BUDGET_S = 60  # a plan step reads search pages this long, then hands on to the next plan step
FIND_SLACK_S = 120  # clock skew between us and WeCom when looking for a task a dead worker created
NO_RECIPIENT = 41048
REMIND_LIMIT = 41094
CANCELLED_IN_WECOM = 41093  # 群发任务已取消 (90313): the task was cancelled, in WeCom or through its API
OPEN_STATES = ("new", "planned")

REQUESTED, CREATED, FAILED, CANCELLED = "requested", "created", "failed", "cancelled"


class Dispatching(Exception):
    """WeCom answered 41063: the task is still being dispatched; ask again later."""


class MassSendRepo(Protocol):
    def create_send(
        self, corp_id: str, send: dict[str, Any], request_key: str, replaces: int = 0
    ) -> bool: ...
    def request(self, corp_id: str, request_key: str) -> tuple[str, int] | None: ...
    def get_send(self, corp_id: str, send_id: str) -> tuple[dict[str, Any], int] | None: ...
    def replace_send(self, corp_id: str, send: dict[str, Any], version: int) -> bool: ...
    def setting(self, corp_id: str) -> dict[str, Any]: ...
    def put_setting(self, corp_id: str, data: dict[str, Any]) -> None: ...
    def put_recipients(self, corp_id: str, send_id: str, senders: dict[str, str]) -> None: ...
    def recipients(self, corp_id: str, send_id: str) -> dict[str, str] | None: ...
    def resolve_state(self, corp_id: str, send_id: str) -> dict[str, Any] | None: ...
    def put_resolved(self, corp_id: str, send_id: str, chunk: int, rows: list[list[Any]],
                     state: dict[str, Any]) -> None: ...  # fmt: skip
    def resolved(self, corp_id: str, send_id: str, chunks: int) -> list[list[Any]]: ...
    def put_skipped(self, corp_id: str, send_id: str, reason: str, ids: Sequence[str]) -> None: ...
    def skipped(self, corp_id: str, send_id: str) -> dict[str, list[str]]: ...
    def create_part(self, corp_id: str, send_id: str, part: dict[str, Any], ids: Sequence[str]) -> bool: ...
    def parts(self, corp_id: str, send_id: str) -> list[tuple[dict[str, Any], int]]: ...
    def get_part(
        self, corp_id: str, send_id: str, sender: str, number: int
    ) -> tuple[dict[str, Any], int] | None: ...
    def replace_part(self, corp_id: str, send_id: str, part: dict[str, Any], version: int) -> bool: ...
    def part_ids(self, corp_id: str, send_id: str, sender: str, number: int) -> list[str]: ...
    def put_outcomes(self, corp_id: str, send_id: str, sender: str, number: int, outcomes: str) -> None: ...
    def outcomes(self, corp_id: str, send_id: str, sender: str, number: int) -> str: ...


class Recipients(Protocol):
    def page(
        self, corp_id: str, f: RecipientFilter, query: int, cursor: str
    ) -> tuple[list[dict[str, Any]], str]: ...
    def of(self, corp_id: str, external_userids: Sequence[str]) -> Iterable[dict[str, Any]]: ...


# One page of recipients for a cursor ("" first) and the cursor after it ("" after the last page).
Pager = Callable[[str], tuple[list[dict[str, Any]], str]]


class Planned(Protocol):
    def __call__(
        self, corp_id: str, source: dict[str, str]
    ) -> Iterable[dict[str, Any]] | RecipientFilter | Pager:
        """Relation rows (external_userid, userid, add_time) or group rows (chat_id, owner) to send to, a
        filter over the store's relations, or a pager of relation rows (both read page by page)."""
        ...


class GroupSource(Protocol):
    def matching(self, corp_id: str, f: D.GroupFilter) -> Iterable[dict[str, Any]]: ...
    def of(self, corp_id: str, chat_ids: Sequence[str]) -> Iterable[dict[str, Any]]: ...


class GroupMsgWeCom(Protocol):
    def add_msg_template(self, chat_type: str, content: dict[str, Any], sender: str = "",
                         external_userids: Sequence[str] = (), chat_ids: Sequence[str] = (),
                         allow_select: bool = False) -> tuple[str, list[str]]: ...  # fmt: skip
    def groupmsg_list(self, chat_type: str, start_time: int, end_time: int, creator: str = "",
                      filter_type: int = 2) -> Iterable[dict[str, Any]]: ...  # fmt: skip
    def groupmsg_tasks(self, msgid: str) -> list[dict[str, Any]]: ...
    def groupmsg_send_results(self, msgid: str, userid: str) -> list[dict[str, Any]]: ...
    def remind_groupmsg(self, msgid: str) -> None: ...
    def cancel_groupmsg(self, msgid: str) -> None: ...


def _target(row: dict[str, Any]) -> str:
    """A send result's recipient: a customer (chat_type single) or a group (chat_type group)."""
    return str(row.get("external_userid") or row.get("chat_id") or "")


def _dispatching(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except WeComError as exc:
        if errcodes.is_dispatching(exc.errcode):
            raise Dispatching() from None
        raise


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
    ) -> None:
        self.repo = repo
        self.ledger = ledger
        self.recipients = recipients
        self.wecom = wecom
        self.clock = clock
        # Which members are still employed: a member who left cannot send (WeCom refuses the task), so a
        # customer goes to a colleague who also serves them, or counts as without an active relation.
        self.employed = employed
        # Sends whose recipients a planner chose (a SOP step due): source kind → who they are.
        self.planners = planners or {}
        self.groups = groups
        # A planned customer step with {name} is one task per customer, its text naming them.
        self.customer_name = customer_name

    def _now(self) -> int:
        return int(self.clock())

    # settings and creation ----------------------------------------------------------------------
    def quota_setting(self, corp_id: str) -> str:
        return msg_quota.parse_setting(self.repo.setting(corp_id).get("msg_quota"))

    def set_quota_setting(self, corp_id: str, value: object) -> str:
        """The corp's 群发助手 choice (month_days / week_7 / day_1); WeCom has no API to read it."""
        setting = msg_quota.parse_setting(value)
        self.repo.put_setting(corp_id, {**self.repo.setting(corp_id), "msg_quota": setting})
        return setting

    def create(self, corp_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """(send, created). The same request_id always, or the same body while its send is open, returns it."""
        spec = D.parse_mass_send(body)
        request_id = body.get("request_id")
        if request_id is not None and (not isinstance(request_id, str) or not 1 <= len(request_id) <= 64):
            raise InvalidInput("request_id", "request_id: must be a string of 1..64 characters")
        key = f"id#{request_id}" if request_id else f"body#{spec.fingerprint()}"
        made = self._create_once(corp_id, key, {"spec": spec.as_dict()},
                                 lambda s: bool(request_id) or s["state"] in OPEN_STATES)  # fmt: skip
        if made is None:
            raise Conflict("a concurrent request created this send; try again")
        return made

    def create_planned(
        self, corp_id: str, key: str, name: str, content: Welcome, chat_type: str, source: dict[str, str]
    ) -> tuple[dict[str, Any], bool]:
        """A send whose recipients a planner picks (``source``: which SOP step, which minute), created once
        per ``key``: a tick that runs twice, or is retried after a crash, finds the send it made."""
        spec = D.MassSendSpec(name=name[: D.NAME_MAX], content=content, planned=True, chat_type=chat_type,
                              source=tuple(sorted(source.items())))  # fmt: skip
        made = self._create_once(corp_id, key, {"spec": spec.as_dict(), "source": dict(source)}, lambda s: True)
        if made is None:
            raise RuntimeError(f"could not create the planned send {key}")
        return made

    def _create_once(
        self, corp_id: str, key: str, fields: dict[str, Any], reuse: Callable[[dict[str, Any]], bool]
    ) -> tuple[dict[str, Any], bool] | None:
        """(send, created) for a request key: the earlier send when ``reuse`` says so, else a new one
        (replacing the key's pointer at an ended send). None when concurrent requests kept winning."""
        for _ in range(3):
            earlier = self.repo.request(corp_id, key)
            replaces = 0
            if earlier is not None:
                found = self.repo.get_send(corp_id, earlier[0])
                if found is not None and reuse(found[0]):
                    return found[0], False
                replaces = earlier[1]
            send = {"send_id": uuid.uuid4().hex[:16], **fields, "state": "new", "created_at": self._now()}
            if self.repo.create_send(corp_id, send, key, replaces):
                return send, True
        return None

    def get(self, corp_id: str, send_id: str) -> tuple[dict[str, Any], int]:
        found = self.repo.get_send(corp_id, send_id)
        if found is None:
            raise NotFound(f"no mass send {send_id}", "send_id")
        return found

    def _update_send(
        self, corp_id: str, send_id: str, change: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        while True:
            send, version = self.get(corp_id, send_id)
            change(send)
            if self.repo.replace_send(corp_id, send, version):
                return send

    # planning -----------------------------------------------------------------------------------
    def plan(self, corp_id: str, send_id: str) -> dict[str, Any]:
        """Recipients → quota → parts. Repeatable: each stage is persisted, and a retry reuses it."""
        send, _ = self.get(corp_id, send_id)
        if send["state"] != "new":
            return send
        spec = D.parse_mass_send(send["spec"], planned_ok=True)
        senders = self.repo.recipients(corp_id, send_id)
        if senders is None:
            found: RecipientFilter | Pager | list[dict[str, Any]] | None = spec.filter
            if spec.planned:
                found = self._planned(corp_id, spec)
            if isinstance(found, RecipientFilter) or callable(found):
                pages = self._filter_pages(corp_id, found) if isinstance(found, RecipientFilter) else found
                paged = self._resolve_pages(corp_id, send_id, pages)
                if paged is None:
                    return {**send, "resolving": True}  # more pages: the runner queues the plan again
                senders = paged
            else:
                senders = self._resolve(corp_id, spec, found)
            self.repo.put_recipients(corp_id, send_id, senders)
        skipped: dict[str, list[str]] = {}
        missing = [e for e in spec.listed if e not in senders]
        if missing:
            skipped[D.NO_ACTIVE_RELATION] = missing
        setting = str(send.get("quota_setting") or self.quota_setting(corp_id))
        planned_at = int(send.get("planned_at") or self._now())
        moment = datetime.fromtimestamp(planned_at, UTC)
        period, limit = msg_quota.period_key(setting, moment), msg_quota.limit(setting, moment)
        admitted, over = self.ledger.reserve(corp_id, period, f"r:{send_id}", sorted(senders), limit)
        if over:
            skipped[D.OVER_QUOTA] = sorted(over)
        per_task = 1 if spec.planned and spec.content.needs_name else spec.per_task
        parts = D.cut_parts({e: senders[e] for e in admitted}, per_task)
        for reason, ids in skipped.items():
            self.repo.put_skipped(corp_id, send_id, reason, ids)
        for p in parts:
            self.repo.create_part(corp_id, send_id, {
                "send_id": send_id, "sender": p.sender, "number": p.number, "size": len(p.external_userids),
                "state": REQUESTED, "msgid": "", "calling": 0, "fail_count": 0, "final": False,
            }, p.external_userids)  # fmt: skip

        def done(s: dict[str, Any]) -> None:
            s.update(state="planned", quota_setting=setting, period=period, planned_at=planned_at,
                     counts={"recipients": len(admitted), "parts": len(parts),
                             "skipped": {k: len(v) for k, v in skipped.items()}})  # fmt: skip

        return self._update_send(corp_id, send_id, done)

    def _planned(self, corp_id: str, spec: D.MassSendSpec) -> RecipientFilter | Pager | list[dict[str, Any]]:
        """What the send's planner names: rows, a filter, or pages (both read page by page)."""
        source = dict(spec.source)
        planner = self.planners.get(source.get("kind", ""))
        if planner is None:
            raise ValueError(f"no planner for {source.get('kind')!r}")
        found = planner(corp_id, source)
        return found if isinstance(found, RecipientFilter) or callable(found) else list(found)

    def _resolve(
        self, corp_id: str, spec: D.MassSendSpec, planned: list[dict[str, Any]] | None = None
    ) -> dict[str, str]:
        """Recipient → sender: for customers the member who sends (one message per customer), for groups
        the owner (WeCom gives a group task to its owner only)."""
        if spec.planned:
            rows = planned or []
            if spec.chat_type == D.GROUP:
                return self._owned(corp_id, rows)
        elif spec.chat_type == D.GROUP:
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
        return D.choose_senders(self._employed_only(corp_id, rows, "userid"))

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
            if self.employed is not None:
                unknown = sorted({str(r["userid"]) for r in rows} - set(members))
                if unknown:
                    still = self.employed(corp_id, unknown)
                    members.update({u: u in still for u in unknown})
                rows = [r for r in rows if members.get(str(r["userid"]))]
            nxt = {"cursor": cursor, "chunks": int(state["chunks"]) + 1, "done": not cursor}
            triples = [[str(r["external_userid"]), str(r["userid"]), int(r.get("add_time") or 0)] for r in rows]
            self.repo.put_resolved(corp_id, send_id, int(state["chunks"]), triples, nxt)
            state = nxt
        rows = self.repo.resolved(corp_id, send_id, int(state["chunks"]))
        return D.choose_senders({"external_userid": e, "userid": u, "add_time": a} for e, u, a in rows)

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

    # creating the WeCom tasks -------------------------------------------------------------------
    def run_parts(self, corp_id: str, send_id: str) -> dict[str, int]:
        """Every part still to create (what a worker's step does); counts of what each call answered."""
        out: dict[str, int] = {}
        for part, _ in self.repo.parts(corp_id, send_id):
            if part["state"] == REQUESTED:
                result = self.run_part(corp_id, send_id, part["sender"], int(part["number"])).split(":")[0]
                out[result] = out.get(result, 0) + 1
        return out

    def _part(self, corp_id: str, send_id: str, sender: str, number: int) -> tuple[dict[str, Any], int]:
        found = self.repo.get_part(corp_id, send_id, sender, number)
        if found is None:
            raise NotFound(f"no part {sender}#{number} of {send_id}")
        return found

    def _write_part(
        self, corp_id: str, send_id: str, part: dict[str, Any], change: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Apply and write under the part's version; on a conflict re-read and apply again."""
        while True:
            current, version = self._part(corp_id, send_id, part["sender"], int(part["number"]))
            change(current)
            if self.repo.replace_part(corp_id, send_id, current, version):
                return current

    def run_part(self, corp_id: str, send_id: str, sender: str, number: int) -> str:
        """One add_msg_template call for one part, at most once. Returns what happened."""
        send, _ = self.get(corp_id, send_id)
        part, version = self._part(corp_id, send_id, sender, number)
        if part["state"] != REQUESTED:
            return f"{part['state']}"
        now = self._now()
        if part["calling"] and now - int(part["calling"]) < LEASE_S:
            return "busy"
        ids = self.repo.part_ids(corp_id, send_id, sender, number)
        spec = D.parse_mass_send(send["spec"], planned_ok=True)
        payload = self._payload(corp_id, spec, ids)
        gw = self.wecom(corp_id)
        if part["calling"]:
            try:
                msgid, reached = self._find_task(corp_id, send_id, gw, part, ids, payload, spec.chat_type)
            except Dispatching:
                return "dispatching"
            except WeComError as exc:
                if errcodes.bulk_retries(exc.errcode):
                    return f"retry:{exc.errcode}"
                return self._unverifiable(corp_id, send_id, part, ids, exc)
            if msgid:
                fail_list = [e for e in ids if e not in reached]
                self._created(corp_id, send_id, part, msgid, fail_list)
                if fail_list:
                    self._release(corp_id, send, part, fail_list, "fail")
                log.info(
                    "mass send part adopted", extra={"send_id": send_id, "sender": sender, "part": number}
                )
                return "adopted"
        if send["state"] == CANCELLED:
            self.repo.put_outcomes(corp_id, send_id, sender, number, D.NOT_SENT * len(ids))
            self._write_part(corp_id, send_id, part, lambda p: p.update(state=CANCELLED, calling=0))
            self._release(corp_id, send, part, ids, "all")
            return CANCELLED
        part["calling"] = now
        if not self.repo.replace_part(corp_id, send_id, part, version):
            return "busy"
        try:
            if spec.chat_type == D.GROUP:
                msgid, fail_list = gw.add_msg_template(D.GROUP, payload, sender, chat_ids=ids)
            else:
                msgid, fail_list = gw.add_msg_template(D.SINGLE, payload, sender, ids)
        except WeComError as exc:
            if errcodes.bulk_retries(exc.errcode):
                self._write_part(corp_id, send_id, part, lambda p: p.update(calling=0))
                return f"retry:{exc.errcode}"
            code = exc.errcode
            self.repo.put_outcomes(corp_id, send_id, sender, number, D.NOT_SENT * len(ids))
            self._write_part(corp_id, send_id, part, lambda p: p.update(state=FAILED, calling=0, error=code))
            self._release(corp_id, send, part, ids, "all")
            log.warning(
                "mass send part refused", extra={"send_id": send_id, "sender": sender, "errcode": exc.errcode}
            )
            return f"failed:{exc.errcode}"
        except Throttled:
            self._write_part(corp_id, send_id, part, lambda p: p.update(calling=0))
            raise
        # Any other failure (a timeout): WeCom may have created the task; the mark stays for the next try.
        self._created(corp_id, send_id, part, msgid, fail_list)
        if fail_list:
            self._release(corp_id, send, part, fail_list, "fail")
        if self.get(corp_id, send_id)[0]["state"] == CANCELLED:  # a cancel came while we were calling
            gw.cancel_groupmsg(msgid)
        return "created"

    def _unverifiable(
        self, corp_id: str, send_id: str, part: dict[str, Any], ids: Sequence[str], exc: WeComError
    ) -> str:
        """WeCom refused the search for the task a lost call may have created, with a code a retry will not
        change (whatever the code: e.g. a window it calls invalid, 600018). Calling add_msg_template again
        could send twice, so the part fails with WeCom's code; its quota stays reserved (a task may exist)."""
        code = exc.errcode
        self.repo.put_outcomes(corp_id, send_id, part["sender"], int(part["number"]), D.NOT_SENT * len(ids))
        self._write_part(corp_id, send_id, part, lambda p: p.update(
            state=FAILED, calling=0, error=code, reason="lost_answer_unverifiable"))  # fmt: skip
        log.warning("mass send part: the lost call's task cannot be looked for", extra={
            "send_id": send_id, "sender": part["sender"], "part": part["number"], "errcode": code})  # fmt: skip
        return f"failed:{code}"

    def _payload(self, corp_id: str, spec: D.MassSendSpec, ids: Sequence[str]) -> dict[str, Any]:
        """The text for this part: a planned step with {name} has one customer a part, named in it."""
        if spec.content.needs_name and len(ids) == 1 and self.customer_name is not None:
            return spec.payload(self.customer_name(corp_id, ids[0]))
        return spec.payload()

    def _created(
        self, corp_id: str, send_id: str, part: dict[str, Any], msgid: str, fail_list: list[str]
    ) -> None:
        ids = self.repo.part_ids(corp_id, send_id, part["sender"], int(part["number"]))
        failed = set(fail_list)
        self.repo.put_outcomes(corp_id, send_id, part["sender"], int(part["number"]),
                               "".join(D.NOT_A_FRIEND if e in failed else D.PENDING for e in ids))  # fmt: skip
        self._write_part(corp_id, send_id, part, lambda p: p.update(
            state=CREATED, msgid=msgid, calling=0, fail_count=len(failed), created_at=self._now()))  # fmt: skip

    def _find_task(self, corp_id: str, send_id: str, gw: GroupMsgWeCom, part: dict[str, Any], ids: Sequence[str],
                   payload: dict[str, Any], chat_type: str = D.SINGLE) -> tuple[str, set[str]]:  # fmt: skip
        """The task a dead worker's call created, if any, and the customers it holds: same content,
        created since the mark, the sender's task holding this part's customers, not another part's."""
        claimed = {p["msgid"] for p, _ in self.repo.parts(corp_id, send_id) if p.get("msgid")}
        start, end = int(part["calling"]) - FIND_SLACK_S, self._now() + FIND_SLACK_S
        text = (payload.get("text") or {}).get("content", "")
        attachments = payload.get("attachments") or []
        wanted = set(ids)
        for m in gw.groupmsg_list(chat_type, start, end):
            if m.get("msgid") in claimed or (m.get("text") or {}).get("content", "") != text:
                continue
            if (m.get("attachments") or []) != attachments:
                continue
            msgid = str(m["msgid"])
            tasks = _dispatching(lambda msgid=msgid: gw.groupmsg_tasks(msgid))
            if part["sender"] not in {t.get("userid") for t in tasks}:
                continue
            results = _dispatching(lambda msgid=msgid: gw.groupmsg_send_results(msgid, part["sender"]))
            reached = {_target(r) for r in results} & wanted
            if reached:
                return msgid, reached
        return "", set()

    def _release(
        self, corp_id: str, send: dict[str, Any], part: dict[str, Any], ids: Sequence[str], what: str
    ) -> None:
        if ids and send.get("period"):
            key = f"x:{send['send_id']}:{part['sender']}:{part['number']}:{what}"
            self.ledger.release(corp_id, send["period"], key, list(ids))

    # results ------------------------------------------------------------------------------------
    def results(self, corp_id: str, send_id: str) -> dict[str, Any]:
        """Read WeCom's results for each created part not final yet. A part is final once its member sent
        (or the send was cancelled, here or in WeCom: a reminder answered 41093); then customers WeCom did
        not reach give their quota back (status 0, 2). Status 3 (WeCom's own count says full) keeps our
        count: it is closer to WeCom's."""
        send, _ = self.get(corp_id, send_id)
        gw = self.wecom(corp_id)
        summary = {"read": 0, "dispatching": 0, "waiting": 0, "final": 0}
        for part, _ in self.repo.parts(corp_id, send_id):
            if part["state"] != CREATED or part.get("final"):
                continue
            try:
                tasks = _dispatching(lambda part=part: gw.groupmsg_tasks(part["msgid"]))
                mine = next((t for t in tasks if t.get("userid") == part["sender"]), {})
                task_status = int(mine.get("status") or 0)
                rows = _dispatching(lambda part=part: gw.groupmsg_send_results(part["msgid"], part["sender"]))
            except Dispatching:
                summary["dispatching"] += 1
                continue
            summary["read"] += 1
            final = task_status == 2 or send["state"] == CANCELLED or bool(part.get("wecom_cancelled_at"))
            ids = self.repo.part_ids(corp_id, send_id, part["sender"], int(part["number"]))
            old = self.repo.outcomes(
                corp_id, send_id, part["sender"], int(part["number"])
            ) or D.PENDING * len(ids)
            status = {_target(r): int(r.get("status") or 0) for r in rows}
            out = []
            for e, before in zip(ids, old, strict=False):
                if before == D.NOT_A_FRIEND and e not in status:
                    out.append(before)  # in fail_list: never a recipient
                elif e in status and (final or status[e] != 0):
                    out.append(D.outcome_of(status[e]))
                else:
                    out.append(D.NOT_SENT if final else D.PENDING)
            outcomes = "".join(out)
            self.repo.put_outcomes(corp_id, send_id, part["sender"], int(part["number"]), outcomes)
            if final:
                back = [
                    e
                    for e, o in zip(ids, outcomes, strict=False)
                    if o in (D.NOT_SENT, D.NOT_A_FRIEND) and e in status
                ]
                self._release(corp_id, send, part, back, "result")
                self._write_part(
                    corp_id, send_id, part, lambda p, ts=task_status: p.update(final=True, task_status=ts)
                )
                summary["final"] += 1
            else:
                self._write_part(corp_id, send_id, part, lambda p, ts=task_status: p.update(task_status=ts))
                summary["waiting"] += 1
        return summary

    def progress(self, corp_id: str, send_id: str) -> dict[str, Any]:
        """Counts by outcome and part state, and per member: customers, sent, completion rate."""
        send, _ = self.get(corp_id, send_id)
        by_outcome = {name: 0 for name in D.OUTCOME_NAMES.values()}
        by_state: dict[str, int] = {}
        members: dict[str, dict[str, Any]] = {}
        for part, _ in self.repo.parts(corp_id, send_id):
            by_state[part["state"]] = by_state.get(part["state"], 0) + 1
            m = members.setdefault(
                part["sender"], {"userid": part["sender"], "customers": 0, "sent": 0, "parts": 0}
            )
            m["parts"] += 1
            m["customers"] += int(part["size"])
            outcomes = self.repo.outcomes(
                corp_id, send_id, part["sender"], int(part["number"])
            ) or D.PENDING * int(part["size"])
            for ch in outcomes:
                by_outcome[D.OUTCOME_NAMES[ch]] += 1
            m["sent"] += outcomes.count(D.SENT)
        for m in members.values():
            m["completion_rate"] = round(m["sent"] / m["customers"], 4) if m["customers"] else 0.0
        skipped = {k: len(v) for k, v in self.repo.skipped(corp_id, send_id).items()}
        total = sum(m["customers"] for m in members.values())
        return {
            "send_id": send_id, "state": send["state"], "parts": by_state, "outcomes": by_outcome,
            "skipped": skipped, "recipients": total,
            "completion_rate": round(by_outcome["sent"] / total, 4) if total else 0.0,
            "members": sorted(members.values(), key=lambda m: m["userid"]),
        }  # fmt: skip

    def outcome_of(self, corp_id: str, send_id: str) -> dict[str, str]:
        """external_userid → outcome name, for every customer of every part (reports, tests)."""
        out: dict[str, str] = {}
        for part, _ in self.repo.parts(corp_id, send_id):
            ids = self.repo.part_ids(corp_id, send_id, part["sender"], int(part["number"]))
            o = self.repo.outcomes(corp_id, send_id, part["sender"], int(part["number"])) or D.PENDING * len(
                ids
            )
            out.update({e: D.OUTCOME_NAMES[c] for e, c in zip(ids, o, strict=False)})
        return out

    # cancel and remind --------------------------------------------------------------------------
    def cancel(self, corp_id: str, send_id: str) -> dict[str, Any]:
        """Stops what members have not sent: created tasks through WeCom, parts not called yet here. A part
        whose call is under way is cancelled by that worker once its call returns."""
        send = self._update_send(
            corp_id, send_id, lambda s: s.update(state=CANCELLED, cancelled_at=self._now())
        )
        gw = self.wecom(corp_id)
        cancelled = 0
        for part, _ in self.repo.parts(corp_id, send_id):
            if part["state"] == CREATED and not part.get("final"):
                gw.cancel_groupmsg(part["msgid"])
                cancelled += 1
            elif part["state"] == REQUESTED and not (
                part["calling"] and self._now() - int(part["calling"]) < LEASE_S
            ):
                # Not called, or its call died: run_part looks for a task it created before it gives up.
                self.run_part(corp_id, send_id, part["sender"], int(part["number"]))
        return {**send, "cancelled_tasks": cancelled}

    def remind(self, corp_id: str, send_id: str) -> dict[str, Any]:
        """remind_groupmsg_send for each task not sent yet; WeCom allows 3 per task per 24 h.

        A send cancelled here is a 409 without a call. A task WeCom says was cancelled (41093: someone
        cancelled it in the admin console, or another app did) is recorded on its part (``wecom_cancelled_at``):
        no later reminder asks for it, and the results step takes it as final. When no task was left to
        remind because of that, the caller gets a 409 naming WeCom's answer; otherwise the count of such
        tasks comes with the answer (``cancelled_in_wecom``)."""
        send, _ = self.get(corp_id, send_id)
        if send["state"] == CANCELLED:
            raise Conflict(f"mass send {send_id} was cancelled: there is nothing to remind", "send_id")
        gw = self.wecom(corp_id)
        reminded = 0
        cancelled = 0
        for part, _ in self.repo.parts(corp_id, send_id):
            if part["state"] != CREATED or part.get("final") or int(part.get("task_status") or 0) == 2:
                continue
            if part.get("wecom_cancelled_at"):
                cancelled += 1
                continue
            try:
                gw.remind_groupmsg(part["msgid"])
            except WeComError as exc:
                if exc.errcode == REMIND_LIMIT:
                    raise LimitReached("WeCom allows 3 reminders per mass send in 24 hours (WeCom 41094)") from None
                if exc.errcode == CANCELLED_IN_WECOM:
                    at = self._now()
                    self._write_part(corp_id, send_id, part, lambda p, at=at: p.update(wecom_cancelled_at=at))
                    log.warning("mass send task cancelled in WeCom", extra={
                        "send_id": send_id, "sender": part["sender"], "part": part["number"], "errcode": exc.errcode,
                    })  # fmt: skip
                    cancelled += 1
                    continue
                raise
            reminded += 1
        if cancelled and not reminded:
            raise Conflict(f"WeCom says the task{'s' if cancelled > 1 else ''} of mass send {send_id} "
                f"{'were' if cancelled > 1 else 'was'} cancelled: nothing to remind (WeCom {CANCELLED_IN_WECOM})", "send_id")
        out: dict[str, Any] = {"send_id": send_id, "reminded": reminded}
        if cancelled:
            out["cancelled_in_wecom"] = cancelled
        return out
