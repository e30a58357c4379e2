"""How a full sync of a corp is cut into steps, and what the fewest WeCom calls for it are.

Each step is one SQS message and makes at most one WeCom list call (a group-details step makes one
``groupchat/get`` per group it names), so a crash repeats at most one call and the job can resume anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

USERS_PER_CALL = 100  # batch/get_by_user's userid_list and groupchat/list's owner_filter
RELATIONS_PER_PAGE = 100  # batch/get_by_user's largest limit
GROUPS_PER_LIST_PAGE = 1000  # groupchat/list's largest limit
GROUPS_PER_DETAIL_STEP = 25  # groupchat/get is one call per group; a step does a bounded batch


def chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


@dataclass(frozen=True)
class Step:
    """One unit of sync work. ``id`` is unique within the job and the same on every redelivery."""

    kind: str  # plan | customers | groups | group_details | drift
    id: str
    userids: tuple[str, ...] = ()
    cursor: str = ""
    page: int = 0
    chat_ids: tuple[str, ...] = ()

    def as_message(self, corp_id: str, job_id: str) -> dict[str, object]:
        return {
            "corp_id": corp_id,
            "job_id": job_id,
            "kind": self.kind,
            "id": self.id,
            "userids": list(self.userids),
            "cursor": self.cursor,
            "page": self.page,
            "chat_ids": list(self.chat_ids),
        }

    @classmethod
    def from_message(cls, m: dict[str, object]) -> Step:
        return cls(
            kind=str(m["kind"]),
            id=str(m["id"]),
            userids=tuple(str(u) for u in m.get("userids") or ()),  # type: ignore[union-attr]
            cursor=str(m.get("cursor") or ""),
            page=int(m.get("page") or 0),  # type: ignore[call-overload]
            chat_ids=tuple(str(c) for c in m.get("chat_ids") or ()),  # type: ignore[union-attr]
        )


def first_steps(userids: Sequence[str]) -> list[Step]:
    """After the plan step: a customers chain and a groups chain per chunk of 100 employees."""
    steps: list[Step] = []
    for n, chunk in enumerate(chunks(sorted(userids), USERS_PER_CALL)):
        steps.append(Step("customers", f"c{n}.0", userids=tuple(chunk), page=0))
        steps.append(Step("groups", f"g{n}.0", userids=tuple(chunk), page=0))
    return steps


def next_page(step: Step, cursor: str) -> Step | None:
    """The same chain's next page, or None at its end."""
    if not cursor:
        return None
    chain = step.id.rsplit(".", 1)[0]
    return Step(
        step.kind, f"{chain}.{step.page + 1}", userids=step.userids, cursor=cursor, page=step.page + 1
    )


def drift_step(chain_end: Step) -> Step:
    """After a chunk's last customer page: check that chunk's employees for relations WeCom did not return."""
    chunk = chain_end.id.split(".", 1)[0][1:]
    return Step("drift", f"d{chunk}.0", userids=chain_end.userids, page=0)


def detail_steps(step: Step, chat_ids: Sequence[str]) -> list[Step]:
    return [
        Step("group_details", f"{step.id}.d{i}", chat_ids=tuple(batch))
        for i, batch in enumerate(chunks(list(chat_ids), GROUPS_PER_DETAIL_STEP))
    ]


def minimum_calls(
    userids: Sequence[str], relations_per_employee: dict[str, int], groups_per_owner: dict[str, int]
) -> int:
    """The fewest calls the API shape allows for one full sync, the benchmark's yardstick: one token, one
    employee list, one tag list; per chunk of 100 employees, its relations in pages of 100 and its groups
    listed in pages of 1000 (each at least one call: WeCom cannot tell us a chunk is empty without one);
    one groupchat/get per group."""
    calls = 3
    for chunk in chunks(sorted(userids), USERS_PER_CALL):
        rel = sum(relations_per_employee.get(u, 0) for u in chunk)
        grp = sum(groups_per_owner.get(u, 0) for u in chunk)
        calls += max(1, math.ceil(rel / RELATIONS_PER_PAGE))
        calls += max(1, math.ceil(grp / GROUPS_PER_LIST_PAGE))
    return calls + sum(groups_per_owner.values())
