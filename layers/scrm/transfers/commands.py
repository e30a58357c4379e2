"""The steps on the transfers queue (scrm-transfers), as commands.

Bodies are today's: ``{"corp_id", "job_id", "step": "plan" | "advance" | "record", …}``; ``chunks`` is a
list of ``[kind, number]`` pairs, ``force`` appears only when true (an admin's refresh), ``only`` and
``attempt`` only on a record step tried again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from scrm.kernel.bus import Command, chunk_keys

ChunkKey = tuple[str, int]


@dataclass(frozen=True)
class JobCommand(Command):
    KEYS: ClassVar[tuple[str, ...]] = ("corp_id", "job_id")
    corp_id: str
    job_id: str


@dataclass(frozen=True)
class PlanTransfer(JobCommand):
    """List what the job hands over and write its chunks (a planned job: advance it instead)."""

    TAGS: ClassVar[tuple[str, ...]] = ("plan",)
    force: bool = False

    def to_message(self) -> dict[str, Any]:
        return self._body("plan", **({"force": True} if self.force else {}))

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Self:
        return cls(*cls._keys(message), bool(message.get("force")))


@dataclass(frozen=True)
class AdvanceTransfer(JobCommand):
    """Call WeCom for the named chunks, or poll and call for every due chunk of the job."""

    TAGS: ClassVar[tuple[str, ...]] = ("advance",)
    chunks: tuple[ChunkKey, ...] = ()
    force: bool = False

    def to_message(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"chunks": [list(k) for k in self.chunks]} if self.chunks else {}
        if self.force:
            extra["force"] = True
        return self._body("advance", **extra)

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Self:
        return cls(
            *cls._keys(message), chunk_keys(message.get("chunks")),
            bool(message.get("force")),
        )  # fmt: skip


@dataclass(frozen=True)
class RecordTransfer(JobCommand):
    """Write our store's side of what WeCom confirmed for the chunks (``only``: these ids of them)."""

    TAGS: ClassVar[tuple[str, ...]] = ("record",)
    chunks: tuple[ChunkKey, ...] = ()
    only: tuple[str, ...] | None = None
    attempt: int = 0

    def to_message(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"chunks": [list(k) for k in self.chunks]}
        if self.only is not None:
            extra["only"] = list(self.only)
        if self.attempt:
            extra["attempt"] = self.attempt
        return self._body("record", **extra)

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Self:
        only = message.get("only")
        return cls(
            *cls._keys(message), chunk_keys(message.get("chunks")),
            None if only is None else tuple(str(i) for i in only), int(message.get("attempt") or 0),
        )  # fmt: skip
