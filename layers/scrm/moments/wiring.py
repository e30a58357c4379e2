"""How the composition root builds moment tasks (bootstrap.py delegates here): the DynamoDB repository, the
corp's WeCom gateway (its call budget is the caller's choice), the store's directory, the material library's
bytes (the content feature's service) and the customers' timeline (the customers' store), handed in."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrm.moments.ports import Materials
    from scrm.moments.results import Timeline
    from scrm.moments.service import Moments


def moments(for_corp: Callable[[str], Any], materials: Materials, timeline: Timeline,
            remind: Callable[[str, Any, str], str] | None = None) -> Moments:  # fmt: skip
    """``for_corp`` gives the corp's gateway, which makes both the task's calls and the results' reads;
    ``remind`` tells a member who has not posted (the scheduled job's; the admin API reminds nobody)."""
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.moments.repository import DynamoMoments
    from scrm.moments.results import MomentResults
    from scrm.moments.service import Moments

    repo, directory = DynamoMoments(), DynamoDirectory()
    results = MomentResults(repo, for_corp, timeline, remind=remind, departments=directory.departments)
    return Moments(repo, for_corp, materials, directory, results=results)


def reminders(alerts: Any, delivery: Any, caps: Any) -> Callable[[str, Any, str], str]:
    from scrm.moments.reminders import MomentReminders

    return MomentReminders(alerts, delivery, caps).notify
