"""The steps on the sync queue (scrm-sync), as one command over the plan's ``Step`` (sync/plan.py).

Every sync step shares its bookkeeping (done-marker, counters, children in one transaction), so the bus
has one handler for all of them and the full sync picks the work by the step's kind. The body is today's
``Step.as_message``: ``{"corp_id", "job_id", "kind", "id", "userids", "cursor", "page", "chat_ids"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from scrm.kernel.bus import Command, need
from scrm.sync.plan import Step

KINDS = ("plan", "customers", "groups", "group_details", "drift")


@dataclass(frozen=True)
class SyncStep(Command):
    TAG_FIELD: ClassVar[str] = "kind"
    TAGS: ClassVar[tuple[str, ...]] = KINDS
    corp_id: str
    job_id: str
    step: Step

    def to_message(self) -> dict[str, Any]:
        return dict(self.step.as_message(self.corp_id, self.job_id))

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Self:
        need(message, "id")
        return cls(
            str(need(message, "corp_id")), str(need(message, "job_id")), Step.from_message(dict(message))
        )
