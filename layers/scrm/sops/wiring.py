"""How the composition root builds the SOP feature: the repository, enrolment (an event observer and a
queue step), the admin service, the every-minute planner and the member reminders.

``scrm.bootstrap`` keeps one cached getter per part and hands in what it shares with other features: the mass
sends (progress, planned sends, the queue step's runner), the store's relations and groups as mass sends read
them (their recipient_repository), the corp registry and the churn alerts' store, delivery and pacing caps
(one sender of app messages per member). Imports stay inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from scrm import resources

if TYPE_CHECKING:
    from scrm.alerts.delivery import Delivery
    from scrm.alerts.pacing import Caps
    from scrm.alerts.ports import AlertRepo
    from scrm.mass_sends.runner import MassSendRunner
    from scrm.sops.enrolment import SopEnrolment
    from scrm.sops.planner import SopPlanner
    from scrm.sops.ports import Groups, OwnedGroups, Pages, Progress, Relations
    from scrm.sops.reminders import SopReminders
    from scrm.sops.repository import DynamoSops
    from scrm.sops.service import SopAdmin


def repository() -> DynamoSops:
    from scrm.sops.repository import DynamoSops

    return DynamoSops()


def enrolment(repo: DynamoSops, recipients: Pages, groups: OwnedGroups) -> SopEnrolment:
    """Writes the due index: an event observer (new customers and groups) and a queue step (a SOP's
    existing customers, page by page on the mass-send queue)."""
    from scrm.adapters.dynamo import reads
    from scrm.adapters.queue import QueuePublisher
    from scrm.sops.enrolment import SopEnrolment

    def owner(corp_id: str, chat_id: str) -> str:
        return str((reads.group(corp_id, chat_id) or {}).get("owner") or "")

    return SopEnrolment(repo, recipients, groups, owner,
                        QueuePublisher(resources.queue("mass_sends")))  # fmt: skip


def admin(repo: DynamoSops, enrol: Callable[[str, str], None], sends: Progress) -> SopAdmin:
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.sops.service import SopAdmin

    return SopAdmin(repo, enrol, DynamoDirectory(), sends)


def planner(
    repo: DynamoSops, runner: MassSendRunner, corp_ids: Callable[[], Iterable[str]],
    recipients: Relations, groups: Groups,
) -> SopPlanner:
    """The every-minute tick; its sends' plans run on the mass-send queue."""
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.sops.planner import SopPlanner

    return SopPlanner(repo, runner.sends, runner.queue_plan, corp_ids, recipients, groups,
                      DynamoDirectory().departments)  # fmt: skip


def reminders(alerts: AlertRepo, delivery: Delivery, caps: Caps) -> SopReminders:
    from scrm.sops.reminders import SopReminders

    return SopReminders(alerts, delivery, caps)
