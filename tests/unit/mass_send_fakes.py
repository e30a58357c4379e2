"""In-memory fakes for the mass-send services (no I/O).

``FakeMassSendRepo`` keeps ``adapters/dynamo/mass_sends.py`` DynamoMassSends' contract: a send is created
with its request item in one step (the request item must be absent, or at the version being replaced),
sends, parts and ledger buckets are rewritten only at the version read (False otherwise) and come back as
fresh copies (JSON round trip), ``create_part`` never overwrites a part, recipients read back only once
their "done" item is written. ``interfere`` plays another writer that gets in first on a bucket write.

``FakeGroupMsg`` plays WeCom's mass-send APIs (adapters/wecom/groupmsg_calls.py) over a small world of
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
from typing import Any

from scrm.domain.wecom_error import WeComError

CORP = "wwcorp"
START = 1_800_000_000


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False))


class FakeMassSendRepo:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[Any, int]] = {}
        self.interfere: list[Any] = []  # callables run just before a bucket write
        self.bucket_writes = 0

    def _get(self, pk: str, sk: str) -> tuple[Any, int] | None:
        hit = self.items.get((pk, sk))
        return (_json(hit[0]), hit[1]) if hit is not None else None

    def _put_if(self, pk: str, sk: str, data: Any, version: int) -> bool:
        cur = self.items.get((pk, sk))
        if (cur[1] if cur is not None else 0) != version:
            return False
        self.items[(pk, sk)] = (_json(data), version + 1)
        return True

    # sends
    def create_send(self, corp_id: str, send: dict[str, Any], request_key: str, replaces: int = 0) -> bool:
        req = self.items.get((corp_id, f"req#{request_key}"))
        if (req[1] if req else 0) != replaces or (corp_id, f"send#{send['send_id']}") in self.items:
            return False
        self.items[(corp_id, f"req#{request_key}")] = ({"send_id": send["send_id"]}, replaces + 1)
        self.items[(corp_id, f"send#{send['send_id']}")] = (_json(send), 1)
        return True

    def request(self, corp_id: str, request_key: str) -> tuple[str, int] | None:
        hit = self._get(corp_id, f"req#{request_key}")
        return (hit[0]["send_id"], hit[1]) if hit else None

    def get_send(self, corp_id: str, send_id: str) -> tuple[dict[str, Any], int] | None:
        return self._get(corp_id, f"send#{send_id}")

    def replace_send(self, corp_id: str, send: dict[str, Any], version: int) -> bool:
        return self._put_if(corp_id, f"send#{send['send_id']}", send, version)

    def list_sends(self, corp_id: str, limit: int = 50) -> list[dict[str, Any]]:
        return [
            _json(d) for (pk, sk), (d, _) in self.items.items() if pk == corp_id and sk.startswith("send#")
        ][:limit]

    def mark_open(self, corp_id: str, send_id: str) -> None:
        self.items[(corp_id, f"open#{send_id}")] = ({"send_id": send_id}, 1)

    def open_sends(self, corp_id: str) -> list[str]:
        return sorted(
            d["send_id"]
            for (pk, sk), (d, _) in self.items.items()
            if pk == corp_id and sk.startswith("open#")
        )

    def close(self, corp_id: str, send_id: str) -> None:
        self.items.pop((corp_id, f"open#{send_id}"), None)

    def setting(self, corp_id: str) -> dict[str, Any]:
        hit = self._get(corp_id, "settings")
        return hit[0] if hit else {}

    def put_setting(self, corp_id: str, data: dict[str, Any]) -> None:
        self.items[(corp_id, "settings")] = (_json(data), 1)

    # recipients, skipped
    def put_recipients(self, corp_id: str, send_id: str, senders: dict[str, str]) -> None:
        self.items[(f"{corp_id}#send#{send_id}", "rcp")] = (_json(senders), 1)

    def recipients(self, corp_id: str, send_id: str) -> dict[str, str] | None:
        hit = self._get(f"{corp_id}#send#{send_id}", "rcp")
        return hit[0] if hit else None

    def resolve_state(self, corp_id: str, send_id: str) -> dict[str, Any] | None:
        hit = self._get(f"{corp_id}#send#{send_id}", "res#state")
        return hit[0] if hit else None

    def put_resolved(self, corp_id: str, send_id: str, chunk: int, rows: list[list[Any]],
                     state: dict[str, Any]) -> None:  # fmt: skip
        self.items[(f"{corp_id}#send#{send_id}", f"res#{chunk:05d}")] = (_json(rows), 1)
        self.items[(f"{corp_id}#send#{send_id}", "res#state")] = (_json(state), 1)

    def resolved(self, corp_id: str, send_id: str, chunks: int) -> list[list[Any]]:
        pk = f"{corp_id}#send#{send_id}"
        return [r for k in range(chunks) for r in _json(self.items[(pk, f"res#{k:05d}")][0])]

    def put_skipped(self, corp_id: str, send_id: str, reason: str, ids: Sequence[str]) -> None:
        self.items[(f"{corp_id}#send#{send_id}", f"skip#{reason}")] = (list(ids), 1)

    def skipped(self, corp_id: str, send_id: str) -> dict[str, list[str]]:
        pk = f"{corp_id}#send#{send_id}"
        return {
            sk.split("#")[1]: _json(v[0])
            for (p, sk), v in self.items.items()
            if p == pk and sk.startswith("skip#")
        }

    # parts
    def create_part(self, corp_id: str, send_id: str, part: dict[str, Any], ids: Sequence[str]) -> bool:
        pk, key = f"{corp_id}#send#{send_id}", f"{part['sender']}#{part['number']:04d}"
        self.items[(pk, f"ids#{key}")] = (list(ids), 1)
        return self._put_if(pk, f"p#{key}", part, 0)

    def parts(self, corp_id: str, send_id: str) -> list[tuple[dict[str, Any], int]]:
        pk = f"{corp_id}#send#{send_id}"
        return [
            (_json(v[0]), v[1])
            for (p, sk), v in sorted(self.items.items())
            if p == pk and sk.startswith("p#")
        ]

    def get_part(
        self, corp_id: str, send_id: str, sender: str, number: int
    ) -> tuple[dict[str, Any], int] | None:
        return self._get(f"{corp_id}#send#{send_id}", f"p#{sender}#{number:04d}")

    def replace_part(self, corp_id: str, send_id: str, part: dict[str, Any], version: int) -> bool:
        return self._put_if(
            f"{corp_id}#send#{send_id}", f"p#{part['sender']}#{part['number']:04d}", part, version
        )

    def part_ids(self, corp_id: str, send_id: str, sender: str, number: int) -> list[str]:
        hit = self._get(f"{corp_id}#send#{send_id}", f"ids#{sender}#{number:04d}")
        return hit[0] if hit else []

    def put_outcomes(self, corp_id: str, send_id: str, sender: str, number: int, outcomes: str) -> None:
        self.items[(f"{corp_id}#send#{send_id}", f"out#{sender}#{number:04d}")] = (outcomes, 1)

    def outcomes(self, corp_id: str, send_id: str, sender: str, number: int) -> str:
        hit = self._get(f"{corp_id}#send#{send_id}", f"out#{sender}#{number:04d}")
        return hit[0] if hit else ""

    # ledger buckets
    def get_bucket(self, corp_id: str, period: str, bucket: int) -> tuple[dict[str, Any], int]:
        return self._get(f"{corp_id}#quota#{period}", f"{bucket:04d}") or ({}, 0)

    def put_bucket(self, corp_id: str, period: str, bucket: int, data: dict[str, Any], version: int) -> bool:
        while self.interfere:
            self.interfere.pop(0)()
        self.bucket_writes += 1
        return self._put_if(f"{corp_id}#quota#{period}", f"{bucket:04d}", data, version)


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
