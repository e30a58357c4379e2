"""The admin side of transfers: create a job (idempotent per request), list, show progress, cancel what
has not reached WeCom, check again now, the corp's policy, and who has left customers behind.

Creating answers at once: the job is recorded, and the plan step (queued) lists and splits the customers
and groups. Input that can be judged here is: the takers must be active employees, an on-the-job handover
must still be employed (and a resigned one must have left), and WeCom's two-in-90-days rule is checked
for the customers and groups the admin named, naming each one and the day it frees up.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrm.customers.ports import Directory
from scrm.kernel.bus import Queue as Publisher
from scrm.kernel.bus import send as send_commands
from scrm.kernel.errors import Conflict, InvalidInput, NotFound
from scrm.transfers.commands import AdvanceTransfer, PlanTransfer
from scrm.transfers.job import PLANNING, TransferJob
from scrm.transfers.model import ONJOB, RESIGNED
from scrm.transfers.ports import ActiveJobExists, TransferRepo, TransferWeCom
from scrm.transfers.progress import summarize
from scrm.transfers.request import TransferRequest
from scrm.transfers.runner import TransferRunner, day_of

CHECK_NAMED_MAX = 1000  # named onjob customers checked against the 90-day rule while the admin waits


@dataclass(eq=False)
class TransferJobs:
    repo: TransferRepo
    runner: TransferRunner
    directory: Directory
    wecom: Callable[[str], TransferWeCom]
    queue: Publisher
    clock: Callable[[], float] = time.time

    def create(self, corp_id: str, req: TransferRequest) -> tuple[dict[str, Any], bool]:
        self._check_people(corp_id, req)
        now = int(self.clock())
        if req.kind == ONJOB:
            self._check_90_days(corp_id, "c", req.customers, now)
            self._check_90_days(corp_id, "g", req.groups, now)
        policy = req.on_refused or self.repo.policy(corp_id).get("on_refused") or "leave"
        job_id = f"t{int(self.clock() * 1000):013d}{secrets.token_hex(3)}"
        job = TransferJob(
            job_id, req.kind, req.handover_userid, req.takers, customers=_selection(req.customers),
            groups=_selection(req.groups), transfer_success_msg=req.transfer_success_msg, on_refused=policy,
            state=PLANNING, created_at=now, request_key=req.key(),
        )  # fmt: skip
        # The selection goes first: a job visible without it would be planned as empty.
        if req.customers:
            self.repo.put_selection(corp_id, job_id, "c", list(req.customers))
        if req.groups:
            self.repo.put_selection(corp_id, job_id, "g", list(req.groups))
        key = req.key()
        while True:
            try:
                job.request_key = key
                saved, created = self.repo.create_job(corp_id, job, key)
            except ActiveJobExists as exc:
                raise Conflict(f"{req.handover_userid} already has transfer job {exc.job_id} in progress; wait for it or cancel it", "handover_userid") from None
            # The same body again once its job has ended is a new request (transfer what is left), not a
            # double click; only an explicit request_id stays bound to its job for good.
            if created or req.request_id or not saved.ended:
                break
            key = f"{req.key()}#after#{saved.job_id}"
        if created:
            send_commands(self.queue, [PlanTransfer(corp_id, job_id)])
        return self.progress(corp_id, saved.job_id), created

    def _check_people(self, corp_id: str, req: TransferRequest) -> None:
        known = self.directory.known_employees(corp_id, [*req.takers, req.handover_userid])
        for taker in req.takers:
            if taker not in known:
                raise InvalidInput("takeover_userids", f"takeover employee {taker} is not an active employee (run a sync if new)")
        if req.kind == ONJOB and req.handover_userid not in known:
            raise InvalidInput("handover_userid", f"{req.handover_userid} is not an active employee: use kind resigned (离职继承)")
        if req.kind == RESIGNED and req.handover_userid in known:
            raise InvalidInput("handover_userid", f"{req.handover_userid} has not left: use kind onjob (在职继承), or wait for WeCom's delete_user")

    def _check_90_days(self, corp_id: str, kind: str, ids: tuple[str, ...] | None, now: int) -> None:
        if not ids or len(ids) > CHECK_NAMED_MAX:
            return  # "all", or too many to check now: the plan step checks them and fails those blocked
        blocked = self.runner.limited(corp_id, kind, ids, now)
        if not blocked:
            return
        what, field = ("customer", "customers") if kind == "c" else ("group", "groups")
        first = next(iter(blocked))
        details = [{"id": i, "frees_on": day_of(t), "frees_at": t} for i, t in blocked.items()]
        raise Conflict(f"{what} {first} was already transferred twice in the last 90 days; WeCom allows the next transfer "
            f"on {day_of(blocked[first])}" + (f" ({len(blocked) - 1} more {what}s blocked, see details)" if len(blocked) > 1 else ""), field, details)

    def list(self, corp_id: str, limit: int = 50) -> list[dict[str, Any]]:
        return [self._brief(j) for j in self.repo.list_jobs(corp_id, limit)]

    @staticmethod
    def _brief(job: TransferJob) -> dict[str, Any]:
        data = job.to_dict()
        return {k: data.get(k) for k in ("job_id", "kind", "state", "handover_userid", "takers", "created_at",
                                        "finished_at", "customers_planned", "groups_planned", "on_refused")}  # fmt: skip

    def progress(self, corp_id: str, job_id: str, with_entries: bool = False) -> dict[str, Any]:
        job = self.repo.get_job(corp_id, job_id)
        if job is None:
            raise NotFound(f"no transfer job {job_id}", "job_id")
        chunks = self.repo.chunks(corp_id, job_id)
        out = summarize(job, chunks)
        if with_entries:
            out["items"] = [
                {"type": "customer" if c.kind == "c" else "group", "id": i, "taker": c.taker, "state": e.state,
                 "reason": e.reason or None, "at": e.at}  # fmt: skip
                for c in sorted(chunks, key=lambda c: (c.kind, c.number))
                for i, e in c.entries.items()
            ]
        return out

    def cancel(self, corp_id: str, job_id: str) -> dict[str, Any]:
        """Stops what has not reached WeCom (requested customers, queued groups). Customers already in
        WeCom's 24 h window cannot be called back: they end as WeCom decides."""
        job = self.repo.get_job(corp_id, job_id)
        if job is None:
            raise NotFound(f"no transfer job {job_id}", "job_id")
        if job.ended:
            raise Conflict(f"transfer job {job_id} is already {job.state}", "job_id")
        while not job.cancelled:
            job.cancel()
            if self.repo.replace_job(corp_id, job, int(self.clock())):
                break
            again = self.repo.get_job(corp_id, job_id)
            if again is None:
                break
            job = again
        now = int(self.clock())
        for c in self.repo.chunks(corp_id, job_id):
            self.runner.fence.write(corp_id, c, lambda x: x.cancel(now))
        self.runner.settle(corp_id, job_id, self.repo.chunks(corp_id, job_id))
        return self.progress(corp_id, job_id)

    def refresh(self, corp_id: str, job_id: str) -> dict[str, Any]:
        """Check now (poll WeCom's results, retry what is due) instead of at the next scheduled time."""
        job = self.repo.get_job(corp_id, job_id)
        if job is None:
            raise NotFound(f"no transfer job {job_id}", "job_id")
        step = PlanTransfer if job.state == PLANNING else AdvanceTransfer
        send_commands(self.queue, [step(corp_id, job_id, force=True)])
        return self.progress(corp_id, job_id)

    def policy(self, corp_id: str) -> dict[str, Any]:
        return {"on_refused": "leave", **self.repo.policy(corp_id)}

    def set_policy(self, corp_id: str, on_refused: str) -> dict[str, Any]:
        """``on_refused``: leave or reassign (the admin API's model has checked it)."""
        self.repo.put_policy(corp_id, {"on_refused": on_refused})
        return self.policy(corp_id)

    def unassigned(self, corp_id: str, handover: str = "") -> dict[str, Any]:
        """Departed members whose customers wait for a taker (get_unassigned_list), with their groups
        (groupchat/list status 1); with ``handover``, that member's ids. WeCom's list leaves out members
        who left only groups behind: those come from the delete_user events we stored."""
        gw = self.wecom(corp_id)
        rows = gw.unassigned()
        people: dict[str, dict[str, Any]] = {}
        for r in rows:
            h = str(r.get("handover_userid") or "")
            p = people.setdefault(h, {"handover_userid": h, "dimission_time": r.get("dimission_time"), "customers": []})
            p["customers"].append(str(r.get("external_userid")))
        for h in [handover] if handover else self.directory.departed_employees(corp_id):
            people.setdefault(h, {"handover_userid": h, "dimission_time": None, "customers": []})
        out = []
        for h, p in sorted(people.items()):
            groups = gw.group_ids(h, 1)
            if not p["customers"] and not groups and h != handover:
                continue
            item = {"handover_userid": h, "dimission_time": p["dimission_time"],
                    "customers": len(p["customers"]), "groups": len(groups)}  # fmt: skip
            if handover == h:
                item["customer_ids"] = p["customers"]
                item["group_ids"] = groups
            if not handover or handover == h:
                out.append(item)
        return {"items": out}


def _selection(ids: tuple[str, ...] | None) -> str:
    return "all" if ids is None else ("listed" if ids else "none")
