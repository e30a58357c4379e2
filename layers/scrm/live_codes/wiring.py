"""How the application builds live codes over DynamoDB and WeCom (bootstrap.py delegates here).

``scrm.bootstrap`` keeps one cached getter per part (so a function builds only what it uses and ``reset``
drops it) and hands in what other features share: the acquisition statistics, the directory's checks and
the WeCom clients (the caller picks their call budget: the per-minute job's, or the admin API's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.acquisition.ports import ChannelStatsRepo
    from scrm.live_codes.ports import LiveCodeRepo, LiveCodeWeCom
    from scrm.live_codes.repository import DynamoLiveCodes
    from scrm.live_codes.service import LiveCodes
    from scrm.live_codes.staffing import CodeStaffing


def repository(cache_ttl_s: float) -> DynamoLiveCodes:
    """The welcome path reads through the repository's in-process cache (an edit shows within the TTL)."""
    from scrm.live_codes.repository import DynamoLiveCodes

    return DynamoLiveCodes(cache_ttl_s)


def staffing(
    repo: LiveCodeRepo, stats: ChannelStatsRepo, for_corp: Callable[[str], LiveCodeWeCom]
) -> CodeStaffing:
    from scrm.live_codes.staffing import CodeStaffing

    return CodeStaffing(repo, stats, for_corp)


def live_codes(
    repo: LiveCodeRepo, stats: ChannelStatsRepo, for_corp: Callable[[str], LiveCodeWeCom]
) -> LiveCodes:
    """The admin API's and the CLI's codes; staff, tags and groups are checked against the synced directory."""
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.live_codes.service import LiveCodes

    return LiveCodes(repo, stats, DynamoDirectory(), for_corp)
