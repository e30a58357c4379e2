"""How the composition root builds the full sync: WeCom read into the customers' store, step by step on the
sync queue, its jobs in their own table. ``scrm.bootstrap`` hands in the store and the WeCom clients (the
sync's spend the shared bulk call budget; the event consumer's do not)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scrm import resources

if TYPE_CHECKING:
    from scrm.sync.full_sync import BulkWeCom, FullSync, SyncStore


def full_sync(store: SyncStore, for_corp: Callable[[str], BulkWeCom]) -> FullSync:
    from scrm.adapters.queue import QueuePublisher
    from scrm.sync.full_sync import FullSync
    from scrm.sync.repository import DynamoSyncJobs

    return FullSync(store, for_corp, DynamoSyncJobs(), QueuePublisher(resources.queue("sync")))
