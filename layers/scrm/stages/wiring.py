"""How the composition root builds stages and notes: the two DynamoDB repositories, the store's read
views of customers, the customers' store (its timeline) and the customers' tag service (WeCom first).

``scrm.bootstrap`` keeps one cached getter and hands in what the customers feature gives. Imports stay
inside the functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.stages.ports import Tagging, Timeline
    from scrm.stages.service import StageService


def service(timeline: Timeline, tagging: Tagging) -> StageService:
    from scrm.adapters.dynamo import reads
    from scrm.stages.repository import DynamoNotes, DynamoStages
    from scrm.stages.service import StageService

    return StageService(DynamoStages(), DynamoNotes(), reads, timeline, tagging)
