"""How the composition root builds the transfers feature: the repository, the runner (with its store
writer), the admin service and the transfer_fail observer.

``scrm.bootstrap`` keeps one cached getter per part (so a function builds only what it uses and ``reset``
drops it) and hands in what it shares with other features: the customers' store and the WeCom clients
(the runner's and the admin API's). Imports stay inside the functions: the callback function imports this
module's parts only when an event needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scrm import resources

if TYPE_CHECKING:
    from scrm.customers.ports import Store
    from scrm.transfers.events import TransferEvents
    from scrm.transfers.ports import TransferRepo, TransferWeCom
    from scrm.transfers.repository import DynamoTransfers
    from scrm.transfers.runner import TransferRunner
    from scrm.transfers.service import TransferJobs


def repository() -> DynamoTransfers:
    from scrm.transfers.repository import DynamoTransfers

    return DynamoTransfers()


def runner(repo: TransferRepo, for_corp: Callable[[str], TransferWeCom], store: Store) -> TransferRunner:
    """``for_corp`` gives WeCom clients that spend the shared bulk call budget, like a sync's: an
    offboarding of thousands must not starve the event consumer's reads. ``store`` is the customers' store
    (the record step writes the handover into relations and timelines)."""
    from scrm.adapters.queue import QueuePublisher
    from scrm.transfers.record import TransferRecord
    from scrm.transfers.runner import TransferRunner

    record = TransferRecord(store, for_corp)
    return TransferRunner(repo, for_corp, QueuePublisher(resources.queue("transfers")), record=record)


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
