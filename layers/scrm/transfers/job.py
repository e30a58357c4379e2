"""The transfer job aggregate: what an admin asked for and where the job stands.

A job's item holds a JSON map; ``TransferJob`` reads it and writes back exactly the keys it read (optional
ones — planned_at, updated_at, finished_at, cancelled, error … — only once set, keys it does not know
kept as they were), so items stored before this class existed load and save unchanged. ``version`` is the
item's version: ``TransferRepo.replace_job`` writes only at that version and moves it on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrm.transfers.model import Chunk

PLANNING, RUNNING, CANCELLING, FINISHED, CANCELLED = "planning", "running", "cancelling", "finished", "cancelled"
ENDED = (FINISHED, CANCELLED)
_REQUIRED = ("job_id", "kind", "handover_userid", "takers")
_OPTIONAL = ("customers", "groups", "transfer_success_msg", "on_refused", "state", "created_at", "request_key",
             "planned_at", "customers_planned", "groups_planned", "updated_at", "finished_at", "error")  # fmt: skip


@dataclass
class TransferJob:
    job_id: str
    kind: str
    handover_userid: str
    takers: tuple[str, ...]
    customers: str | None = None  # "all" | "listed" (an explicit selection) | "none"
    groups: str | None = None
    transfer_success_msg: str | None = None
    on_refused: str | None = None  # "leave" | "reassign"; absent: leave
    state: str = PLANNING
    created_at: int | None = None
    request_key: str | None = None
    planned_at: int | None = None
    customers_planned: int | None = None
    groups_planned: int | None = None
    updated_at: int | None = None
    finished_at: int | None = None
    error: str | None = None
    cancelled: bool = False
    version: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # keys this class does not know, kept

    @property
    def policy(self) -> str:
        return self.on_refused or "leave"

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    # transitions ---------------------------------------------------------------------------------
    def planned(self, customers: int, groups: int, now: int) -> None:
        self.state, self.planned_at = RUNNING, now
        self.customers_planned, self.groups_planned = customers, groups

    def settle(self, chunks: Sequence[Chunk], now: int, reassigning: bool = False) -> str:
        """The state its chunks give it (running while refusals wait to move to another taker); ended:
        stamped once."""
        self.state = RUNNING if reassigning else job_state(chunks, self.cancelled)
        self.updated_at = now
        if self.ended and not self.finished_at:
            self.finished_at = now
        return self.state

    def cancel(self) -> None:
        self.cancelled = True

    # storage ---------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.extra, "job_id": self.job_id, "kind": self.kind,
                               "handover_userid": self.handover_userid, "takers": list(self.takers)}  # fmt: skip
        for key in _OPTIONAL:
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.cancelled:
            out["cancelled"] = True
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], version: int = 0) -> TransferJob:
        known = {*_REQUIRED, *_OPTIONAL, "cancelled"}
        return cls(
            str(d["job_id"]), str(d["kind"]), str(d["handover_userid"]), tuple(d.get("takers") or ()),
            **{k: d[k] for k in _OPTIONAL if d.get(k) is not None},
            cancelled=bool(d.get("cancelled")), version=version,
            extra={k: v for k, v in d.items() if k not in known},
        )  # fmt: skip


def job_state(chunks: Sequence[Chunk], cancelled: bool) -> str:
    if any(c.is_open() for c in chunks):
        return CANCELLING if cancelled else RUNNING
    return CANCELLED if cancelled else FINISHED
