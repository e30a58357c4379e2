"""The steps on the mass-send queue (scrm-mass-sends), as commands.

Bodies are today's: ``{"corp_id", "send_id", "step": "plan" | "part" | "results" | "notify", …}``, with
``attempt`` only once a step has been tried again, and SOP enrolment pages (``"step": "sop_enrol"``, keyed
by ``sop_id``) sharing the queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Self

from scrm.kernel.bus import Command, need


def _attempt(message: Mapping[str, Any]) -> int:
    return int(message.get("attempt") or 0)


@dataclass(frozen=True)
class SendCommand(Command):
    """A step of one send; its body's ``step`` is its tag."""

    KEYS: ClassVar[tuple[str, ...]] = ("corp_id", "send_id")
    corp_id: str
    send_id: str

    def to_message(self) -> dict[str, Any]:
        return self._body(self.TAGS[0])

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Self:
        return cls(*cls._keys(message))


@dataclass(frozen=True)
class PlanSend(SendCommand):
    """Resolve the recipients and write the parts (a large filter: one page per step)."""

    TAGS: ClassVar[tuple[str, ...]] = ("plan",)


@dataclass(frozen=True)
class ReadResults(SendCommand):
    """Read WeCom's results of the send's created tasks."""

    TAGS: ClassVar[tuple[str, ...]] = ("results",)


@dataclass(frozen=True)
class MemberStep(SendCommand):
    """A step for one member (``sender``) of a send, counted by ``attempt`` once it has been tried again."""

    sender: str = ""
    attempt: int = field(default=0, kw_only=True)

    def _member_body(self, **extra: Any) -> dict[str, Any]:
        counted = {"attempt": self.attempt} if self.attempt else {}
        return self._body(self.TAGS[0], sender=self.sender, **extra, **counted)

    def to_message(self) -> dict[str, Any]:
        return self._member_body()

    @classmethod
    def _more(cls, message: Mapping[str, Any]) -> tuple[Any, ...]:
        """The subclass's own fields, after ``sender``."""
        return ()

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Self:
        return cls(
            *cls._keys(message), str(need(message, "sender")), *cls._more(message), attempt=_attempt(message)
        )

    def again(self) -> Self:
        return replace(self, attempt=self.attempt + 1)


@dataclass(frozen=True)
class CreatePart(MemberStep):
    """Create the WeCom task of one part (fenced by the part's mark)."""

    TAGS: ClassVar[tuple[str, ...]] = ("part",)
    number: int = 0

    def to_message(self) -> dict[str, Any]:
        return self._member_body(number=self.number)

    @classmethod
    def _more(cls, message: Mapping[str, Any]) -> tuple[Any, ...]:
        return (int(need(message, "number")),)


@dataclass(frozen=True)
class RemindMember(MemberStep):
    """Tell a member (by app message) about the tasks a planned send handed them."""

    TAGS: ClassVar[tuple[str, ...]] = ("notify",)


@dataclass(frozen=True)
class EnrolSop(Command):
    """One page of a SOP's existing customers into its due index (sops/enrolment.py)."""

    TAGS: ClassVar[tuple[str, ...]] = ("sop_enrol",)
    corp_id: str
    sop_id: str
    query: int = 0
    cursor: str = ""

    def to_message(self) -> dict[str, Any]:
        return {"corp_id": self.corp_id, "sop_id": self.sop_id, "step": "sop_enrol", "query": self.query,
                "cursor": self.cursor}  # fmt: skip

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Self:
        return cls(
            str(need(message, "corp_id")), str(need(message, "sop_id")), int(message.get("query") or 0),
            str(message.get("cursor") or ""),
        )  # fmt: skip
