"""The WeCom side of a send: one add_msg_template call per part, at most once, and reading the results.

Every call is fenced by the part's ``calling`` mark, written under the part's version before the call (a
second worker sees a live mark and skips). A worker that died mid-call leaves a stale mark: before calling
again, the next one looks for the task that call may have created (get_groupmsg_list_v2 over the window
since the mark, same content, the sender's task holding the part's customers) and adopts it; while WeCom
still answers 41063 it cannot tell, and waits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.throttle import Throttled
from scrm.kernel.wecom_error import WeComError
from scrm.mass_sends.ledger import QuotaLedger
from scrm.mass_sends.model import (
    NOT_A_FRIEND,
    NOT_SENT,
    PENDING,
    TASK_SENT,
    Called,
    MassSend,
    Part,
    PartCall,
    given_back,
    read_outcomes,
)  # fmt: skip
from scrm.mass_sends.ports import GroupMsgWeCom, MassSendRepo
from scrm.mass_sends.records import Records
from scrm.mass_sends.spec import GROUP, SINGLE, MassSendSpec

log = logging.getLogger("scrm.mass_sends")
FIND_SLACK_S = 120  # clock skew between us and WeCom when looking for a task a dead worker created


class Dispatching(Exception):
    """WeCom answered 41063: the task is still being dispatched; ask again later."""


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


@dataclass(eq=False)
class PartCalls:
    repo: MassSendRepo
    ledger: QuotaLedger
    wecom: Callable[[str], GroupMsgWeCom]
    clock: Callable[[], float] = time.time
    # A planned customer step with {name} is one task per customer, its text naming them.
    customer_name: Callable[[str, str], str] | None = None
    records: Records = field(init=False)

    def __post_init__(self) -> None:
        self.records = Records(self.repo)

    def _now(self) -> int:
        return int(self.clock())

    def run_parts(self, corp_id: str, send_id: str) -> dict[str, int]:
        """Every part still to create (what a worker's step does); counts of what each call answered."""
        out: dict[str, int] = {}
        for part in self.repo.parts(corp_id, send_id):
            if part.requested:
                called = self.run_part(corp_id, send_id, part.sender, part.number).called
                out[called] = out.get(called, 0) + 1
        return out

    def run_part(self, corp_id: str, send_id: str, sender: str, number: int) -> PartCall:
        """One add_msg_template call for one part, at most once. Returns what happened."""
        send = self.records.send(corp_id, send_id)
        part = self.records.part(corp_id, send_id, sender, number)
        if not part.requested:
            return PartCall(Called(part.state))
        now = self._now()
        if part.call_live(now):
            return PartCall(Called.BUSY)
        ids = self.repo.part_ids(corp_id, send_id, sender, number)
        spec = send.parsed()
        payload = self._payload(corp_id, spec, ids)
        if part.calling:
            adopted = self._adopt(corp_id, send, part, ids, payload, spec.chat_type)
            if adopted is not None:
                return adopted
        if send.cancelled:
            self.repo.put_outcomes(corp_id, send_id, sender, number, NOT_SENT * len(ids))
            self.records.update_part(corp_id, part, Part.cancel)
            self._release(corp_id, send, part, ids, "all")
            return PartCall(Called.CANCELLED)
        if spec.chat_type == SINGLE and not part.indexed:
            # Before the call, so that no task exists without its customers' pointers (a crash after the
            # call leaves the part created and never here again); written once, not on each retried step.
            self.repo.put_received(
                corp_id, send_id, int(send.planned_at or send.created_at), sender, number, ids
            )
            part = self.records.update_part(corp_id, part, Part.mark_indexed)
            if not part.requested or part.call_live(now):
                return PartCall(Called.BUSY)
        part.begin_call(now)
        if not self.repo.save_part(corp_id, part):
            return PartCall(Called.BUSY)
        return self._call(corp_id, send, part, ids, payload, spec.chat_type)

    def _adopt(self, corp_id: str, send: MassSend, part: Part, ids: Sequence[str], payload: dict[str, Any],
               chat_type: str) -> PartCall | None:  # fmt: skip
        """A stale mark: the task the dead worker's call made, adopted; None when there is none (call)."""
        try:
            msgid, reached = self._find_task(corp_id, part, ids, payload, chat_type)
        except Dispatching:
            return PartCall(Called.DISPATCHING)
        except WeComError as exc:
            if errcodes.bulk_retries(exc.errcode):
                return PartCall(Called.RETRY, exc.errcode)
            return self._unverifiable(corp_id, part, ids, exc)
        if not msgid:
            return None
        fail_list = [e for e in ids if e not in reached]
        self._created(corp_id, part, msgid, fail_list)
        if fail_list:
            self._release(corp_id, send, part, fail_list, "fail")
        log.info("mass send part adopted", extra={"send_id": part.send_id, "sender": part.sender,
                                                  "part": part.number})  # fmt: skip
        return PartCall(Called.ADOPTED)

    def _call(self, corp_id: str, send: MassSend, part: Part, ids: Sequence[str], payload: dict[str, Any],
              chat_type: str) -> PartCall:  # fmt: skip
        """The call itself, under the part's mark; any other failure (a timeout) keeps the mark: WeCom may
        have created the task, and the next try looks for it."""
        gw = self.wecom(corp_id)
        try:
            if chat_type == GROUP:
                msgid, fail_list = gw.add_msg_template(GROUP, payload, part.sender, chat_ids=ids)
            else:
                msgid, fail_list = gw.add_msg_template(SINGLE, payload, part.sender, ids)
        except WeComError as exc:
            if errcodes.bulk_retries(exc.errcode):
                self.records.update_part(corp_id, part, Part.end_call)
                return PartCall(Called.RETRY, exc.errcode)
            code = exc.errcode
            self.repo.put_outcomes(corp_id, part.send_id, part.sender, part.number, NOT_SENT * len(ids))
            self.records.update_part(corp_id, part, lambda p: p.fail(code))
            self._release(corp_id, send, part, ids, "all")
            log.warning("mass send part refused",
                        extra={"send_id": part.send_id, "sender": part.sender, "errcode": code})  # fmt: skip
            return PartCall(Called.FAILED, code)
        except Throttled:
            self.records.update_part(corp_id, part, Part.end_call)
            raise
        self._created(corp_id, part, msgid, fail_list)
        if fail_list:
            self._release(corp_id, send, part, fail_list, "fail")
        if self.records.send(corp_id, part.send_id).cancelled:  # a cancel came while we were calling
            gw.cancel_groupmsg(msgid)
        return PartCall(Called.CREATED)

    def _unverifiable(self, corp_id: str, part: Part, ids: Sequence[str], exc: WeComError) -> PartCall:
        """WeCom refused the search for the task a lost call may have created, with a code a retry will not
        change (whatever the code: e.g. a window it calls invalid, 600018). Calling add_msg_template again
        could send twice, so the part fails with WeCom's code; its quota stays reserved (a task may exist)."""
        code = exc.errcode
        self.repo.put_outcomes(corp_id, part.send_id, part.sender, part.number, NOT_SENT * len(ids))
        self.records.update_part(corp_id, part, lambda p: p.fail(code, "lost_answer_unverifiable"))
        log.warning("mass send part: the lost call's task cannot be looked for", extra={
            "send_id": part.send_id, "sender": part.sender, "part": part.number, "errcode": code})  # fmt: skip
        return PartCall(Called.FAILED, code)

    def _payload(self, corp_id: str, spec: MassSendSpec, ids: Sequence[str]) -> dict[str, Any]:
        """The text for this part: a planned step with {name} has one customer a part, named in it."""
        if spec.content.needs_name and len(ids) == 1 and self.customer_name is not None:
            return spec.payload(self.customer_name(corp_id, ids[0]))
        return spec.payload()

    def _created(self, corp_id: str, part: Part, msgid: str, fail_list: list[str]) -> None:
        ids = self.repo.part_ids(corp_id, part.send_id, part.sender, part.number)
        failed = set(fail_list)
        self.repo.put_outcomes(corp_id, part.send_id, part.sender, part.number,
                               "".join(NOT_A_FRIEND if e in failed else PENDING for e in ids))  # fmt: skip
        now = self._now()
        self.records.update_part(corp_id, part, lambda p: p.record_task(msgid, len(failed), now))

    def _find_task(self, corp_id: str, part: Part, ids: Sequence[str], payload: dict[str, Any],
                   chat_type: str = SINGLE) -> tuple[str, set[str]]:  # fmt: skip
        """The task a dead worker's call created, if any, and the customers it holds: same content,
        created since the mark, the sender's task holding this part's customers, not another part's."""
        gw = self.wecom(corp_id)
        claimed = {p.msgid for p in self.repo.parts(corp_id, part.send_id) if p.msgid}
        start, end = int(part.calling) - FIND_SLACK_S, self._now() + FIND_SLACK_S
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
            if part.sender not in {t.get("userid") for t in tasks}:
                continue
            results = _dispatching(lambda msgid=msgid: gw.groupmsg_send_results(msgid, part.sender))
            reached = {_target(r) for r in results} & wanted
            if reached:
                return msgid, reached
        return "", set()

    def _release(self, corp_id: str, send: MassSend, part: Part, ids: Sequence[str], what: str) -> None:
        if ids and send.period:
            self.ledger.release(corp_id, send.period, send.release_key(part, what), list(ids))

    # results ------------------------------------------------------------------------------------
    def results(self, corp_id: str, send_id: str) -> dict[str, int]:
        """Read WeCom's results for each created part not final yet. A part is final once its member sent
        (or the send was cancelled, here or in WeCom: a reminder answered 41093); then customers WeCom did
        not reach give their quota back (status 0, 2). Status 3 (WeCom's own count says full) keeps our
        count: it is closer to WeCom's."""
        send = self.records.send(corp_id, send_id)
        summary = {"read": 0, "dispatching": 0, "waiting": 0, "final": 0}
        for part in self.repo.parts(corp_id, send_id):
            if part.awaiting_results:
                got = self._read(corp_id, send, part)
                summary[got] += 1
                summary["read"] += got != "dispatching"
        return summary

    def _read(self, corp_id: str, send: MassSend, part: Part) -> str:
        """One part's results: "dispatching" (WeCom cannot tell yet), else "final" or "waiting"."""
        gw = self.wecom(corp_id)
        try:
            tasks = _dispatching(lambda: gw.groupmsg_tasks(part.msgid))
            mine = next((t for t in tasks if t.get("userid") == part.sender), {})
            task_status = int(mine.get("status") or 0)
            rows = _dispatching(lambda: gw.groupmsg_send_results(part.msgid, part.sender))
        except Dispatching:
            return "dispatching"
        final = task_status == TASK_SENT or send.cancelled or bool(part.wecom_cancelled_at)
        ids = self.repo.part_ids(corp_id, part.send_id, part.sender, part.number)
        status = {_target(r): int(r.get("status") or 0) for r in rows}
        before = self.repo.outcomes(corp_id, part.send_id, part.sender, part.number)
        outcomes = read_outcomes(ids, before, status, final)
        self.repo.put_outcomes(corp_id, part.send_id, part.sender, part.number, outcomes)
        if final:
            self._release(corp_id, send, part, given_back(ids, outcomes, status), "result")
        self.records.update_part(corp_id, part, lambda p: p.read(task_status, final))
        return "final" if final else "waiting"
