"""In-memory fakes for the transfer services (no I/O).

``FakeTransferRepo`` keeps the ``TransferRepo`` port's contract (transfers/ports.py; DynamoTransfers in
transfers/repository.py is its table adapter) over aggregates, not items: a job is created once per request
key and only while its handover has no open job (else ``ActiveJobExists`` naming it), jobs and chunks are
rewritten only at the version read (False otherwise) and come back as fresh copies, ``put_chunks`` overwrites at version 1,
``create_chunk`` never overwrites, the index keeps one item per (id, job) and lists the newest job first,
and a quota is created only if absent. ``interfere`` plays another writer that gets in first.

``FakeTransferWeCom`` plays WeCom's handover APIs (adapters/wecom/transfer_calls.py) over a small world:
the per-customer errcodes of transfer_customer (0, 40096, 40130, 40131, 40129, 40128 on the job only,
40099), the call-level
ones (40058, 60111, 40097), takeover 24 h after the start on the shared fake clock, refusals and the
taker's customer limit (status 3 / 4 with the transfer_fail event), and the group handovers with the
sandbox's codes: 90500-90504, 90507 / 90508 (a resigned group is in status 2 for ``inherit_s``, then 3), and
for the two counting rules WeCom names no code for, the sandbox's choices (40128 twice in 90 days on the job,
45009 the new owner's 300 a day). ``fail_next`` scripts a failing call (a WeComError, a Throttled,
or a network error after WeCom acted: the answer is lost, as when a worker dies mid-call).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from scrm.kernel.events import ExternalContactEvent
from scrm.kernel.throttle import Throttled
from scrm.kernel.wecom_error import WeComError
from scrm.transfers.job import TransferJob
from scrm.transfers.model import Chunk
from scrm.transfers.ports import ActiveJobExists
from scrm.transfers.request import TransferRequest

from tests.unit.fakes import CORP, event_fields

A = TypeVar("A")
DAY = 86_400
# The codes the sandbox answers for the two counting rules WeCom's pages name no code for (its own choice;
# the runner must not depend on them).
ON_JOB_LIMIT_CODE, DAILY_LIMIT_CODE = 40128, 45009
START = 1_800_000_000


def _json(value: Any) -> Any:
    """What the table gives back: the stored JSON, never the caller's object."""
    return json.loads(json.dumps(value, ensure_ascii=False))


class FakeClock:
    """A clock that stands still until a test moves it (WeCom's 24 h are a call to ``advance``)."""

    def __init__(self, start: float = START) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeQueue:
    """The transfers queue: every message with its delay, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], int]] = []

    def send_many(self, messages: list[dict[str, Any]], delay_s: int = 0) -> None:
        self.sent += [(_json(m), delay_s) for m in messages]

    def take(self) -> list[dict[str, Any]]:
        out = [m for m, _ in self.sent]
        self.sent.clear()
        return out


@dataclass
class _StoredJob:
    job: TransferJob  # at its stored version
    due_at: int | None = None


@dataclass
class _Quota:
    taken: list[list[int]]
    version: int


def _copy(value: A) -> A:
    """What the table gives back: the stored aggregate, never the caller's object."""
    return copy.deepcopy(value)


class FakeTransferRepo:
    """The transfer port over aggregates held in memory (TransferJob, Chunk), keyed by what names them."""

    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], _StoredJob] = {}
        self.requests: dict[tuple[str, str], str] = {}
        self.active: dict[tuple[str, str], str] = {}
        self.stored: dict[tuple[str, str, str, int], Chunk] = {}  # (corp, job, kind, number) → chunk
        self.selections: dict[tuple[str, str, str], list[list[str]]] = {}
        self.index: dict[tuple[str, str, str], dict[str, int]] = {}  # (corp, kind, id) → {job: chunk number}
        self.quotas: dict[tuple[str, str], _Quota] = {}
        self.policies: dict[str, dict[str, Any]] = {}
        self.chunk_writes = 0
        self._interference: list[tuple[tuple[str, str, int], Any]] = []

    # test helpers ---------------------------------------------------------------------------
    def interfere(self, kind: str, number: int, change: Any = None, job_id: str = "") -> None:
        """The next write of chunk (kind, number) finds that another writer got in first: ``change``
        (a function of the stored Chunk) is applied to the stored chunk and its version moves on."""
        self._interference.append(((job_id, kind, number), change))

    def stored_chunk(self, job_id: str, kind: str, number: int, corp_id: str = CORP) -> Chunk:
        return _copy(self.stored[(corp_id, job_id, kind, number)])

    def due_at(self, job_id: str, corp_id: str = CORP) -> int | None:
        return self.jobs[(corp_id, job_id)].due_at

    def _interfere_now(self, corp_id: str, chunk: Chunk) -> None:
        for n, ((job_id, kind, number), change) in enumerate(self._interference):
            if (kind, number) == (chunk.kind, chunk.number) and job_id in ("", chunk.job_id):
                del self._interference[n]
                other = self.stored[(corp_id, chunk.job_id, chunk.kind, chunk.number)]
                if change is not None:
                    change(other)
                other.version += 1
                return

    # jobs ------------------------------------------------------------------------------------
    def create_job(self, corp_id: str, job: TransferJob, request_key: str) -> tuple[TransferJob, bool]:
        job_id, handover = job.job_id, job.handover_userid
        taken = (
            (corp_id, request_key) in self.requests
            or (corp_id, handover) in self.active
            or (corp_id, job_id) in self.jobs
        )
        if not taken:
            self.requests[(corp_id, request_key)] = job_id
            self.active[(corp_id, handover)] = job_id
            job.version = 1
            self.jobs[(corp_id, job_id)] = _StoredJob(_copy(job), int(job.created_at or 0))
            return job, True
        earlier = self.requests.get((corp_id, request_key))
        if earlier is not None and (found := self.get_job(corp_id, earlier)) is not None:
            return found, False
        active = self.active.get((corp_id, handover))
        if active is not None:
            raise ActiveJobExists(active)
        raise RuntimeError("transfer job not created: a concurrent request; try again")

    def get_job(self, corp_id: str, job_id: str) -> TransferJob | None:
        row = self.jobs.get((corp_id, job_id))
        return _copy(row.job) if row is not None else None

    def list_jobs(self, corp_id: str, limit: int = 50) -> list[TransferJob]:
        ids = sorted((j for c, j in self.jobs if c == corp_id), reverse=True)[:limit]
        return [_copy(self.jobs[(corp_id, j)].job) for j in ids]

    def replace_job(self, corp_id: str, job: TransferJob, due_at: int | None) -> bool:
        row = self.jobs.get((corp_id, job.job_id))
        if row is None or row.job.version != job.version:
            return False
        job.version += 1
        row.job, row.due_at = _copy(job), None if due_at is None else int(due_at)
        return True

    def release_active(self, corp_id: str, handover: str, job_id: str) -> None:
        if self.active.get((corp_id, handover)) == job_id:
            del self.active[(corp_id, handover)]

    def due_jobs(self, corp_id: str, now: int) -> list[str]:
        due = [(r.due_at, j) for (c, j), r in self.jobs.items() if c == corp_id and r.due_at is not None]
        return [j for at, j in sorted(due) if at <= now]

    # chunks ----------------------------------------------------------------------------------
    def put_chunks(self, corp_id: str, chunks: Sequence[Chunk]) -> None:
        for c in chunks:
            c.version = 1
            self.stored[(corp_id, c.job_id, c.kind, c.number)] = _copy(c)

    def create_chunk(self, corp_id: str, chunk: Chunk) -> bool:
        key = (corp_id, chunk.job_id, chunk.kind, chunk.number)
        if key in self.stored:
            return False
        chunk.version = 1
        self.stored[key] = _copy(chunk)
        return True

    def chunks(self, corp_id: str, job_id: str) -> list[Chunk]:
        keys = sorted((k, n) for c, j, k, n in self.stored if (c, j) == (corp_id, job_id))
        return [self.stored_chunk(job_id, k, n, corp_id) for k, n in keys]

    def get_chunk(self, corp_id: str, job_id: str, kind: str, number: int) -> Chunk | None:
        if (corp_id, job_id, kind, number) not in self.stored:
            return None
        return self.stored_chunk(job_id, kind, number, corp_id)

    def replace_chunk(self, corp_id: str, chunk: Chunk) -> bool:
        key = (corp_id, chunk.job_id, chunk.kind, chunk.number)
        if key not in self.stored:
            return False  # DynamoDB: the condition on the version fails for a missing item
        self._interfere_now(corp_id, chunk)
        if self.stored[key].version != chunk.version:
            return False
        chunk.version += 1
        self.stored[key] = _copy(chunk)
        self.chunk_writes += 1
        return True

    # selection, index --------------------------------------------------------------------------
    def put_selection(self, corp_id: str, job_id: str, kind: str, ids: Sequence[str], per_item: int = 1000) -> None:
        self.selections[(corp_id, job_id, kind)] = [list(ids[i : i + per_item]) for i in range(0, len(ids), per_item)]

    def selection(self, corp_id: str, job_id: str, kind: str) -> list[str]:
        return [i for part in self.selections.get((corp_id, job_id, kind), []) for i in part]

    def put_index(
        self, corp_id: str, job_id: str, kind: str, placed: Iterable[tuple[str, int]], created_at: int
    ) -> None:
        for ident, number in placed:
            self.index.setdefault((corp_id, kind, ident), {})[job_id] = number

    def index_of(self, corp_id: str, kind: str, ident: str) -> list[tuple[str, int]]:
        items = self.index.get((corp_id, kind, ident), {})
        return [(j, items[j]) for j in sorted(items, reverse=True)]

    # quota, policy -----------------------------------------------------------------------------
    def quota(self, corp_id: str, owner: str) -> tuple[list[list[int]], int]:
        row = self.quotas.get((corp_id, owner))
        return (_copy(row.taken), row.version) if row is not None else ([], 0)

    def replace_quota(self, corp_id: str, owner: str, taken: list[list[int]], version: int) -> bool:
        row = self.quotas.get((corp_id, owner))
        if (row is None) != (version == 0) or (row is not None and row.version != version):
            return False
        self.quotas[(corp_id, owner)] = _Quota(_copy(taken), version + 1)
        return True

    def taken(self, owner: str, corp_id: str = CORP) -> int:
        return sum(n for _, n in self.quota(corp_id, owner)[0])

    def policy(self, corp_id: str) -> dict[str, Any]:
        return copy.deepcopy(self.policies.get(corp_id, {}))

    def put_policy(self, corp_id: str, policy: dict[str, Any]) -> None:
        self.policies[corp_id] = _json(policy)


# --- WeCom -----------------------------------------------------------------------------------------
@dataclass
class Handover:
    ext: str
    handover: str
    taker: str
    kind: str
    start: int
    status: int = 2  # 1 done, 2 waiting, 3 refused, 4 taker at limit
    takeover_time: int = 0


@dataclass
class _Fault:
    method: str
    errcode: int | None = None  # a WeComError before WeCom acts
    throttled: bool = False  # the shared budget is spent: nothing reached WeCom
    lost: bool = False  # WeCom acted, the answer never came back (a timeout, a worker that died)
    times: int = 1


@dataclass
class FakeTransferWeCom:
    clock: FakeClock
    corp_id: str = CORP
    employees: set[str] = field(default_factory=set)
    departed: dict[str, int] = field(default_factory=dict)  # userid → dimission_time
    follows: dict[str, list[str]] = field(default_factory=dict)  # userid → external_userids
    groups: dict[str, str] = field(default_factory=dict)  # chat_id → owner
    group_status: dict[str, int] = field(default_factory=dict)  # chat_id → 2 离职继承中 / 3 离职继承完成
    inheriting: dict[str, tuple[str, int]] = field(default_factory=dict)  # chat_id → (new owner, when done)
    inherit_s: int = 10  # a resigned group's status 2 lasts this long (the sandbox's INHERIT_S)
    handovers: list[Handover] = field(default_factory=list)
    group_moves: list[dict[str, Any]] = field(default_factory=list)
    takers_at_limit: set[str] = field(default_factory=set)
    codes: dict[str, int] = field(default_factory=dict)  # forced per-customer / per-chat errcodes
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    during: dict[str, Any] = field(default_factory=dict)  # method → run once while WeCom handles the call

    # the world ------------------------------------------------------------------------------
    def hire(self, *userids: str) -> None:
        self.employees.update(userids)

    def leave(self, userid: str) -> None:
        self._settle()
        self.employees.discard(userid)
        self.departed[userid] = int(self.clock())
        for chat, owner in self.groups.items():
            if owner == userid and self.group_status.get(chat) == 3:
                del self.group_status[chat]  # inherited once, its owner left in turn: waiting again

    def give(self, userid: str, n: int, prefix: str = "") -> list[str]:
        exts = [f"wm{prefix or userid}{i:04d}" for i in range(n)]
        self.follows.setdefault(userid, []).extend(exts)
        return exts

    def own(self, userid: str, n: int, prefix: str = "") -> list[str]:
        chats = [f"wr{prefix or userid}{i:04d}" for i in range(n)]
        self.groups.update(dict.fromkeys(chats, userid))
        return chats

    def customers_of(self, userid: str) -> list[str]:
        self._settle()
        return list(self.follows.get(userid, []))

    def fail_next(self, method: str, errcode: int | None = None, *, throttled: bool = False, lost: bool = False,
                  times: int = 1) -> None:  # fmt: skip
        self.faults.append(_Fault(method, errcode, throttled, lost, times))

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.calls if m == method)

    def _settle(self) -> None:
        """WeCom completes a transfer 24 h after its start, and a resigned group's inheritance ``inherit_s``
        after it (lazily, like the sandbox)."""
        now = int(self.clock())
        for chat, (new_owner, due) in list(self.inheriting.items()):
            if now >= due:
                del self.inheriting[chat]
                self.groups[chat] = new_owner
                self.group_status[chat] = 3
        for h in self.handovers:
            if h.status == 2 and now >= h.start + DAY:
                h.status, h.takeover_time = 1, h.start + DAY
                if h.ext in self.follows.get(h.handover, []):
                    self.follows[h.handover].remove(h.ext)
                if h.ext not in self.follows.setdefault(h.taker, []):
                    self.follows[h.taker].append(h.ext)

    def _fault(self, method: str) -> _Fault | None:
        for f in self.faults:
            if f.method == method:
                f.times -= 1
                if f.times <= 0:
                    self.faults.remove(f)
                if f.throttled:
                    raise Throttled(method, 42.0)
                if f.errcode is not None:
                    raise WeComError(f.errcode, "scripted", method)
                return f
        return None

    def _call(self, method: str, body: dict[str, Any]) -> _Fault | None:
        self._settle()
        self.calls.append((method, _json(body)))
        return self._fault(method)

    def _waiting(self, ext: str) -> Handover | None:
        return next((h for h in self.handovers if h.ext == ext and h.status == 2), None)

    def _end(self, h: Handover, status: int) -> ExternalContactEvent:
        h.status, h.takeover_time = status, int(self.clock())
        reason = "customer_refused" if status == 3 else "customer_limit_exceed"
        fields = event_fields(self.corp_id, "change_external_contact", "transfer_fail", h.takeover_time,
                              UserID=h.taker, ExternalUserID=h.ext, FailReason=reason)  # fmt: skip
        return ExternalContactEvent.from_fields(fields)

    def refuse(self, ext: str) -> ExternalContactEvent:
        """The customer refuses within the 24 h: status 3 and the transfer_fail event WeCom sends."""
        self._settle()
        h = self._waiting(ext)
        assert h is not None, f"{ext} is not waiting"
        return self._end(h, 3)

    def limit(self, taker: str) -> list[ExternalContactEvent]:
        """The taker reaches the customer limit: their waiting transfers end (status 4), new ones 40099."""
        self._settle()
        self.takers_at_limit.add(taker)
        return [self._end(h, 4) for h in self.handovers if h.taker == taker and h.status == 2]

    # transfer_calls.TransferCalls -------------------------------------------------------------
    def transfer_customers(
        self, kind: str, handover: str, takeover: str, external_userids: Sequence[str], success_msg: str = ""
    ) -> dict[str, int]:
        fault = self._call("transfer_customers", {"kind": kind, "handover_userid": handover, "takeover_userid": takeover,
                                                  "external_userid": list(external_userids), "msg": success_msg})  # fmt: skip
        if not 1 <= len(external_userids) <= 100 or len(success_msg) > 200:
            raise WeComError(40058, "invalid external_userid / transfer_success_msg", "transfer_customer")
        if kind == "onjob" and handover not in self.employees:
            raise WeComError(60111, f"userid {handover}", "transfer_customer")
        if kind == "resigned" and handover in self.employees:
            raise WeComError(40097, f"{handover} has not left", "resigned/transfer_customer")
        if kind == "resigned" and handover not in self.departed:
            raise WeComError(60111, f"userid {handover}", "resigned/transfer_customer")
        if takeover not in self.employees:
            raise WeComError(60111, f"userid {takeover}", "transfer_customer")
        now = int(self.clock())
        out = {ext: self._start_one(kind, handover, takeover, ext, now) for ext in external_userids}
        self._meanwhile("transfer_customers")
        if fault is not None and fault.lost:
            raise TimeoutError("read timed out (WeCom acted, the answer is lost)")
        return out

    def _meanwhile(self, method: str) -> None:
        """Something else happens while this call is under way (another worker, a callback)."""
        action = self.during.pop(method, None)
        if action is not None:
            action()

    def _start_one(self, kind: str, handover: str, takeover: str, ext: str, now: int) -> int:
        if ext in self.codes:
            return self.codes[ext]
        if not any(ext in exts for exts in self.follows.values()) and all(h.ext != ext for h in self.handovers):
            return 40096
        if handover == takeover:
            return 40130
        if ext not in self.follows.get(handover, []):
            return 40131
        if self._waiting(ext) is not None:
            return 40129
        if kind == "onjob" and sum(
            1 for h in self.handovers if h.ext == ext and h.status == 1 and now - h.takeover_time < 90 * DAY
        ) >= 2:
            return 40128
        if takeover in self.takers_at_limit:
            return 40099
        self.handovers.append(Handover(ext, handover, takeover, kind, now))
        return 0

    def transfer_results(self, kind: str, handover: str, takeover: str) -> dict[str, tuple[int, int]]:
        self._call("transfer_results", {"kind": kind, "handover_userid": handover, "takeover_userid": takeover})
        latest = {h.ext: h for h in self.handovers if (h.kind, h.handover, h.taker) == (kind, handover, takeover)}
        return {e: (h.status, h.takeover_time) for e, h in latest.items()}

    def unassigned(self) -> list[dict[str, Any]]:
        self._call("unassigned", {})
        pending = {(h.handover, h.ext) for h in self.handovers if h.status == 2}
        return [
            {"handover_userid": u, "external_userid": e, "dimission_time": when}
            for u, when in self.departed.items()
            for e in self.follows.get(u, [])
            if (u, e) not in pending
        ]

    def customer_ids(self, userid: str) -> list[str]:
        self._call("customer_ids", {"userid": userid})
        return list(self.follows.get(userid, []))

    def group_ids(self, owner: str, status_filter: int) -> list[str]:
        self._call("group_ids", {"owner": owner, "status_filter": status_filter})
        if status_filter == 1:  # 离职待继承: the owner left and no inheritance started (2) or ended (3)
            return [
                c for c, o in self.groups.items()
                if o == owner and o in self.departed and self.group_status.get(c) not in (2, 3)
            ]
        return [c for c, o in self.groups.items() if o == owner]

    def transfer_groups(self, kind: str, chat_ids: Sequence[str], new_owner: str) -> dict[str, int]:
        fault = self._call("transfer_groups", {"kind": kind, "chat_id_list": list(chat_ids), "new_owner": new_owner})
        if not 1 <= len(chat_ids) <= 100:
            raise WeComError(40058, "chat_id_list must hold 1..100 chat ids", "groupchat/transfer")
        if new_owner not in self.employees:
            raise WeComError(60111, f"userid {new_owner}", "groupchat/transfer")
        now = int(self.clock())
        failed = {c: code for c in chat_ids if (code := self._move_one(kind, c, new_owner, now))}
        self._meanwhile("transfer_groups")
        if fault is not None and fault.lost:
            raise TimeoutError("read timed out (WeCom acted, the answer is lost)")
        return failed

    def group_owner(self, chat_id: str) -> str:
        self._call("group_owner", {"chat_id": chat_id})
        self._settle()
        return self.groups.get(chat_id, "")

    def _move_one(self, kind: str, chat: str, new_owner: str, now: int) -> int:
        if chat in self.codes:
            return self.codes[chat]
        owner = self.groups.get(chat)
        if owner is None:
            return 90501
        left = owner not in self.employees
        if kind == "resigned":
            if self.group_status.get(chat) == 2:
                return 90507
            if self.group_status.get(chat) == 3:
                return 90508
            if not left:
                return 90500
        elif left:
            return 90502
        if owner == new_owner:
            return 90504
        if kind == "onjob" and sum(
            1 for m in self.group_moves if m["chat"] == chat and m["kind"] == "onjob" and now - m["time"] < 90 * DAY
        ) >= 2:
            return ON_JOB_LIMIT_CODE
        if sum(1 for m in self.group_moves if m["new_owner"] == new_owner and now - m["time"] < DAY) >= 300:
            return DAILY_LIMIT_CODE
        self.group_moves.append({"chat": chat, "new_owner": new_owner, "kind": kind, "time": now})
        if kind == "resigned":
            self.group_status[chat] = 2
            self.inheriting[chat] = (new_owner, now + self.inherit_s)
        else:
            self.groups[chat] = new_owner
        return 0


class FakeDirectory:
    """The synced employees (``Directory.known_employees``) of the world's corp."""

    def __init__(self, world: FakeTransferWeCom) -> None:
        self.world = world

    def known_employees(self, corp_id: str, userids: Sequence[str]) -> set[str]:
        return {u for u in userids if u in self.world.employees}

    def departed_employees(self, corp_id: str) -> list[str]:
        return sorted(self.world.departed)

    def known_tags(self, corp_id: str) -> set[str]:
        return set()

    def known_groups(self, corp_id: str, chat_ids: Sequence[str]) -> set[str]:
        return {c for c in chat_ids if c in self.world.groups}


class Office:
    """One corp's transfers wired to the fakes: WeCom's world, the table, the queue, a clock; ``run``
    works the queue like the transfer worker, ``tick`` is the scheduled job some time later."""

    def __init__(self, staff: Sequence[str] = ("h", "a", "b", "c")) -> None:
        from scrm.transfers.events import TransferEvents
        from scrm.transfers.runner import TransferRunner
        from scrm.transfers.service import TransferJobs

        self.clock = FakeClock()
        self.wecom = FakeTransferWeCom(self.clock)
        self.wecom.hire(*staff)
        self.repo = FakeTransferRepo()
        self.queue = FakeQueue()
        self.gateways: list[str] = []
        self.runner = TransferRunner(self.repo, self._gateway, self.queue, clock=self.clock)
        self.bus = self.runner.bus()
        self.jobs = TransferJobs(self.repo, self.runner, FakeDirectory(self.wecom), self._gateway, self.queue,
                                 clock=self.clock)  # fmt: skip
        self.events = TransferEvents(self.repo, clock=self.clock)

    def _gateway(self, corp_id: str) -> FakeTransferWeCom:
        self.gateways.append(corp_id)
        return self.wecom

    def create(self, **body: Any) -> str:
        progress, created = self.jobs.create(CORP, request_of(body))
        assert created
        return str(progress["job_id"])

    def run(self, limit: int = 200) -> list[str]:
        """Work the queue until it is empty; what each step's outcome says, in order."""
        out = []
        for _ in range(limit):
            if not self.queue.sent:
                return out
            message, _ = self.queue.sent.pop(0)
            out.append(str(self.bus.handle(message)))
        raise AssertionError("the transfer queue never ran dry")

    def step(self) -> str:
        """The worker takes one message."""
        message, _ = self.queue.sent.pop(0)
        return str(self.bus.handle(message))

    def tick(self, seconds: float = 0) -> list[str]:
        """Time passes, then the scheduled job enqueues what is due and the worker runs it."""
        self.clock.advance(seconds)
        self.runner.enqueue_due(CORP)
        return self.run()

    def job(self, job_id: str) -> dict[str, Any]:
        return self.jobs.progress(CORP, job_id)

    def items(self, job_id: str) -> dict[str, dict[str, Any]]:
        """Each customer's / chat's latest entry (a re-assigned customer: its new chunk's)."""
        out: dict[str, dict[str, Any]] = {}
        for i in self.jobs.progress(CORP, job_id, with_entries=True)["items"]:
            if i["state"] != "reassigned" or i["id"] not in out:
                out[i["id"]] = i
        return out

    def fail_event(self, event: ExternalContactEvent) -> list[str]:
        return self.events.observe(event, f"ev{len(self.wecom.calls)}")


def request_of(body: dict[str, Any]) -> TransferRequest:
    """A request body as the admin API takes it: its model's checks, then the domain's."""
    from admin.schemas.base import validated
    from admin.schemas.transfers import TransferInput

    return validated(TransferInput, body).request()
