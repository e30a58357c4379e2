"""Wires settings, adapters and services, once per container and only the parts a function uses.

The callback function needs the corp registry and its outbox (the queues, else the parking table); the consumer needs
the store and the WeCom client. Each getter builds its part on first use, so a cold start imports and
connects to nothing it does not need (the callback function never imports pynamodb).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrm import resources
from scrm.adapters.lazy import lazy
from scrm.settings import Settings

if TYPE_CHECKING:
    from scrm.adapters.callback_outbox import CallbackOutbox
    from scrm.adapters.corp_registry import CorpRegistry
    from scrm.adapters.dynamo.alerts import DynamoAlerts
    from scrm.adapters.dynamo.api_keys import DynamoApiKeys
    from scrm.adapters.dynamo.channel_stats import DynamoChannelStats
    from scrm.adapters.dynamo.key_limiter import KeyRequestLimiter
    from scrm.adapters.once import Once
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.domain.alert_pacing import Caps
    from scrm.kernel.bus import MessageBus
    from scrm.live_codes.repository import DynamoLiveCodes
    from scrm.live_codes.service import LiveCodes
    from scrm.live_codes.staffing import CodeStaffing
    from scrm.mass_sends.runner import MassSendRunner
    from scrm.mass_sends.service import MassSends
    from scrm.services.acquisition import Acquisition
    from scrm.services.alert_admin import AlertAdmin
    from scrm.services.alert_delivery import Delivery
    from scrm.services.alert_digest import AlertDigest
    from scrm.services.churn_alerts import ChurnAlerts
    from scrm.services.contact_stats import ContactStats
    from scrm.services.customer_admin import CustomerAdmin
    from scrm.services.event_handlers import Handlers
    from scrm.services.full_sync import FullSync
    from scrm.services.group_admin import GroupAdmin
    from scrm.services.stats_reconcile import StatsReconcile
    from scrm.services.welcome_sender import WelcomeSender
    from scrm.sops.enrolment import SopEnrolment
    from scrm.sops.planner import SopPlanner
    from scrm.sops.reminders import SopReminders
    from scrm.sops.repository import DynamoSops
    from scrm.sops.service import SopAdmin
    from scrm.transfers.events import TransferEvents
    from scrm.transfers.repository import DynamoTransfers
    from scrm.transfers.runner import TransferRunner
    from scrm.transfers.service import TransferJobs


@lazy
def settings() -> Settings:
    return Settings.from_env()


@lazy
def corp_registry() -> CorpRegistry:
    from scrm.adapters.corp_registry import CorpRegistry

    s = settings()
    return CorpRegistry(s.secret_prefix, s.corp_cache_ttl_s)


@lazy
def callback_outbox() -> CallbackOutbox:
    """The callback route's queues and parking table, on single-try clients (the route's own retry loop
    keeps WeCom's deadline). No de-dup record: the consumers de-duplicate every event by its key."""
    from scrm.adapters import aws
    from scrm.adapters.callback_outbox import CallbackOutbox

    return CallbackOutbox(aws.ack_client)


@lazy
def redrive_outbox() -> CallbackOutbox:
    """The same queues and table for the redrive job, with botocore's retries."""
    from scrm.adapters.callback_outbox import CallbackOutbox

    return CallbackOutbox()


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

    return Handlers(
        store=DynamoStore(),
        wecom=WeComGateways(corp_registry(), settings()),
        channels=acquisition(),
        observers=event_observers(),
    )


def event_observers() -> list[Any]:
    """What acts on an event after the store applied it, in this order: statistics count it, churn
    alerts read the relation it left, transfers advance the customer's handover, SOPs index the steps
    a new customer or group will fall due for."""
    return [contact_stats(), churn_alerts(), transfers(), sop_enrolment()]


# STATS-GETTERS
@lazy
def contact_stats() -> ContactStats:
    """The event observer that counts customers and group members, and the reports the API and CLI serve."""
    from scrm.adapters.dynamo.contact_stats import DynamoContactStats, group_owner
    from scrm.services.contact_stats import ContactStats

    return ContactStats(DynamoContactStats(), group_owner)


@lazy
def stats_reconcile() -> StatsReconcile:
    """WeCom's statistics for the nightly reconcile: bulk calls, within the shared budget (as full_sync)."""
    from scrm.adapters.dynamo.contact_stats import DynamoContactStats
    from scrm.adapters.dynamo.rate_limiter import SharedRateLimiter
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.domain.throttle import Windows
    from scrm.services.stats_reconcile import StatsReconcile

    s = settings()
    gateways = WeComGateways(
        corp_registry(), s, SharedRateLimiter(Windows(s.bulk_calls_per_min, s.bulk_calls_per_hour))
    )
    return StatsReconcile(DynamoContactStats(), gateways.for_corp)


# ALERTS-GETTERS
@lazy
def alert_repo() -> DynamoAlerts:
    from scrm.adapters.dynamo.alerts import DynamoAlerts

    return DynamoAlerts()


def _alert_delivery() -> Delivery:
    """Churn alerts and digests send as the corp's app (its agent id), through the admin's WeCom clients."""
    from scrm.services.alert_delivery import Delivery

    return Delivery(admin_gateways().for_corp, lambda corp_id: corp_registry().get(corp_id).agent_id)


def _alert_caps() -> Caps:
    from scrm.domain.alert_pacing import Caps

    return Caps(settings().alert_per_minute, settings().alert_per_hour)


@lazy
def churn_alerts() -> ChurnAlerts:
    """The event observer: del_follow_user / del_external_contact → a paced textcard (or the digest)."""
    from scrm.adapters.dynamo import reads
    from scrm.services.churn_alerts import ChurnAlerts

    return ChurnAlerts(alert_repo(), reads, live_code_repo(), _alert_delivery(), _alert_caps())


@lazy
def alert_digest() -> AlertDigest:
    from scrm.services.alert_digest import AlertDigest

    return AlertDigest(alert_repo(), corp_registry().list_ids, _alert_delivery(), _alert_caps())


@lazy
def alert_admin() -> AlertAdmin:
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.services.alert_admin import AlertAdmin

    return AlertAdmin(alert_repo(), DynamoDirectory())


# TRANSFERS-GETTERS (built by scrm.transfers.wiring)
@lazy
def transfer_repo() -> DynamoTransfers:
    from scrm.transfers import wiring

    return wiring.repository()


@lazy
def transfer_runner() -> TransferRunner:
    from scrm.transfers import wiring

    return wiring.runner(transfer_repo(), corp_registry(), settings())


@lazy
def transfer_jobs() -> TransferJobs:
    from scrm.transfers import wiring

    return wiring.jobs(transfer_repo(), transfer_runner(), admin_api_gateways().for_corp)


@lazy
def transfers() -> TransferEvents:
    from scrm.transfers import wiring

    return wiring.events(transfer_repo())


# LIVE-CODES-GETTERS (built by scrm.live_codes.wiring)
@lazy
def live_code_repo() -> DynamoLiveCodes:
    from scrm.live_codes import wiring

    return wiring.repository(settings().live_code_cache_ttl_s)


@lazy
def channel_stats() -> DynamoChannelStats:
    from scrm.adapters.dynamo.channel_stats import DynamoChannelStats

    return DynamoChannelStats()


@lazy
def admin_gateways() -> WeComGateways:
    """WeCom clients of event-driven work: the per-minute staff job, arrivals through a code, alert cards
    (not rate-limited, not the welcome's). The admin API's services use admin_api_gateways."""
    from scrm.adapters.wecom.gateway import WeComGateways

    return WeComGateways(corp_registry(), settings())


@lazy
def admin_api_gateways() -> WeComGateways:
    """WeCom clients of the admin API's services: every call spends the corp's shared bulk budget, as the
    sync, transfer and mass-send workers do, so that requests (a viewer's included) cannot push a corp
    past WeCom's limits and block its event-driven reads. A spent budget raises Throttled (503)."""
    from scrm.adapters.dynamo.rate_limiter import SharedRateLimiter
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.domain.throttle import Windows

    s = settings()
    return WeComGateways(corp_registry(), s, SharedRateLimiter(Windows(s.bulk_calls_per_min, s.bulk_calls_per_hour)))


@lazy
def key_limiter() -> KeyRequestLimiter:
    from scrm.adapters.dynamo.key_limiter import KeyRequestLimiter

    return KeyRequestLimiter(settings().admin_key_requests_per_min)


@lazy
def code_staffing() -> CodeStaffing:
    from scrm.live_codes import wiring

    return wiring.staffing(live_code_repo(), channel_stats(), admin_gateways().for_corp)


@lazy
def acquisition() -> Acquisition:
    from scrm.services.acquisition import Acquisition

    return Acquisition(live_code_repo(), channel_stats(), code_staffing(), admin_gateways().for_corp)


@lazy
def live_codes() -> LiveCodes:
    from scrm.live_codes import wiring

    return wiring.live_codes(live_code_repo(), channel_stats(), admin_api_gateways().for_corp)


@lazy
def welcome_sender() -> WelcomeSender:
    """One try per WeCom call (the sender retries itself, against the 20 s deadline, not the client's
    back-off schedule) and a short timeout: a slow answer must leave time for another try."""
    import dataclasses

    from scrm.adapters.metrics import count_missed_welcome
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.services.welcome_sender import WelcomeSender

    s = dataclasses.replace(settings(), wecom_max_tries=1, wecom_timeout_s=3.0)
    return WelcomeSender(
        live_code_repo(), channel_stats(), WeComGateways(corp_registry(), s).for_corp, count_missed_welcome
    )


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
    from scrm.services.customer_admin import CustomerAdmin

    return CustomerAdmin(DynamoStore(), DynamoCustomerSearch(), reads, admin_api_gateways().for_corp)


def group_admin() -> GroupAdmin:
    """Groups with their members, and their labels, for the admin API and the CLI; it holds nothing, so it
    is built per call."""
    from scrm.adapters.dynamo import reads
    from scrm.adapters.dynamo.store import DynamoStore
    from scrm.services.group_admin import GroupAdmin

    return GroupAdmin(DynamoStore(), reads.group)


# MASS-SENDS-GETTERS
def _mass_sends(for_corp: Any) -> MassSends:
    """Mass sends (mass_sends/wiring.py) whose planned sends the SOP planner's due steps name."""
    from scrm.mass_sends import wiring

    return wiring.mass_sends(for_corp, {"sop": lambda corp_id, source: sop_planner().recipients(corp_id, source)})


@lazy
def mass_sends() -> MassSends:
    """Mass sends (issue 8) for the admin API: the admin's WeCom clients, within the shared budget."""
    return _mass_sends(admin_api_gateways().for_corp)


@lazy
def mass_send_runner() -> MassSendRunner:
    """Mass-send steps spend the shared bulk call budget (a send to 100,000 is 10+ calls per member, and
    its results reads more): they must not starve the event consumer's reads."""
    from scrm.adapters.dynamo.rate_limiter import SharedRateLimiter
    from scrm.adapters.queue import QueuePublisher
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.domain.throttle import Windows
    from scrm.mass_sends.runner import MassSendRunner

    s = settings()
    gateways = WeComGateways(
        corp_registry(), s, SharedRateLimiter(Windows(s.bulk_calls_per_min, s.bulk_calls_per_hour))
    )
    return MassSendRunner(
        _mass_sends(gateways.for_corp), QueuePublisher(resources.queue("mass_sends")),
        notify=lambda *args: sop_reminders().notify(*args),
    )  # fmt: skip


# SOP-GETTERS (built by scrm.sops.wiring)
@lazy
def sop_repo() -> DynamoSops:
    from scrm.sops import wiring

    return wiring.repository()


@lazy
def sop_enrolment() -> SopEnrolment:
    """Writes the due index: an event observer (new customers and groups) and a queue step (a SOP's
    existing customers, page by page on the mass-send queue)."""
    from scrm.mass_sends.recipient_repository import DynamoGroups, DynamoRecipients
    from scrm.sops import wiring

    return wiring.enrolment(sop_repo(), DynamoRecipients(), DynamoGroups())


@lazy
def sop_admin() -> SopAdmin:
    from scrm.sops import wiring

    return wiring.admin(sop_repo(), sop_enrolment().start, mass_sends())


@lazy
def sop_planner() -> SopPlanner:
    """The every-minute tick; its sends' plans run on the mass-send queue."""
    from scrm.mass_sends.recipient_repository import DynamoGroups, DynamoRecipients
    from scrm.sops import wiring

    return wiring.planner(
        sop_repo(), mass_send_runner(), corp_registry().list_ids, DynamoRecipients(), DynamoGroups()
    )


@lazy
def sop_reminders() -> SopReminders:
    from scrm.sops import wiring

    return wiring.reminders(alert_repo(), _alert_delivery(), _alert_caps())


def mass_send_bus() -> MessageBus:
    """The mass-send queue's bus. SOP enrolment pages share the queue; their service is built only when
    one arrives."""
    from scrm.kernel.bus import Done
    from scrm.mass_sends.commands import EnrolSop

    def enrol(command: EnrolSop) -> Done:
        return Done(sop_enrolment().run_step(command.to_message()))

    return mass_send_runner().bus({EnrolSop: enrol})


def reset() -> None:
    """Drop every cached part (tests that re-point the environment)."""
    for fn in (
        settings, corp_registry, callback_outbox, redrive_outbox, apply_once, handlers, full_sync, api_keys,
        customer_admin,
        live_code_repo, channel_stats, admin_gateways, admin_api_gateways, key_limiter, code_staffing, acquisition, live_codes, welcome_sender,
        contact_stats, stats_reconcile,
        transfer_repo, transfer_runner, transfer_jobs, transfers,
        alert_repo, churn_alerts, alert_digest, alert_admin,
        mass_sends, mass_send_runner, sop_repo, sop_enrolment, sop_admin, sop_planner, sop_reminders,
    ):
        fn.cache_clear()
    from scrm.staff_auth import wiring as staff_wiring  # console login wires itself (staff_auth/wiring.py)

    staff_wiring.reset()
    import sys

    from scrm.adapters import aws, queue

    aws.reset()
    queue.reset()
    # pynamodb keeps one connection per model class, bound to the endpoint it first saw.
    models = sys.modules.get("scrm.adapters.dynamo.models")
    if models is not None:
        for model in models.ALL_MODELS:
            model._connection = None
        from scrm.adapters.dynamo.conditional import transactions

        transactions.cache_clear()
