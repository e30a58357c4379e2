"""The corp tag library: groups of tags, each with an order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tag:
    tag_id: str
    name: str
    order: int = 0
    create_time: int = 0


@dataclass(frozen=True)
class TagGroup:
    group_id: str
    name: str
    order: int = 0
    create_time: int = 0
    tags: tuple[Tag, ...] = ()
    strategy_id: str = ""
