"""Wires settings, adapters and services, once per container and only the parts a function uses.

The callback function needs the corp registry, the de-dup table and the events queue; the consumer needs
the store and the WeCom client. Each getter builds its part on first use, so a cold start imports and
connects to nothing it does not need (the callback function never imports pynamodb).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrm import resources
from scrm.adapters.lazy import lazy
from scrm.settings import Settings

if TYPE_CHECKING:
    from scrm.adapters.corp_registry import CorpRegistry
    from scrm.adapters.dynamo.api_keys import DynamoApiKeys
    from scrm.adapters.once import Once
    from scrm.services.customer_admin import CustomerAdmin
    from scrm.services.event_handlers import Handlers
    from scrm.services.full_sync import FullSync


@lazy
def settings() -> Settings:
    return Settings.from_env()


@lazy
def corp_registry() -> CorpRegistry:
    from scrm.adapters.corp_registry import CorpRegistry

    s = settings()
    return CorpRegistry(s.secret_prefix, s.corp_cache_ttl_s)


@lazy
def enqueue_once() -> Once:
    """De-dup + enqueue of callback events: the queue send runs once per event key."""
    from scrm.adapters.once import Once, idempotency_client
    from scrm.adapters.queue import QueuePublisher

    publisher = QueuePublisher(resources.queue("events"))

    def enqueue(message: dict[str, Any]) -> dict[str, Any]:
        publisher.send(message, {"corp_id": message["corp_id"], "event_id": message["event_id"]})
        return {"enqueued": True}

    return Once(
        resources.table("idempotency").name, "callback", settings().dedup_ttl_s, enqueue, idempotency_client()
    )


@lazy
def apply_once() -> Once:
    """The consumer's guard: SQS is at-least-once (a client retry after a timeout stores a message twice),
    and later effects (welcome messages, alerts) must not run twice; the store's writes are idempotent
    on their own, this makes the WeCom reads and any side effect happen once per event key too."""
    from scrm.adapters.once import Once

    def apply(message: dict[str, Any]) -> dict[str, Any]:
        return handlers().apply_message(message)

    return Once(resources.table("idempotency").name, "apply", settings().dedup_ttl_s, apply)


@lazy
def handlers() -> Handlers:
    from scrm.adapters.dynamo.store import DynamoStore
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.services.event_handlers import Handlers

    return Handlers(store=DynamoStore(), wecom=WeComGateways(corp_registry(), settings()))


@lazy
def full_sync() -> FullSync:
    """The sync's WeCom clients spend the shared call budget; the event consumer's do not (its reads are
    one per event and must not wait behind a bulk job)."""
    from scrm.adapters.dynamo.rate_limiter import SharedRateLimiter
    from scrm.adapters.dynamo.store import DynamoStore
    from scrm.adapters.dynamo.sync_jobs import DynamoSyncJobs
    from scrm.adapters.queue import QueuePublisher
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.domain.throttle import Windows
    from scrm.services.full_sync import FullSync

    s = settings()
    gateways = WeComGateways(
        corp_registry(), s, SharedRateLimiter(Windows(s.bulk_calls_per_min, s.bulk_calls_per_hour))
    )
    return FullSync(
        DynamoStore(), gateways.for_corp, DynamoSyncJobs(), QueuePublisher(resources.queue("sync"))
    )


@lazy
def api_keys() -> DynamoApiKeys:
    from scrm.adapters.dynamo.api_keys import DynamoApiKeys

    return DynamoApiKeys(settings().api_key_cache_ttl_s)


@lazy
def customer_admin() -> CustomerAdmin:
    """The admin API's WeCom clients share the event consumer's token store but not its instances."""
    from scrm.adapters.dynamo import reads
    from scrm.adapters.dynamo.customer_search import DynamoCustomerSearch
    from scrm.adapters.dynamo.store import DynamoStore
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.services.customer_admin import CustomerAdmin

    gateways = WeComGateways(corp_registry(), settings())
    return CustomerAdmin(DynamoStore(), DynamoCustomerSearch(), reads, gateways.for_corp)


def reset() -> None:
    """Drop every cached part (tests that re-point the environment)."""
    for fn in (settings, corp_registry, enqueue_once, apply_once, handlers, full_sync, api_keys, customer_admin):
        fn.cache_clear()
    from scrm.adapters import aws, queue

    aws.reset()
    queue.reset()
