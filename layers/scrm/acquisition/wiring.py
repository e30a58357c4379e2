"""How the composition root builds the acquisition statistics (adds, losses and welcomes per live code)
and the service that handles an arrival through a code (tags, remark, group invitation, counting).

``scrm.bootstrap`` hands in what the live codes give: their repository and staffing, and the WeCom clients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.acquisition.ports import ChannelStatsRepo
    from scrm.acquisition.repository import DynamoChannelStats
    from scrm.acquisition.service import Acquisition
    from scrm.live_codes.ports import LiveCodeRepo, LiveCodeWeCom
    from scrm.live_codes.staffing import CodeStaffing


def repository() -> DynamoChannelStats:
    from scrm.acquisition.repository import DynamoChannelStats

    return DynamoChannelStats()


def acquisition(
    codes: LiveCodeRepo, stats: ChannelStatsRepo, staffing: CodeStaffing, for_corp: Callable[[str], LiveCodeWeCom]
) -> Acquisition:
    from scrm.acquisition.service import Acquisition

    return Acquisition(codes, stats, staffing, for_corp)
