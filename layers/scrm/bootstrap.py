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
from scrm.acquisition import wiring as _acquisition
from scrm.adapters.lazy import lazy
from scrm.alerts import wiring as _alerts
from scrm.contact_stats import wiring as _contact_stats
from scrm.content import wiring as _content
from scrm.customers import wiring as _customers
from scrm.fission import wiring as _fission
from scrm.live_codes import wiring as _live_codes
from scrm.moments import wiring as _moments
from scrm.settings import Settings
from scrm.sidebar import wiring as _sidebar
from scrm.sops import wiring as _sops
from scrm.stages import wiring as _stages
from scrm.stores import wiring as _stores
from scrm.sync import wiring as _sync
from scrm.transfers import wiring as _transfers
from scrm.welcome import wiring as _welcome

if TYPE_CHECKING:
    from scrm.adapters.callback_outbox import CallbackOutbox
    from scrm.adapters.corp_registry import CorpRegistry
    from scrm.adapters.dynamo.api_keys import DynamoApiKeys
    from scrm.adapters.dynamo.key_limiter import KeyRequestLimiter
    from scrm.adapters.once import Once
    from scrm.adapters.wecom.gateway import WeComGateways
    from scrm.alerts.delivery import Delivery
    from scrm.alerts.pacing import Caps
    from scrm.customers.groups import GroupAdmin
    from scrm.kernel.bus import MessageBus
    from scrm.mass_sends.recipient_repository import DynamoGroups, DynamoRecipients
    from scrm.mass_sends.runner import MassSendRunner
    from scrm.mass_sends.service import MassSends
    from scrm.sidebar.portrait import Portraits


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


@lazy
def public_limiter() -> KeyRequestLimiter:
    """The public routes' counter per client address and corp (the same table and window as the keys')."""
    from scrm.adapters.dynamo.key_limiter import KeyRequestLimiter

    return KeyRequestLimiter(settings().public_requests_per_min)


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

    limiter = SharedRateLimiter(Windows(s.bulk_calls_per_min, s.bulk_calls_per_hour))
    return WeComGateways(corp_registry(), s, limiter)


@lazy
def admin_gateways() -> WeComGateways:
    """WeCom clients of event-driven work: the per-minute staff job, arrivals through a code, alert cards
    (not rate-limited, not the welcome's). The admin API's services use admin_api_gateways."""
    return _gateways(bulk=False)


@lazy
def admin_api_gateways() -> WeComGateways:
    """WeCom clients of the admin API's services, within the shared bulk budget."""
    return _gateways(bulk=True)


# THE FEATURES: each getter hands a feature's wiring what other features and the shared parts give.
store = _customers.store  # not cached: each part holds its own


@lazy
def apply_once() -> Once:
    """The consumer's guard: SQS is at-least-once (a client retry after a timeout stores a message twice),
    and later effects (welcome messages, alerts) must not run twice; the store's writes are idempotent
    on their own, this makes the WeCom reads and any side effect happen once per event key too."""
    from scrm.adapters.once import Once

    def apply(message: dict[str, Any]) -> dict[str, Any]:
        return handlers().apply_message(message)

    return Once(resources.table("idempotency").name, "apply", settings().dedup_ttl_s, apply)


def event_observers() -> list[Any]:
    """What acts on an event after the store applied it, in this order: statistics count it, churn
    alerts read the relation it left, transfers advance the customer's handover, SOPs index the steps
    a new customer or group will fall due for, fission campaigns count (or uncount) an invited friend, stores
    count an add through their contact way."""
    return [contact_stats(), churn_alerts(), transfers(), sop_enrolment(), fission_events(), store_adds()]


# The event consumer's WeCom clients are its own and unbudgeted (one read per event, never behind a bulk
# job); the admin API's services, the sync, transfers, mass sends and the reconcile spend the bulk budget.
handlers = lazy(lambda: _customers.handlers(store(), _gateways(False), acquisition(), event_observers()))
customer_admin = lazy(lambda: _customers.admin(store(), admin_api_gateways().for_corp))
# Lifecycle stages and notes: the customers' timeline and tag service (the admin's WeCom clients).
stages = lazy(lambda: _stages.service(store(), customer_admin()))
full_sync = lazy(lambda: _sync.full_sync(store(), _gateways(bulk=True).for_corp))


def group_admin() -> GroupAdmin:
    """It holds nothing, so it is built per call."""
    return _customers.groups(store())


# Statistics: the contact-stats observer and reports, the nightly reconcile, the codes' counters.
contact_stats = lazy(_contact_stats.contact_stats)
stats_rollups = lazy(_contact_stats.rollups)  # the dashboard's reads; the backfill
stats_seals = lazy(_contact_stats.seals)  # the sealed months (the seal_stats job, the backfill)
stats_reconcile = lazy(lambda: _contact_stats.reconcile(_gateways(bulk=True).for_corp))
channel_stats = lazy(_acquisition.repository)
acquisition = lazy(lambda: _acquisition.acquisition(
    live_code_repo(), channel_stats(), code_staffing(), admin_gateways().for_corp))  # fmt: skip


def _alert_delivery() -> Delivery:
    """Churn alerts, digests and SOP reminders send as the corp's app, through the admin's WeCom clients."""
    return _alerts.delivery(admin_gateways().for_corp, lambda corp: corp_registry().get(corp).agent_id)


def _alert_caps() -> Caps:
    return _alerts.caps(settings())


alert_repo = lazy(_alerts.repository)
churn_alerts = lazy(lambda: _alerts.churn(alert_repo(), live_code_repo(), _alert_delivery(), _alert_caps()))
alert_digest = lazy(lambda: _alerts.digest(
    alert_repo(), corp_registry().list_ids, _alert_delivery(), _alert_caps()))  # fmt: skip
alert_admin = lazy(lambda: _alerts.admin(alert_repo()))

transfer_repo = lazy(_transfers.repository)
transfer_runner = lazy(lambda: _transfers.runner(transfer_repo(), _gateways(bulk=True).for_corp, store()))
transfer_jobs = lazy(lambda: _transfers.jobs(
    transfer_repo(), transfer_runner(), admin_api_gateways().for_corp))  # fmt: skip
transfers = lazy(lambda: _transfers.events(transfer_repo()))

# Live codes: the staff job and arrivals use the admin's clients, the admin API its budgeted ones.
live_code_repo = lazy(lambda: _live_codes.repository(settings().live_code_cache_ttl_s))
code_staffing = lazy(lambda: _live_codes.staffing(
    live_code_repo(), channel_stats(), admin_gateways().for_corp))  # fmt: skip
live_codes = lazy(lambda: _live_codes.live_codes(
    live_code_repo(), channel_stats(), admin_api_gateways().for_corp))  # fmt: skip
welcome_sender = lazy(lambda: _welcome.sender(live_code_repo(), channel_stats(), corp_registry(), settings()))


def _recipients() -> tuple[DynamoRecipients, DynamoGroups]:
    """Relations and groups as mass sends and SOPs read them, through the customers' search."""
    from scrm.mass_sends.recipient_repository import PAGE, DynamoGroups, DynamoRecipients

    return DynamoRecipients(_customers.search(budget=5 * PAGE)), DynamoGroups()


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

    notify = lambda *args: sop_reminders().notify(*args)  # noqa: E731
    return wiring.runner(_mass_sends(_gateways(bulk=True).for_corp), notify)


def mass_send_bus() -> MessageBus:
    """The mass-send queue's bus. SOP enrolment pages share the queue; their service is built only when
    one arrives."""
    from scrm.kernel.bus import Done
    from scrm.mass_sends.commands import EnrolSop

    def enrol(command: EnrolSop) -> Done:
        return Done(sop_enrolment().run_step(command.to_message()))

    return mass_send_runner().bus({EnrolSop: enrol})


sop_repo = lazy(_sops.repository)
sop_enrolment = lazy(lambda: _sops.enrolment(sop_repo(), *_recipients()))
sop_admin = lazy(lambda: _sops.admin(sop_repo(), sop_enrolment().start, mass_sends()))
sop_planner = lazy(lambda: _sops.planner(
    sop_repo(), mass_send_runner(), corp_registry().list_ids, *_recipients()))  # fmt: skip
sop_reminders = lazy(lambda: _sops.reminders(alert_repo(), _alert_delivery(), _alert_caps()))

# The sidebar (issue 19): the JS-SDK's signatures, tickets fetched with the admin's clients (not budgeted:
# at most one fetch per ticket and 2 hours, shared by every instance).
sidebar_js_config = lazy(lambda: _sidebar.js_config(
    admin_gateways().for_corp, lambda corp: corp_registry().get(corp).agent_id))  # fmt: skip


@lazy
def sidebar_portraits() -> Portraits:
    """The portrait with the other features' parts: the stage and notes, the sends the customer received
    and the member's tasks for them; a group's with the SOPs that target it."""
    from scrm.mass_sends import wiring as mass_send_wiring

    received = mass_send_wiring.received()
    return _sidebar.portraits([stages().portrait_part, received.portrait_part], [sop_admin().targeting_group])


# Scripts and materials: media/upload through the admin API's clients, within the corp's shared budget.
content = lazy(lambda: _content.content(admin_api_gateways().for_corp))
# Moment tasks (issue 20): created and followed from the admin API within the corp's shared budget; the
# scheduled job's calls (due schedules, jobs, results) within the bulk budget.
moments = lazy(lambda: _moments.moments(admin_api_gateways().for_corp, content(), store()))
moments_job = lazy(lambda: _moments.moments(_gateways(bulk=True).for_corp, content(), store(),
                                            _moments.reminders(alert_repo(), _alert_delivery(), _alert_caps())))

# Store codes (issue 21): each store's contact way is a channel code made by the live codes' service within
# the corp's shared budget (the admin API's and the provisioning job's clients alike).
store_repo = lazy(_stores.repository)
stores = lazy(lambda: _stores.stores(store_repo(), live_codes(), live_codes().directory))
store_adds = lazy(lambda: _stores.adds(store_repo()))


# Fission campaigns (issue 21): the admin API's and the public poster's calls within the corp's shared budget;
# the event observer's (a reward at the threshold) on the event-driven clients; the minute job's (rewards,
# deleting an ended campaign's ways) within the bulk budget.
class _FissionCustomers:
    """The customers' store as fission reads it: a profile, the members who hold a customer now."""

    def customer(self, corp_id: str, external_userid: str) -> dict[str, Any] | None:
        from scrm.adapters.dynamo import reads

        return reads.customer(corp_id, external_userid)

    def members_of(self, corp_id: str, external_userid: str) -> list[str]:
        from scrm.adapters.dynamo import reads

        return [f["userid"] for f in reads.follows(corp_id, external_userid) if f.get("status") == "active"]

    def is_friend(self, corp_id: str, external_userid: str, userid: str) -> bool:
        from scrm.adapters.dynamo import reads

        found = reads.follow(corp_id, external_userid, userid)
        return found is not None and found.get("status") == "active"

    def known_before(self, corp_id: str, external_userid: str, userid: str, at: int) -> bool:
        from scrm.adapters.dynamo import reads

        return any(f["userid"] != userid and 0 < int(f.get("add_time") or 0) < at
                   for f in reads.follows(corp_id, external_userid))  # fmt: skip


def _link_key(corp_id: str) -> bytes:
    """The fission links' key: per corp and deployment, from the corp's app secret (scrm.fission.links)."""
    from scrm.fission.links import link_key

    return link_key(corp_registry().get(corp_id).secret)


def _fission_service(for_corp: Any) -> Any:
    notices = _alerts.notices(alert_repo(), _alert_delivery(), _alert_caps())
    return _fission.fission(for_corp, _FissionCustomers(), content(), notices, _link_key)


fission = lazy(lambda: _fission_service(admin_api_gateways().for_corp))
fission_events = lazy(lambda: _fission_service(admin_gateways().for_corp))
fission_job = lazy(lambda: _fission_service(_gateways(bulk=True).for_corp))


def reset() -> None:
    """Drop every cached part (tests that re-point the environment): every getter here made with ``lazy``."""
    import sys

    from scrm.adapters import aws, queue

    for part in list(globals().values()):
        if callable(part) and hasattr(part, "cache_clear"):
            part.cache_clear()
    from scrm.staff_auth import wiring as staff_wiring  # console login wires itself (staff_auth/wiring.py)

    staff_wiring.reset()
    aws.reset()
    queue.reset()
    # pynamodb keeps one connection per model class, bound to the endpoint it first saw.
    models = sys.modules.get("scrm.adapters.dynamo.models")
    if models is not None:
        for model in models.ALL_MODELS:
            model._connection = None
        from scrm.adapters.dynamo.conditional import transactions

        transactions.cache_clear()
