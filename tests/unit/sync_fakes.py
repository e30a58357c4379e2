"""In-memory fakes for the full sync: the job store (with the DynamoDB adapter's transaction semantics), the
step queue, and a paged WeCom that can be told to throttle."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from scrm.domain.customer import CustomerProfile, FollowInfo
from scrm.domain.employee import Employee
from scrm.domain.follow import FollowStatus
from scrm.domain.throttle import Throttled

from tests.unit.fakes import FakeStore, FakeWeCom


class FakeSyncStore(FakeStore):
    def sync_page(self, corp_id: str, rows: Sequence[tuple[CustomerProfile, FollowInfo]], synced_at_ms: int) -> int:
        for p, _ in rows:
            self.save_customer(corp_id, p, synced_at_ms)
        return sum(self.sync_follow(corp_id, p.external_userid, f, synced_at_ms, name=p.name) for p, f in rows)

    def held_tag_ids(self, corp_id: str) -> set[str]:
        return {k.split("#", 1)[1] for (c, k), v in self.tags.items() if c == corp_id and not v.get("deleted")}

    def stale_relations(
        self, corp_id: str, userids: Sequence[str], before_ms: int, cursor: str, limit: int
    ) -> tuple[list[tuple[str, str]], str]:
        rows = sorted(
            (e, u) for (c, e, u), f in self.follows.items()
            if c == corp_id and u in userids and f.get("status") == FollowStatus.ACTIVE.value
            and f.get("synced_at_ms", 0) < before_ms and f.get("status_at", 0) < before_ms // 1000
        )
        start = int(cursor or 0)
        page = rows[start : start + limit]
        return page, (str(start + limit) if start + limit < len(rows) else "")


class FakeJobs:
    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], dict[str, Any]] = {}
        self.markers: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        self.ids = itertools.count(1)

    def start(self, corp_id: str, kind: str, now_ms: int, stale_after_ms: int) -> tuple[dict[str, Any], bool]:
        for (c, _), j in self.jobs.items():
            if c == corp_id and j["state"] == "running" and now_ms - j["updated_at_ms"] < stale_after_ms:
                return dict(j), False
        job = {"job_id": f"j{next(self.ids)}", "corp_id": corp_id, "kind": kind, "state": "running",
               "started_at_ms": now_ms, "updated_at_ms": now_ms, "open_steps": 1, "steps_done": 0}
        self.jobs[(corp_id, job["job_id"])] = job
        return dict(job), True

    def get(self, corp_id: str, job_id: str) -> dict[str, Any] | None:
        j = self.jobs.get((corp_id, job_id))
        return dict(j) if j else None

    def latest(self, corp_id: str) -> dict[str, Any] | None:
        """The corp's newest job (job ids count up, as the store's sort keys do)."""
        mine = [j for (c, _), j in self.jobs.items() if c == corp_id]
        return dict(max(mine, key=lambda j: int(j["job_id"][1:]))) if mine else None

    def done_children(self, corp_id: str, job_id: str, step_id: str) -> list[dict[str, Any]] | None:
        return self.markers.get((corp_id, job_id, step_id))

    def complete_step(self, corp_id, job_id, step_id, children, counters, now_ms) -> bool:
        if (corp_id, job_id, step_id) in self.markers:
            return False
        self.markers[(corp_id, job_id, step_id)] = list(children)
        j = self.jobs[(corp_id, job_id)]
        j["open_steps"] += len(children) - 1
        j["steps_done"] += 1
        j["updated_at_ms"] = now_ms
        for k, v in counters.items():
            j[k] = j.get(k, 0) + v
        return True

    def finish(self, corp_id: str, job_id: str, now_ms: int, state: str, error: str = "") -> bool:
        j = self.jobs[(corp_id, job_id)]
        if j["state"] != "running":
            return False
        j.update(state=state, finished_at_ms=now_ms)
        return True


class FakeQueue:
    def __init__(self) -> None:
        self.messages: list[tuple[dict[str, Any], int]] = []

    def send_many(self, messages: list[dict[str, Any]], delay_s: int = 0) -> None:
        self.messages += [(dict(m), delay_s) for m in messages]

    def pop(self) -> dict[str, Any] | None:
        return self.messages.pop(0)[0] if self.messages else None


class FakeBulkWeCom:
    """Pages like WeCom over a ``FakeWeCom`` world: batch/get_by_user fills pages of 100 across the
    listed users. ``throttle_next`` makes that many calls raise Throttled (the budget is spent)."""

    def __init__(self, world: FakeWeCom) -> None:
        self.world = world
        self.calls = 0
        self.by_api: dict[str, int] = {}
        self.throttle_next = 0

    def _spend(self, api: str) -> None:
        if self.throttle_next:
            self.throttle_next -= 1
            raise Throttled(api, 30)
        self.calls += 1
        self.by_api[api] = self.by_api.get(api, 0) + 1

    def list_employees(self) -> list[Employee]:
        self._spend("user/list")
        return list(self.world.users.values())

    def get_tag_groups(self) -> list[Any]:
        self._spend("get_corp_tag_list")
        return self.world.get_tag_groups()

    def customers_page(self, userids: Sequence[str], cursor: str = "") -> tuple[list[tuple[CustomerProfile, FollowInfo]], str]:
        self._spend("batch/get_by_user")
        rows = [(p, f) for uid in userids for p, fs in self.world.customers.values() for f in fs if f.userid == uid]
        start = int(cursor or 0)
        return rows[start : start + 100], (str(start + 100) if start + 100 < len(rows) else "")

    def group_chats_page(self, owners: Sequence[str], cursor: str = "") -> tuple[list[str], str]:
        self._spend("groupchat/list")
        return [c.chat_id for c in self.world.group_chats.values() if c.owner in owners], ""

    def get_group_chat(self, chat_id: str) -> Any:
        self._spend("groupchat/get")
        return self.world.get_group_chat(chat_id)
