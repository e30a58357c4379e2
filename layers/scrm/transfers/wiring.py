"""How the composition root builds the transfers feature: the repository, the runner (with its store
writer), the admin service and the transfer_fail observer.

``scrm.bootstrap`` keeps one cached getter per part (so a function builds only what it uses and ``reset``
drops it) and hands in what it shares with other features: the corp registry, the settings and the admin
API's gateways. Imports stay inside the functions: the callback function imports this module's parts
only when an event needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scrm import resources

if TYPE_CHECKING:
    from scrm.adapters.corp_registry import CorpRegistry
    from scrm.settings import Settings
    from scrm.transfers.events import TransferEvents
    from scrm.transfers.ports import TransferRepo, TransferWeCom
    from scrm.transfers.repository import DynamoTransfers
    from scrm.transfers.runner import TransferRunner
    from scrm.transfers.service import TransferJobs


def repository() -> DynamoTransfers:
    from scrm.transfers.repository import DynamoTransfers

    return DynamoTransfers()


def runner(repo: TransferRepo, registry: CorpRegistry, settings: Settings) -> TransferRunner:
    """Transfers spend the shared bulk call budget, like a sync: an offboarding of thousands must not
    starve the event consumer's reads."""
    from scrm.adapters.dynamo.rate_limiter import SharedRateLimiter
    from scrm.adapters.dynamo.store import DynamoStore
    from scrm.adapters.queue import QueuePublisher
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.domain.throttle import Windows
    from scrm.transfers.record import TransferRecord
    from scrm.transfers.runner import TransferRunner

    limiter = SharedRateLimiter(Windows(settings.bulk_calls_per_min, settings.bulk_calls_per_hour))
    gateways = WeComGateways(registry, settings, limiter)
    record = TransferRecord(DynamoStore(), gateways.for_corp)
    return TransferRunner(repo, gateways.for_corp, QueuePublisher(resources.queue("transfers")), record=record)


def jobs(
    repo: TransferRepo, transfer_runner: TransferRunner, gateways: Callable[[str], TransferWeCom]
) -> TransferJobs:
    """The admin side calls WeCom through the admin API's gateways (its own budget, its egress IP)."""
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.adapters.queue import QueuePublisher
    from scrm.transfers.service import TransferJobs

    return TransferJobs(
        repo, transfer_runner, DynamoDirectory(), gateways, QueuePublisher(resources.queue("transfers"))
    )


def events(repo: TransferRepo) -> TransferEvents:
    from scrm.transfers.events import TransferEvents

    return TransferEvents(repo)
