"""The composition root: one cached getter per part, once per container and only the parts a function uses.

Each feature builds its own parts (``<feature>/wiring.py``); this module only composes them, handing each
what another feature gives (the customers' store, the live codes' repository, the alerts' delivery, …) and
the shared infrastructure: settings, the corp registry, the WeCom gateways with their call budgets, queues.
The callback function needs the corp registry and its outbox (the queues, else the parking table); the
consumer needs the store and the WeCom client. Each getter builds its part on first use, so a cold start
imports and connects to nothing it does not need (the callback function never imports pynamodb).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrm import resources
from scrm.acquisition import wiring as acquisition_wiring
from scrm.adapters.lazy import lazy
from scrm.alerts import wiring as alerts_wiring
from scrm.contact_stats import wiring as contact_stats_wiring
from scrm.customers import wiring as customers_wiring
from scrm.live_codes import wiring as live_codes_wiring
from scrm.settings import Settings
from scrm.sops import wiring as sops_wiring
from scrm.sync import wiring as sync_wiring
from scrm.transfers import wiring as transfers_wiring
from scrm.welcome import wiring as welcome_wiring

if TYPE_CHECKING:
    from scrm.acquisition.service import Acquisition
    from scrm.adapters.callback_outbox import CallbackOutbox
    from scrm.adapters.corp_registry import CorpRegistry
    from scrm.adapters.dynamo.api_keys import DynamoApiKeys
    from scrm.adapters.dynamo.key_limiter import KeyRequestLimiter
    from scrm.adapters.once import Once
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.alerts.admin import AlertAdmin
    from scrm.alerts.churn import ChurnAlerts
    from scrm.alerts.delivery import Delivery
    from scrm.alerts.digest import AlertDigest
    from scrm.alerts.pacing import Caps
    from scrm.contact_stats.reconcile import StatsReconcile
    from scrm.customers.groups import GroupAdmin
    from scrm.customers.handlers import Handlers
    from scrm.customers.service import CustomerAdmin
    from scrm.kernel.bus import MessageBus
    from scrm.live_codes.repository import DynamoLiveCodes
    from scrm.live_codes.service import LiveCodes
    from scrm.live_codes.staffing import CodeStaffing
    from scrm.mass_sends.recipient_repository import DynamoGroups, DynamoRecipients
    from scrm.mass_sends.runner import MassSendRunner
    from scrm.mass_sends.service import MassSends
    from scrm.sops.enrolment import SopEnrolment
    from scrm.sops.planner import SopPlanner
    from scrm.sops.reminders import SopReminders
    from scrm.sops.service import SopAdmin
    from scrm.sync.full_sync import FullSync
    from scrm.transfers.events import TransferEvents
    from scrm.transfers.runner import TransferRunner
    from scrm.transfers.service import TransferJobs
    from scrm.welcome.sender import WelcomeSender


# SHARED: settings, tenancy, the callback route's outbox, WeCom gateways
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
def api_keys() -> DynamoApiKeys:
    from scrm.adapters.dynamo.api_keys import DynamoApiKeys

    return DynamoApiKeys(settings().api_key_cache_ttl_s)


@lazy
def key_limiter() -> KeyRequestLimiter:
    from scrm.adapters.dynamo.key_limiter import KeyRequestLimiter

    return KeyRequestLimiter(settings().admin_key_requests_per_min)


def _gateways(bulk: bool) -> WeComGateways:
    """New WeCom clients (sharing the token store). ``bulk``: every call spends the corp's shared bulk call
    budget (a spent budget raises Throttled), as the sync, transfer, mass-send and reconcile workers and the
    admin API do, so that none of them (a viewer's requests included) can push a corp past WeCom's limits
    and starve the event consumer's reads, which are one per event and must not wait behind a bulk job."""
    from scrm.adapters.wecom.gateway import WeComGateways

    s = settings()
    if not bulk:
        return WeComGateways(corp_registry(), s)
    from scrm.adapters.dynamo.rate_limiter import SharedRateLimiter
    from scrm.kernel.throttle import Windows

    return WeComGateways(corp_registry(), s, SharedRateLimiter(Windows(s.bulk_calls_per_min, s.bulk_calls_per_hour)))


@lazy
def admin_gateways() -> WeComGateways:
    """WeCom clients of event-driven work: the per-minute staff job, arrivals through a code, alert cards
    (not rate-limited, not the welcome's). The admin API's services use admin_api_gateways."""
    return _gateways(bulk=False)


@lazy
def admin_api_gateways() -> WeComGateways:
    """WeCom clients of the admin API's services, within the shared bulk budget."""
    return _gateways(bulk=True)


# CUSTOMERS, the event consumer and the sync (customers/wiring.py, sync/wiring.py)
store = customers_wiring.store  # not cached: each part holds its own


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
    return customers_wiring.handlers(store(), _gateways(bulk=False), acquisition(), event_observers())


def event_observers() -> list[Any]:
    """What acts on an event after the store applied it, in this order: statistics count it, churn
    alerts read the relation it left, transfers advance the customer's handover, SOPs index the steps
    a new customer or group will fall due for."""
    return [contact_stats(), churn_alerts(), transfers(), sop_enrolment()]


@lazy
def customer_admin() -> CustomerAdmin:
    return customers_wiring.admin(store(), admin_api_gateways().for_corp)


def group_admin() -> GroupAdmin:
    """It holds nothing, so it is built per call."""
    return customers_wiring.groups(store())


@lazy
def full_sync() -> FullSync:
    return sync_wiring.full_sync(store(), _gateways(bulk=True).for_corp)


# STATISTICS (contact_stats/wiring.py, acquisition/wiring.py)
contact_stats = lazy(contact_stats_wiring.contact_stats)
channel_stats = lazy(acquisition_wiring.repository)


@lazy
def stats_reconcile() -> StatsReconcile:
    return contact_stats_wiring.reconcile(_gateways(bulk=True).for_corp)


@lazy
def acquisition() -> Acquisition:
    return acquisition_wiring.acquisition(live_code_repo(), channel_stats(), code_staffing(), admin_gateways().for_corp)


# ALERTS (alerts/wiring.py)
alert_repo = lazy(alerts_wiring.repository)


def _alert_delivery() -> Delivery:
    """Churn alerts, digests and SOP reminders send as the corp's app, through the admin's WeCom clients."""
    return alerts_wiring.delivery(admin_gateways().for_corp, lambda corp_id: corp_registry().get(corp_id).agent_id)


def _alert_caps() -> Caps:
    return alerts_wiring.caps(settings())


@lazy
def churn_alerts() -> ChurnAlerts:
    return alerts_wiring.churn(alert_repo(), live_code_repo(), _alert_delivery(), _alert_caps())


@lazy
def alert_digest() -> AlertDigest:
    return alerts_wiring.digest(alert_repo(), corp_registry().list_ids, _alert_delivery(), _alert_caps())


@lazy
def alert_admin() -> AlertAdmin:
    return alerts_wiring.admin(alert_repo())


# TRANSFERS (transfers/wiring.py)
transfer_repo = lazy(transfers_wiring.repository)


@lazy
def transfer_runner() -> TransferRunner:
    return transfers_wiring.runner(transfer_repo(), _gateways(bulk=True).for_corp, store())


@lazy
def transfer_jobs() -> TransferJobs:
    return transfers_wiring.jobs(transfer_repo(), transfer_runner(), admin_api_gateways().for_corp)


@lazy
def transfers() -> TransferEvents:
    return transfers_wiring.events(transfer_repo())


# LIVE CODES and WELCOME (live_codes/wiring.py, welcome/wiring.py)
@lazy
def live_code_repo() -> DynamoLiveCodes:
    return live_codes_wiring.repository(settings().live_code_cache_ttl_s)


@lazy
def code_staffing() -> CodeStaffing:
    return live_codes_wiring.staffing(live_code_repo(), channel_stats(), admin_gateways().for_corp)


@lazy
def live_codes() -> LiveCodes:
    return live_codes_wiring.live_codes(live_code_repo(), channel_stats(), admin_api_gateways().for_corp)


@lazy
def welcome_sender() -> WelcomeSender:
    return welcome_wiring.sender(live_code_repo(), channel_stats(), corp_registry(), settings())


# MASS SENDS and SOPS (mass_sends/wiring.py, sops/wiring.py)
def _recipients() -> tuple[DynamoRecipients, DynamoGroups]:
    """Relations and groups as mass sends and SOPs read them, through the customers' search."""
    from scrm.mass_sends.recipient_repository import PAGE, DynamoGroups, DynamoRecipients

    return DynamoRecipients(customers_wiring.search(budget=5 * PAGE)), DynamoGroups()


def _mass_sends(for_corp: Any) -> MassSends:
    """Mass sends whose planned sends the SOP planner's due steps name (imported on use: it is heavy)."""
    from scrm.mass_sends import wiring

    planners = {"sop": lambda corp_id, source: sop_planner().recipients(corp_id, source)}
    return wiring.mass_sends(for_corp, planners, _recipients()[0])


@lazy
def mass_sends() -> MassSends:
    """Mass sends (issue 8) for the admin API: the admin's WeCom clients, within the shared budget."""
    return _mass_sends(admin_api_gateways().for_corp)


@lazy
def mass_send_runner() -> MassSendRunner:
    """A send to 100,000 is 10+ calls per member, and its results reads more: within the bulk budget."""
    from scrm.mass_sends import wiring

    return wiring.runner(_mass_sends(_gateways(bulk=True).for_corp), lambda *args: sop_reminders().notify(*args))


def mass_send_bus() -> MessageBus:
    """The mass-send queue's bus. SOP enrolment pages share the queue; their service is built only when
    one arrives."""
    from scrm.kernel.bus import Done
    from scrm.mass_sends.commands import EnrolSop

    def enrol(command: EnrolSop) -> Done:
        return Done(sop_enrolment().run_step(command.to_message()))

    return mass_send_runner().bus({EnrolSop: enrol})


sop_repo = lazy(sops_wiring.repository)


@lazy
def sop_enrolment() -> SopEnrolment:
    return sops_wiring.enrolment(sop_repo(), *_recipients())


@lazy
def sop_admin() -> SopAdmin:
    return sops_wiring.admin(sop_repo(), sop_enrolment().start, mass_sends())


@lazy
def sop_planner() -> SopPlanner:
    return sops_wiring.planner(sop_repo(), mass_send_runner(), corp_registry().list_ids, *_recipients())


@lazy
def sop_reminders() -> SopReminders:
    return sops_wiring.reminders(alert_repo(), _alert_delivery(), _alert_caps())


def reset() -> None:
    """Drop every cached part (tests that re-point the environment): every getter here made with ``lazy``."""
    import sys

    from scrm.adapters import aws, queue

    for part in list(globals().values()):
        if callable(part) and hasattr(part, "cache_clear"):
            part.cache_clear()
    aws.reset()
    queue.reset()
    # pynamodb keeps one connection per model class, bound to the endpoint it first saw.
    models = sys.modules.get("scrm.adapters.dynamo.models")
    if models is not None:
        for model in models.ALL_MODELS:
            model._connection = None
        from scrm.adapters.dynamo.conditional import transactions

        transactions.cache_clear()
