"""In-memory fakes for the mass-send services (no I/O).

``FakeMassSendRepo`` keeps ``mass_sends/repository.py`` DynamoMassSends' contract (the port, checked in
test_mass_send_ports.py): a send is created with its request item in one step (the request item must be
absent, or at the version being replaced), sends, parts and ledger buckets are rewritten only at the
version read (False otherwise) and come back as fresh aggregates (through their item dicts),
``create_part`` never overwrites a part, recipients read back only once written. ``interfere`` plays another writer that gets in first on a bucket write.

``FakeGroupMsg`` plays WeCom's mass-send APIs (mass_sends/wecom.py) over a small world of
friendships: add_msg_template (fail_list for non-friends, 41048 for none, ≤ 10,000; chat_type group: the
sender's own groups among ≤ 2,000 chat_ids, results by chat_id), a list of tasks by chat type and
create time, the member's confirm, the receive quota (per customer, ``quota`` per period), 41063 while
``dispatching`` is set, remind (41093 once cancelled, 41094 past 3) and cancel. ``fail_next`` scripts a failing
add_msg_template: a WeComError, or a network error after WeCom created the task (the answer is lost).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from scrm.kernel.wecom_error import WeComError
from scrm.mass_sends.model import MassSend, Part, Pointer
from scrm.mass_sends.spec import MassSendSpec

CORP = "wwcorp"
START = 1_800_000_000


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False))


A = TypeVar("A", MassSend, Part)


def _copy(agg: A) -> A:
    """A fresh aggregate through its item dict: what the table would store and give back."""
    return type(agg).from_item(_json(agg.to_item()), agg.version)


class FakeMassSendRepo:
    """Sends and parts stored as aggregates (each write and read goes through the aggregate's item dict,
    as the table's ``data`` does), the sub-items by what they belong to."""

    def __init__(self) -> None:
        self.sends: dict[tuple[str, str], MassSend] = {}  # (corp, send_id)
        self.requests: dict[tuple[str, str], tuple[str, int]] = {}  # (corp, request key) → (send_id, version)
        self.opened: set[tuple[str, str]] = set()
        self.settings: dict[str, dict[str, Any]] = {}
        self.senders: dict[tuple[str, str], dict[str, str]] = {}  # resolved recipient → sender
        self.resolving: dict[tuple[str, str], dict[str, Any]] = {}
        self.pages: dict[tuple[str, str, int], list[list[Any]]] = {}
        self.skips: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.part_items: dict[tuple[str, str, str, int], Part] = {}  # (corp, send_id, sender, number)
        self.ids: dict[tuple[str, str, str, int], list[str]] = {}
        self.outcome_items: dict[tuple[str, str, str, int], str] = {}
        self.buckets: dict[tuple[str, str, int], tuple[dict[str, Any], int]] = {}
        self.pointers: dict[tuple[str, str], dict[str, Pointer]] = {}  # (corp, customer) → sort key → pointer
        self.pointer_writes = 0
        self.interfere: list[Any] = []  # callables run just before a bucket write
        self.bucket_writes = 0

    # sends
    def create_send(self, corp_id: str, send: MassSend, request_key: str, replaces: int = 0) -> bool:
        req = self.requests.get((corp_id, request_key))
        if (req[1] if req else 0) != replaces or (corp_id, send.send_id) in self.sends:
            return False
        self.requests[(corp_id, request_key)] = (send.send_id, replaces + 1)
        send.version = 1
        self.sends[(corp_id, send.send_id)] = _copy(send)
        return True

    def request(self, corp_id: str, request_key: str) -> tuple[str, int] | None:
        return self.requests.get((corp_id, request_key))

    def get_send(self, corp_id: str, send_id: str) -> MassSend | None:
        hit = self.sends.get((corp_id, send_id))
        return _copy(hit) if hit is not None else None

    def save_send(self, corp_id: str, send: MassSend) -> bool:
        cur = self.sends.get((corp_id, send.send_id))
        if cur is None or cur.version != send.version:
            return False
        send.version += 1
        self.sends[(corp_id, send.send_id)] = _copy(send)
        return True

    def list_sends(self, corp_id: str, limit: int = 50) -> list[MassSend]:
        return [_copy(s) for (c, _), s in self.sends.items() if c == corp_id][:limit]

    def mark_open(self, corp_id: str, send_id: str) -> None:
        self.opened.add((corp_id, send_id))

    def open_sends(self, corp_id: str) -> list[str]:
        return sorted(s for c, s in self.opened if c == corp_id)

    def close(self, corp_id: str, send_id: str) -> None:
        self.opened.discard((corp_id, send_id))

    def setting(self, corp_id: str) -> dict[str, Any]:
        return _json(self.settings.get(corp_id, {}))

    def put_setting(self, corp_id: str, data: dict[str, Any]) -> None:
        self.settings[corp_id] = _json(data)

    # recipients, skipped
    def put_recipients(self, corp_id: str, send_id: str, senders: dict[str, str]) -> None:
        self.senders[(corp_id, send_id)] = _json(senders)

    def recipients(self, corp_id: str, send_id: str) -> dict[str, str] | None:
        hit = self.senders.get((corp_id, send_id))
        return _json(hit) if hit is not None else None

    def resolve_state(self, corp_id: str, send_id: str) -> dict[str, Any] | None:
        hit = self.resolving.get((corp_id, send_id))
        return _json(hit) if hit is not None else None

    def put_resolved(self, corp_id: str, send_id: str, chunk: int, rows: list[list[Any]],
                     state: dict[str, Any]) -> None:  # fmt: skip
        self.pages[(corp_id, send_id, chunk)] = _json(rows)
        self.resolving[(corp_id, send_id)] = _json(state)

    def resolved(self, corp_id: str, send_id: str, chunks: int) -> list[list[Any]]:
        return [r for k in range(chunks) for r in _json(self.pages[(corp_id, send_id, k)])]

    def put_skipped(self, corp_id: str, send_id: str, reason: str, ids: Sequence[str]) -> None:
        self.skips.setdefault((corp_id, send_id), {})[reason] = list(ids)

    def skipped(self, corp_id: str, send_id: str) -> dict[str, list[str]]:
        return _json(self.skips.get((corp_id, send_id), {}))

    # parts
    def create_part(self, corp_id: str, part: Part, ids: Sequence[str]) -> bool:
        key = (corp_id, part.send_id, part.sender, part.number)
        self.ids[key] = list(ids)
        if key in self.part_items:
            return False
        part.version = 1
        self.part_items[key] = _copy(part)
        return True

    def parts(self, corp_id: str, send_id: str) -> list[Part]:
        return [_copy(p) for (c, s, _, _), p in sorted(self.part_items.items()) if (c, s) == (corp_id, send_id)]

    def get_part(self, corp_id: str, send_id: str, sender: str, number: int) -> Part | None:
        hit = self.part_items.get((corp_id, send_id, sender, number))
        return _copy(hit) if hit is not None else None

    def save_part(self, corp_id: str, part: Part) -> bool:
        key = (corp_id, part.send_id, part.sender, part.number)
        cur = self.part_items.get(key)
        if cur is None or cur.version != part.version:
            return False
        part.version += 1
        self.part_items[key] = _copy(part)
        return True

    def part_ids(self, corp_id: str, send_id: str, sender: str, number: int) -> list[str]:
        return list(self.ids.get((corp_id, send_id, sender, number), []))

    def put_outcomes(self, corp_id: str, send_id: str, sender: str, number: int, outcomes: str) -> None:
        self.outcome_items[(corp_id, send_id, sender, number)] = outcomes

    def outcomes(self, corp_id: str, send_id: str, sender: str, number: int) -> str:
        return self.outcome_items.get((corp_id, send_id, sender, number), "")

    # what each customer received
    def put_received(self, corp_id: str, send_id: str, at: int, sender: str, number: int,
                     ids: Sequence[str]) -> None:  # fmt: skip
        for k, ext in enumerate(ids):
            self.pointers.setdefault((corp_id, ext), {})[f"{at:010d}#{send_id}"] = Pointer(at, send_id, sender,
                                                                                           number, k)  # fmt: skip
            self.pointer_writes += 1

    def received(self, corp_id: str, external_userid: str, limit: int) -> list[Pointer]:
        mine = self.pointers.get((corp_id, external_userid), {})
        return [mine[k] for k in sorted(mine, reverse=True)[:limit]]

    def details(
        self, corp_id: str, keys: Sequence[tuple[str, str, int]]
    ) -> tuple[dict[str, MassSend], dict[tuple[str, str, int], Part], dict[tuple[str, str, int], str]]:
        sends = {s: _copy(self.sends[(corp_id, s)]) for s, _, _ in keys if (corp_id, s) in self.sends}
        parts = {k: _copy(self.part_items[(corp_id, *k)]) for k in keys if (corp_id, *k) in self.part_items}
        outs = {k: self.outcome_items[(corp_id, *k)] for k in keys if (corp_id, *k) in self.outcome_items}
        return sends, parts, outs

    # ledger buckets
    def get_bucket(self, corp_id: str, period: str, bucket: int) -> tuple[dict[str, Any], int]:
        hit = self.buckets.get((corp_id, period, bucket))
        return (_json(hit[0]), hit[1]) if hit is not None else ({}, 0)

    def put_bucket(self, corp_id: str, period: str, bucket: int, data: dict[str, Any], version: int) -> bool:
        while self.interfere:
            self.interfere.pop(0)()
        self.bucket_writes += 1
        cur = self.buckets.get((corp_id, period, bucket))
        if (cur[1] if cur is not None else 0) != version:
            return False
        self.buckets[(corp_id, period, bucket)] = (_json(data), version + 1)
        return True


class FakeRecipients:
    """Relations of the store: rows as the search returns them."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.asked: list[str] = []

    page_size = 1000

    def page(self, corp_id: str, f: Any, query: int, cursor: str) -> tuple[list[dict[str, Any]], str]:
        """The filter's matches in pages of ``page_size`` (one query: the fake has no indexes)."""
        self.asked.append("filter")
        if query > 0:
            return [], ""
        start = int(cursor or 0)
        hits = [r for r in self.rows if f.matches(r)]
        end = start + self.page_size
        return hits[start:end], (str(end) if end < len(hits) else "")

    def of(self, corp_id: str, external_userids: Sequence[str]) -> list[dict[str, Any]]:
        self.asked.append("list")
        wanted = set(external_userids)
        return [r for r in self.rows if r["external_userid"] in wanted]

    def relations(self, corp_id: str, pairs: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """The relations (customer, member) named, whatever their status (as a BatchGet reads them)."""
        self.asked.append("pairs")
        wanted = set(pairs)
        return [r for r in self.rows if (r["external_userid"], r["userid"]) in wanted]


class FakeNames:
    """The customers by key and the senders' relations, as DynamoCustomerNames reads them; records each
    call, so a test sees a page named in one read, not one per customer."""

    def __init__(self, names: dict[str, str], remarks: dict[tuple[str, str], str]) -> None:
        self.names, self.remarks = names, remarks
        self.calls: list[list[tuple[str, str]]] = []

    def of(self, corp_id: str, pairs: Sequence[tuple[str, str]]) -> dict[str, dict[str, str]]:
        self.calls.append(list(pairs))
        return {e: {"name": self.names[e], "remark": self.remarks.get((e, u), "")} for e, u in pairs if e in self.names}


def relation(ext: str, uid: str, add_time: int = START - 1000, tags: Sequence[str] = (), status: str = "active",
             state: str = "") -> dict[str, Any]:  # fmt: skip
    return {"external_userid": ext, "userid": uid, "add_time": add_time, "tag_ids": list(tags), "status": status,
            "state": state}  # fmt: skip


@dataclass
class Msg:
    msgid: str
    create_time: int
    sender: str
    content: dict[str, Any]
    recipients: dict[str, int]  # ext → status
    task_status: int = 0
    cancelled: bool = False
    reminders: int = 0
    chat_type: str = "single"


@dataclass
class FakeGroupMsg:
    clock: Any
    friends: set[tuple[str, str]] = field(default_factory=set)  # (userid, ext)
    quota: int = 31
    owned: set[tuple[str, str]] = field(default_factory=set)  # (owner, chat_id): groups a member may send to
    received: dict[str, int] = field(default_factory=dict)
    msgs: dict[str, Msg] = field(default_factory=dict)
    dispatching: bool = False
    fail_next: list[Exception] = field(default_factory=list)
    lose_answer_next: int = 0  # create the task, then raise (a worker dying mid-call)
    calls: dict[str, int] = field(default_factory=dict)

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def add_msg_template(self, chat_type: str, content: dict[str, Any], sender: str = "",
                         external_userids: Sequence[str] = (), chat_ids: Sequence[str] = (),
                         allow_select: bool = False) -> tuple[str, list[str]]:  # fmt: skip
        self._count("add_msg_template")
        if self.fail_next:
            raise self.fail_next.pop(0)
        if chat_type == "group":
            return self._add_group_msg(content, sender, chat_ids)
        if len(external_userids) > 10_000:
            raise WeComError(40058, "too many", "externalcontact/add_msg_template")
        ok = [e for e in external_userids if (sender, e) in self.friends]
        fail = [e for e in external_userids if (sender, e) not in self.friends]
        if not ok:
            raise WeComError(41048, "no recipient", "externalcontact/add_msg_template")
        msgid = f"msg{len(self.msgs) + 1:04d}"
        self.msgs[msgid] = Msg(msgid, int(self.clock()), sender, dict(content), {e: 0 for e in ok})
        if self.lose_answer_next:
            self.lose_answer_next -= 1
            raise TimeoutError("the answer was lost")
        return msgid, fail

    def _add_group_msg(
        self, content: dict[str, Any], sender: str, chat_ids: Sequence[str]
    ) -> tuple[str, list[str]]:
        """chat_type group: at most 2,000 groups, each one the sender owns (others are left out)."""
        if len(chat_ids) > 2_000:
            raise WeComError(40058, "too many chat ids", "externalcontact/add_msg_template")
        ok = [c for c in chat_ids if (sender, c) in self.owned]
        if not ok:
            raise WeComError(41048, "no recipient", "externalcontact/add_msg_template")
        msgid = f"msg{len(self.msgs) + 1:04d}"
        self.msgs[msgid] = Msg(
            msgid, int(self.clock()), sender, dict(content), {c: 0 for c in ok}, chat_type="group"
        )
        return msgid, []

    def groupmsg_list(self, chat_type: str, start_time: int, end_time: int, creator: str = "",
                      filter_type: int = 2) -> list[dict[str, Any]]:  # fmt: skip
        self._count("groupmsg_list")
        return [{"msgid": m.msgid, "create_time": m.create_time, "create_type": 0, **m.content}
                for m in self.msgs.values()
                if start_time <= m.create_time <= end_time and m.chat_type == chat_type]  # fmt: skip

    def _msg(self, msgid: str) -> Msg:
        if self.dispatching:
            raise WeComError(41063, "dispatching", "externalcontact/get_groupmsg_task")
        return self.msgs[msgid]

    def groupmsg_tasks(self, msgid: str) -> list[dict[str, Any]]:
        self._count("groupmsg_tasks")
        m = self._msg(msgid)
        return [{"userid": m.sender, "status": m.task_status}]

    def groupmsg_send_results(self, msgid: str, userid: str) -> list[dict[str, Any]]:
        self._count("groupmsg_send_results")
        m = self._msg(msgid)
        if userid != m.sender:
            return []
        key = "chat_id" if m.chat_type == "group" else "external_userid"
        return [{key: e, "userid": userid, "status": s} for e, s in m.recipients.items()]

    def remind_groupmsg(self, msgid: str) -> None:
        self._count("remind_groupmsg")
        m = self.msgs[msgid]
        if m.cancelled:
            raise WeComError(41093, "group msg has been cancelled", "externalcontact/remind_groupmsg_send")
        if m.reminders >= 3:
            raise WeComError(41094, "too many reminders", "externalcontact/remind_groupmsg_send")
        m.reminders += 1

    def cancel_groupmsg(self, msgid: str) -> None:
        self._count("cancel_groupmsg")
        self.msgs[msgid].cancelled = True

    # the member's tap in the WeCom app
    def confirm(self, msgid: str) -> None:
        m = self.msgs[msgid]
        assert not m.cancelled
        m.task_status = 2
        for e in m.recipients:
            if m.chat_type == "group":
                m.recipients[e] = 1
            elif (m.sender, e) not in self.friends:
                m.recipients[e] = 2
            elif self.received.get(e, 0) >= self.quota:
                m.recipients[e] = 3
            else:
                m.recipients[e] = 1
                self.received[e] = self.received.get(e, 0) + 1


def send_of(body: dict[str, Any]) -> tuple[MassSendSpec, str]:
    """A POST /admin/mass-sends body as the admin API takes it: its model's checks, then the domain's;
    (spec, request_id) for ``MassSends.create`` / ``MassSendRunner.start``."""
    from admin.schemas.base import validated
    from admin.schemas.mass_sends import MassSendInput

    model = validated(MassSendInput, body)
    return model.spec(), model.request_id or ""
