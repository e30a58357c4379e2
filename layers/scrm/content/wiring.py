"""How the composition root builds scripts and materials: the DynamoDB repository and the corp's WeCom
gateway (media/upload within the admin API's shared call budget), handed in by ``scrm.bootstrap``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.content.ports import MediaWeCom
    from scrm.content.service import ContentService


def content(for_corp: Callable[[str], MediaWeCom]) -> ContentService:
    from scrm.content.repository import DynamoContent
    from scrm.content.service import ContentService

    return ContentService(DynamoContent(), for_corp)
