"""What became of a created moment (issue 20 item 2): which members posted it, how many customers it reached,
and each customer's likes and comments, read from WeCom (93333) by the scheduled job, paged, within a call
budget per run, and resumable: a run that stops at its budget leaves a position in the task, and the next run
goes on from there.

One pass over a task: ``get_moment_task`` pages (1,000 members a page) give every member's publish status;
then, for each member who posted, ``get_moment_customer_list`` pages (1,000 a page: the customers who could
see it), ``get_moment_send_result`` pages (5,000 a page: those it reached) and ``get_moment_comments``
(likes and comments). A member's reached count and interactions are
read again on each pass while the task is followed (``FOLLOW_S`` after it was created), since customers go
on liking and commenting. Each like or comment by a customer goes once onto that customer's timeline (keyed by
moment, member, customer, kind and time: a pass that reads it again writes the same item), the strongest
engagement signal the product has.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from scrm.kernel.throttle import Throttled
from scrm.moments.model import CREATED, Moment

FOLLOW_S = 7 * 86_400  # our choice: a moment's interactions come in its first days
PUBLISHED = 1
TASK_PAGE, CUSTOMER_PAGE, SEND_RESULT_PAGE = 1000, 1000, 5000  # get_moment_task, _customer_list, _send_result maxima
RUN_BUDGET = 1000  # WeCom calls one run may make for one task (the shared budget paces them too)
REMIND_PER_RUN = 200  # app messages one pass asks for (each paced per member by the alerts' caps)
RESULTS_EVERY_S = 600  # a pass over a followed task every 10 minutes (a pass cut by its budget goes on at once)


class ResultWeCom(Protocol):
    def moment_tasks(self, moment_id: str, cursor: str, limit: int) -> tuple[list[dict[str, Any]], str]: ...
    def moment_customer_list(self, moment_id: str, userid: str, cursor: str,
                             limit: int) -> tuple[list[dict[str, Any]], str]: ...  # fmt: skip
    def moment_send_result(self, moment_id: str, userid: str, cursor: str,
                           limit: int) -> tuple[list[dict[str, Any]], str]: ...  # fmt: skip
    def moment_comments(self, moment_id: str, userid: str) -> dict[str, Any]: ...


class ResultRepo(Protocol):
    def put_members(self, corp_id: str, moment_task_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Each member's row (``userid`` its key), replacing what was stored for them."""
        ...

    def members(self, corp_id: str, moment_task_id: str) -> list[dict[str, Any]]: ...

    def members_after(self, corp_id: str, moment_task_id: str, after: str, limit: int,
                      published: bool | None = None) -> list[dict[str, Any]]:  # fmt: skip
        """Up to ``limit`` member rows after userid ``after``, in userid order (only posters or only the
        others when ``published`` says so)."""
        ...

    def put_summary(self, corp_id: str, moment_task_id: str, summary: Mapping[str, Any]) -> None:
        """The completion as the last results run saw it (totals and per department): the progress read
        gets it with one read instead of every member's row."""
        ...

    def summary(self, corp_id: str, moment_task_id: str) -> dict[str, Any] | None: ...


class Timeline(Protocol):
    def add_timeline(self, corp_id: str, subject: str, create_time: int, event_id: str,
                     entry: dict[str, Any]) -> None: ...  # fmt: skip


@dataclass
class Budget:
    """Calls a run may still make, and the time (``clock``'s) it must stop by: a run is one invocation of
    the minute job, whose Lambda stops at 55 s, and 1,000 WeCom calls at WeCom's own latency take longer."""

    left: int
    until: float = math.inf
    clock: Callable[[], float] = time.time

    def spend(self) -> bool:
        if self.left <= 0 or (self.until != math.inf and self.clock() >= self.until):
            return False
        self.left -= 1
        return True


class OutOfBudget(Exception):
    pass


def _pages(budget: Budget, read: Callable[[str], tuple[list[dict[str, Any]], str]]) -> Iterable[dict[str, Any]]:
    cursor = ""
    while True:
        if not budget.spend():
            raise OutOfBudget()
        rows, cursor = read(cursor)
        yield from rows
        if not cursor:
            return


@dataclass(eq=False)
class MomentResults:
    repo: ResultRepo
    wecom: Callable[[str], ResultWeCom]
    timeline: Timeline
    clock: Callable[[], float] = time.time
    # A member who has not posted ``remind_after_hours`` after the moment exists: "sent", "failed" (kept on
    # their row: never again), or "full" / "busy" (the member's app-message allowance: the next pass tries).
    remind: Callable[[str, Moment, str], str] | None = None
    # userid → its departments (the directory's), for the per-store figures of the summary
    departments: Callable[[str], Mapping[str, Iterable[int]]] | None = None

    def following(self, moment: Moment, now: int) -> bool:
        """Still read by the scheduled job: created, and within FOLLOW_S of its creation."""
        return moment.state == CREATED and now - int(moment.created_at) < FOLLOW_S

    def collect(self, corp_id: str, moment: Moment, budget: int = RUN_BUDGET, until: float = math.inf) -> dict[str, Any]:
        """One pass (or its part within ``budget`` calls): the members' rows stored, new interactions on the
        customers' timelines. ``position`` in the answer is where the next run starts (0: the pass is done)."""
        gw, left = self.wecom(corp_id), Budget(budget, until, self.clock)
        start = int(moment.extra.get("results_position") or 0)
        stored = {str(r["userid"]): r for r in self.repo.members(corp_id, moment.moment_task_id)}
        if start:
            # A pass cut by its budget goes on from the members its first run stored (every member's row,
            # with whether they had posted): reading get_moment_task again on each run cost 26 calls a run
            # at 26,000 members. A member who posts meanwhile is read by the next pass.
            rows = {u: dict(r) for u, r in stored.items()}
        else:
            try:
                members = list(_pages(left, lambda c: gw.moment_tasks(moment.moment_id, c, TASK_PAGE)))
            except (OutOfBudget, Throttled):
                return {"members": 0, "read": 0, "position": start, "calls": budget - left.left, "done": False}
            rows = {str(m["userid"]): {**stored.get(str(m["userid"]), {}), "userid": str(m["userid"]),
                                       "published": int(m.get("publish_status") or 0) == PUBLISHED}
                    for m in members}  # fmt: skip
        published = sorted(u for u, r in rows.items() if r["published"])  # one order for every run of a pass
        position, read, done, now = (start if start < len(published) else 0), 0, True, int(self.clock())
        for k in range(position, len(published)):
            try:
                rows[published[k]] = self._member(corp_id, gw, moment, published[k], left, now)
            except (OutOfBudget, Throttled):  # our budget, or the corp's shared one: the next run goes on here
                position, done = k, False
                break
            read += 1
        else:
            position = 0
        reminded = self._remind(corp_id, moment, rows, now)
        # Only what changed is written: a run over 26,000 members rewrites the rows it read, not every row.
        self.repo.put_members(corp_id, moment.moment_task_id, [r for u, r in rows.items() if r != stored.get(u)])
        depts = self.departments(corp_id) if self.departments is not None else {}
        summary = completion(list(rows.values()), {u: sorted(d) for u, d in depts.items()})
        self.repo.put_summary(corp_id, moment.moment_task_id, {**summary, "at": now, "pass_done": done})
        return {"members": len(rows), "published": len(published), "read": read, "position": position,
                "calls": budget - left.left, "done": done, "reminded": reminded}  # fmt: skip

    def _remind(self, corp_id: str, moment: Moment, rows: dict[str, dict[str, Any]], now: int) -> int:
        after_h = int(moment.spec.get("remind_after_hours", 24))
        if self.remind is None or not after_h or now - int(moment.done_at or moment.created_at) < after_h * 3600:
            return 0
        asked = 0
        for userid, row in sorted(rows.items()):
            if row["published"] or row.get("reminded"):
                continue
            if asked >= REMIND_PER_RUN:
                break
            state = self.remind(corp_id, moment, userid)
            asked += 1
            if state not in ("full", "busy"):
                rows[userid] = {**row, "reminded": state}
        return asked

    def _member(self, corp_id: str, gw: ResultWeCom, moment: Moment, userid: str, budget: Budget,
                now: int) -> dict[str, Any]:  # fmt: skip
        visible = sum(1 for _ in _pages(budget, lambda c: gw.moment_customer_list(moment.moment_id, userid, c,
                                                                                  CUSTOMER_PAGE)))  # fmt: skip
        reached = sum(1 for _ in _pages(budget, lambda c: gw.moment_send_result(moment.moment_id, userid, c,
                                                                                SEND_RESULT_PAGE)))  # fmt: skip
        if not budget.spend():
            raise OutOfBudget()
        answer = gw.moment_comments(moment.moment_id, userid)
        likes = [i for i in answer.get("like_list") or [] if i.get("external_userid")]
        comments = [i for i in answer.get("comment_list") or [] if i.get("external_userid")]
        for kind, items in (("like", likes), ("comment", comments)):
            for i in items:
                ext, at = str(i["external_userid"]), int(i.get("create_time") or now)
                key = f"moment-{moment.moment_id}-{userid}-{ext}-{kind}-{at}"
                self.timeline.add_timeline(corp_id, f"customer:{ext}", at, key, {
                    "event": "moment", "change_type": f"moment_{kind}", "moment_id": moment.moment_id,
                    "moment_task_id": moment.moment_task_id, "name": str(moment.spec.get("name") or ""),
                    "userid": userid})  # fmt: skip
        return {"userid": userid, "published": True, "visible": visible, "reached": reached, "likes": len(likes),
                "comments": len(comments), "read_at": now}  # fmt: skip


def completion(rows: Sequence[Mapping[str, Any]], departments: Mapping[str, Sequence[int]],
               names: Mapping[int, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """Who posted, per department (a store is a department) and overall: a member in two departments
    counts in each (the summary each results run stores; the members are paged from their rows)."""
    members = sorted(rows, key=lambda r: str(r["userid"]))
    total, posted = len(members), sum(1 for r in members if r.get("published"))
    by_dept: dict[int, list[int]] = {}
    for r in members:
        for d in departments.get(str(r["userid"])) or [0]:
            counts = by_dept.setdefault(int(d), [0, 0])
            counts[0] += 1
            counts[1] += 1 if r.get("published") else 0
    return {
        "members": total, "posted": posted, "rate": round(posted / total, 4) if total else 0.0,
        "visible": sum(int(r.get("visible") or 0) for r in members),
        "reached": sum(int(r.get("reached") or 0) for r in members),
        "likes": sum(int(r.get("likes") or 0) for r in members),
        "comments": sum(int(r.get("comments") or 0) for r in members),
        "by_department": [{"department": d, "name": (names or {}).get(d, ""), "members": n, "posted": p,
                           "rate": round(p / n, 4) if n else 0.0} for d, (n, p) in sorted(by_dept.items())],
    }  # fmt: skip


PROGRESS_FIGURES = ("members", "posted", "rate", "visible", "reached", "likes", "comments", "by_department")


def member_row(r: Mapping[str, Any]) -> dict[str, Any]:
    """A member's row as the API shows it."""
    return {"userid": str(r["userid"]), "published": bool(r.get("published")),
            **{k: int(r.get(k) or 0) for k in ("visible", "reached", "likes", "comments")},
            "reminded": str(r.get("reminded") or "")}  # fmt: skip
