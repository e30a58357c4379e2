"""How the composition root builds churn alerts: the repository, the delivery (app messages as the corp's
app), the pacing caps, the event observer, the daily digest and the admin settings.

``scrm.bootstrap`` keeps one cached getter per part and hands in what other features give: the WeCom
clients, the corp's agent id, the live codes' names and the corp list. Imports stay inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.alerts.admin import AlertAdmin
    from scrm.alerts.churn import ChurnAlerts
    from scrm.alerts.delivery import Delivery
    from scrm.alerts.digest import AlertDigest
    from scrm.alerts.notices import AdminNotices
    from scrm.alerts.pacing import Caps
    from scrm.alerts.ports import AlertRepo, CodeNames, MessageWeCom
    from scrm.alerts.repository import DynamoAlerts
    from scrm.settings import Settings


def repository() -> DynamoAlerts:
    from scrm.alerts.repository import DynamoAlerts

    return DynamoAlerts()


def delivery(for_corp: Callable[[str], MessageWeCom], agent_id: Callable[[str], str]) -> Delivery:
    """Churn alerts, digests and SOP reminders send as the corp's app (its agent id)."""
    from scrm.alerts.delivery import Delivery

    return Delivery(for_corp, agent_id)


def caps(settings: Settings) -> Caps:
    from scrm.alerts.pacing import Caps

    return Caps(settings.alert_per_minute, settings.alert_per_hour)


def churn(repo: AlertRepo, codes: CodeNames, send: Delivery, pace: Caps) -> ChurnAlerts:
    """The event observer: del_follow_user / del_external_contact → a paced textcard (or the digest)."""
    from scrm.adapters.dynamo import reads
    from scrm.alerts.churn import ChurnAlerts

    return ChurnAlerts(repo, reads, codes, send, pace)


def digest(repo: AlertRepo, corp_ids: Callable[[], Iterable[str]], send: Delivery, pace: Caps) -> AlertDigest:
    from scrm.alerts.digest import AlertDigest

    return AlertDigest(repo, corp_ids, send, pace)


def admin(repo: AlertRepo) -> AlertAdmin:
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.alerts.admin import AlertAdmin

    return AlertAdmin(repo, DynamoDirectory())


def notices(repo: AlertRepo, send: Delivery, pace: Caps) -> AdminNotices:
    """Notices to the corp's alert admins that other features raise (fission: a coupon pool ran out)."""
    from scrm.alerts.notices import AdminNotices

    return AdminNotices(repo, send, pace)
