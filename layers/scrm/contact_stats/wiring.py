"""How the composition root builds the contact statistics: the event observer that counts customers and
group members (and serves the reports), the sealed months, and the nightly reconcile against WeCom's own
figures.

``scrm.bootstrap`` hands in the WeCom clients (the reconcile's spend the shared bulk call budget)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.contact_stats.reconcile import StatsReconcile, StatsWeCom
    from scrm.contact_stats.rollup_repository import DynamoStatsRollups
    from scrm.contact_stats.seal_repository import DynamoMonthSeals
    from scrm.contact_stats.service import ContactStats


def contact_stats() -> ContactStats:
    from scrm.contact_stats.repository import DynamoContactStats, group_owner
    from scrm.contact_stats.rollup_repository import DynamoStatsRollups
    from scrm.contact_stats.service import ContactStats

    return ContactStats(DynamoContactStats(), group_owner, rollups=DynamoStatsRollups())


def rollups() -> DynamoStatsRollups:
    """The roll-ups' reads and their backfill (``scrm-admin stats-rollups``; the dashboard)."""
    from scrm.contact_stats.rollup_repository import DynamoStatsRollups

    return DynamoStatsRollups()


def seals() -> DynamoMonthSeals:
    """The sealed months (seal.py): refreshed by the seal_stats job and after a backfill."""
    from scrm.contact_stats.seal_repository import DynamoMonthSeals

    return DynamoMonthSeals()


def reconcile(for_corp: Callable[[str], StatsWeCom]) -> StatsReconcile:
    from scrm.contact_stats.reconcile import StatsReconcile
    from scrm.contact_stats.repository import DynamoContactStats

    return StatsReconcile(DynamoContactStats(), for_corp)
