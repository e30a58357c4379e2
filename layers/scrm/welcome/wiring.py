"""How the composition root builds the welcome sender. ``scrm.bootstrap`` hands in the live codes'
repository, the acquisition statistics and the corp registry."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.acquisition.ports import ChannelStatsRepo
    from scrm.adapters.corp_registry import CorpRegistry
    from scrm.live_codes.ports import LiveCodeRepo
    from scrm.settings import Settings
    from scrm.welcome.sender import WelcomeSender


def sender(codes: LiveCodeRepo, stats: ChannelStatsRepo, registry: CorpRegistry, settings: Settings) -> WelcomeSender:
    """One try per WeCom call (the sender retries itself, against the 20 s deadline, not the client's
    back-off schedule) and a short timeout: a slow answer must leave time for another try."""
    from scrm.adapters.metrics import count_missed_welcome
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.welcome.sender import WelcomeSender

    s = dataclasses.replace(settings, wecom_max_tries=1, wecom_timeout_s=3.0)
    return WelcomeSender(codes, stats, WeComGateways(registry, s).for_corp, count_missed_welcome)
