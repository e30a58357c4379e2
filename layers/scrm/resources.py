"""The one list of AWS resources the code uses: tables, their keys and indexes, queues and their DLQs.

The pynamodb models, the local stack's bootstrap, the tests and the deployment template all read these
definitions, so a table or queue cannot exist in one place and be missing in another. Names carry no stage:
stages are separate AWS accounts (see docs/architecture.md), which keeps the literal queue names that
Chalice needs at package time valid in every stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class KeyAttr:
    name: str
    type: str = "S"  # DynamoDB scalar type: S or N


@dataclass(frozen=True)
class IndexDef:
    name: str
    hash_key: KeyAttr
    range_key: KeyAttr | None = None


@dataclass(frozen=True)
class TableDef:
    logical: str
    name: str
    hash_key: KeyAttr
    range_key: KeyAttr | None = None
    indexes: tuple[IndexDef, ...] = ()
    ttl_attribute: str | None = None

    def key_attributes(self) -> dict[str, str]:
        """Every attribute that appears in a key of the table or of one of its indexes, with its type."""
        attrs: dict[str, str] = {}
        for key in (self.hash_key, self.range_key):
            if key:
                attrs[key.name] = key.type
        for index in self.indexes:
            for key in (index.hash_key, index.range_key):
                if key:
                    attrs[key.name] = key.type
        return attrs


@dataclass(frozen=True)
class QueueDef:
    logical: str
    name: str
    dlq_name: str
    max_receive_count: int = 5
    visibility_timeout_s: int = 180  # AWS's advice: 6 x the consumer's timeout (30 s)
    retention_s: int = 4 * 24 * 3600
    dlq_retention_s: int = 14 * 24 * 3600
    consumers: tuple[str, ...] = field(default_factory=tuple)
    # The local stack keeps this visibility timeout for records in flight but retries a failed one after a
    # second or two, so that retries and the DLQ show within a test; never sooner than this.
    min_local_retry_s: int = 0


_PK = KeyAttr("pk")
_SK = KeyAttr("sk")


def _table(
    logical: str, hash_key: KeyAttr, range_key: KeyAttr | None = None, *indexes: IndexDef, ttl: str | None = None
) -> TableDef:
    """A table named as every table is: ``scrm-`` and its logical name with dashes (sync_jobs: scrm-sync-jobs)."""
    return TableDef(logical, "scrm-" + logical.replace("_", "-"), hash_key, range_key, indexes, ttl)


def _by(name: str, hash_key: str, range_key: str, range_type: str = "S") -> IndexDef:
    """An index on two attributes, the hash key a string."""
    return IndexDef(name, KeyAttr(hash_key), KeyAttr(range_key, range_type))

TABLES: dict[str, TableDef] = {
    t.logical: t
    for t in (
        # The consumers' once-per-event-key records (Powertools idempotency): key "id", TTL "expiration".
        _table("idempotency", KeyAttr("id"), ttl="expiration"),
        # Callback events the route could not hand to SQS (an SQS outage), kept until the redrive job
        # queues them: pk = corp#event_id, so WeCom's retries of one event park it once. No TTL: an event
        # acknowledged to WeCom is never dropped.
        _table("parked_events", _PK),
        # Access tokens shared by every Lambda instance, one item per corp and app secret.
        _table("tokens", KeyAttr("key")),
        # Customer profile: pk = corp#external_userid.
        _table("customers", _PK),
        # Follow relation: pk = corp#external_userid, sk = employee userid. The admin API's search drives
        # from one of these indexes (never a scan): by_employee (customers of an employee, by add time),
        # by_corp (every relation of a corp, by add time), by_state (relations from a channel code's
        # state; sparse), by_name (customer name prefix).
        _table(
            "follows",
            _PK,
            _SK,
            _by("by_employee", "employee_pk", "add_sk"),
            _by("by_corp", "corp_id", "add_sk"),
            _by("by_state", "state_pk", "add_sk"),
            _by("by_name", "corp_id", "name_sk"),
        ),
        # Tag membership, the search's driver for tag filters: pk = corp#tag_id, sk = external_userid#userid.
        # One item per (tag, relation), written from the relation's tag list; sorted alike in every tag, so
        # AND / OR / NOT are merges of sorted streams.
        _table("tag_members", _PK, _SK),
        # Timeline: pk = corp#<subject>, sk = <create_time:010d>#<event key hash>; newest first by reverse query.
        _table("timeline", _PK, _SK),
        # Corp tag library: pk = corp, sk = tag or group id.
        _table("tags", _PK, _SK),
        # Customer groups: pk = corp#chat_id. by_owner: groups of an owner.
        _table("groups", _PK, None, _by("by_owner", "owner_pk", "create_sk")),
        # Group members: pk = corp#chat_id, sk = member id (userid or external_userid). by_member: the
        # groups a customer or member is in now (member_pk = corp#member id, set while they are a member and
        # removed when they leave, so the index is sparse): the sidebar's portrait reads it.
        _table("group_members", _PK, _SK, _by("by_member", "member_pk", "chat_id")),
        # Employees: pk = corp, sk = userid.
        _table("employees", _PK, _SK),
        # Admin API keys: pk = sha256 of the key (the key itself is never stored). by_corp: a corp's keys.
        _table("api_keys", _PK, None, _by("by_corp", "corp_id", "key_id")),
        # Full syncs: pk = corp, sk = "job#<job_id>" (progress record) or "step#<job_id>#<step>" (a step's
        # done-marker, with the messages it fans out to; TTL).
        _table("sync_jobs", _PK, _SK, ttl="expires_at"),
        # Call counters shared by every Lambda, per corp, API and window: pk = corp#api#window start; TTL.
        _table("rate_limits", _PK, ttl="expires_at"),
        # Live codes: pk = corp, sk = "c#<state>" (channel code), "g#<state>" (group code) or
        # "default#welcome" (the corp's welcome for adds without a known state). The state is the code's id,
        # so the welcome path finds a code with one GetItem.
        _table("live_codes", _PK, _SK),
        # A code's yield: pk = corp#state, sk = <day>#<userid>, counters per China day added and member.
        _table("channel_stats", _PK, _SK),
        # Who came through which code: pk = corp#external_userid, sk = userid (the relation, as in follows),
        # or "missed#…" (a welcome that could not be sent, counted once).
        _table("acquisitions", _PK, _SK, ttl="expires_at"),
        # TABLES-ISSUE7 (statistics, alerts, transfers: each added by its module's author)
        # Customer mass sends (issue 8, mass_sends/): pk = corp with sk = "send#<id>" (a send: spec,
        # state, counts), "req#<key>" (a request's send), "settings" (the corp's msg_quota); pk =
        # corp#send#<id> with sk = "p#<sender>#<n>" (a part: one add_msg_template call, its state, msgid and
        # calling mark), "ids#<sender>#<n>#<k>" (its customers, 2,000 an item), "out#<sender>#<n>" (one
        # outcome character per customer), "rcp#<k>" / "rcp#done" (the resolved recipients), "skip#<reason>#<k>";
        # pk = corp#to#<external_userid>, sk = <planned at>#<send id> (the part and place holding the customer:
        # what the sidebar shows they received);
        # pk = corp#quota#<period>, sk = <bucket 0000..1023> (the quota ledger: counts per customer and the
        # reservations / releases already applied).
        _table("mass_sends", _PK, _SK),
        # SOPs (issue 8, sops/): pk = corp with sk = "sop#<id>" (a SOP: spec, status, version),
        # "tick#<minute>" (the planner's lease and done mark for one China minute), "cursor" (the last
        # minute planned); pk = corp#due#<minute> with sk = <sop>#<step>#<customer or chat>#<member> (one
        # relative step due for one relation or group: its anchor); pk = corp#sop#<id>, sk =
        # "run#<minute>#<step>" (the mass send a due step became). Due items and ticks expire (TTL).
        _table("sops", _PK, _SK, ttl="expires_at"),
        # Customer and group handovers (scrm/transfers/): pk = corp with sk = "job#<id>" (a job; by_due
        # holds the open ones by when they next need work), "req#<key>" (a request's job, so a repeat
        # creates nothing), "active#<handover>", "quota#<owner>" (groups taken in 24 h), "policy";
        # pk = corp#<job id> with sk = "c…" / "g…" (chunks of <= 100 customers / chats and their states);
        # pk = corp#x#<external_userid> or corp#y#<chat_id>, sk = <job id> (which chunk holds it).
        _table("transfers", _PK, _SK, _by("by_due", "due_pk", "due_at", "N")),
        # Churn alerts: pk = corp, sk = "settings" / "pending#<recipient>" (deferred alerts await a digest);
        # pk = corp#recipient, sk = "<China day>#<create_time>#<event_id>" (one alert per event and
        # recipient), "pace" (the recipient's app-message pacing) or "digest#<day>". by_day: a corp's alerts
        # of one day (day_pk = corp#day, sparse). TTL on everything but the settings.
        _table("alerts", _PK, _SK, _by("by_day", "day_pk", "day_sk"), ttl="expires_at"),
        # Customer and group statistics (issue 7): pk = corp#cust#<yyyy-mm> / corp#group#<yyyy-mm>, sk =
        # <userid> (one counter item per month and employee, a day's figures named <figure>_<dd>);
        # pk = corp#rel#<external_userid>, sk = <userid>#add|loss|end#<time>
        # and <userid>#guard (a relation's facts and what they contributed); pk = corp#chat#<chat_id>, sk =
        # <time>#<event_id> (a group member change counted once).
        _table("contact_stats", _PK, _SK),
        # Lifecycle stages (issue 19, stages/): pk = corp with sk = "config" (the stages, their order, the
        # ids merged into others, the tag mirror; versioned), "count#<stage id>" (customers at the stage,
        # moved in the same transaction as the customer's stage); pk = corp#c#<external_userid>, sk =
        # "stage" (the customer's stage and its last change); pk = corp#moves, sk = <China day>#<from>#<to>
        # (moves counted per day).
        _table("stages", _PK, _SK),
        # Follow-up notes (跟进记录): pk = corp#<external_userid>, sk = "n#<created ms>#<note id>" (a note)
        # or "id#<note id>" (its request's marker, so a retry writes nothing). by_corp / by_member: the
        # corp's notes, or one member's, newest first (sparse: only notes carry corp_id / member_pk).
        _table(
            "notes",
            _PK,
            _SK,
            _by("by_corp", "corp_id", "note_sk"),
            _by("by_member", "member_pk", "note_sk"),
        ),
        # Console staff (issue 18, staff_auth/): the per-corp role table, pk = corp, sk = userid.
        _table("staff_roles", _PK, _SK),
        # Console sessions: pk = sha256 of the session cookie's id (the id itself is never stored); TTL at
        # the absolute end (8 h after login); idleness is checked on read.
        _table("staff_sessions", _PK, ttl="expires_at"),
        # Scripts and materials (issue 19, content/): pk = corp with sk = "s#c#<id>" / "m#c#<id>" (corp-wide)
        # or "s#p#<userid>#<id>" / "m#p#<userid>#<id>" (a member's own); pk = corp#blob#<blob_id>, sk = <n>
        # (a material's bytes, in chunks under DynamoDB's 400 KB item); pk = corp#use, sk = "i#<kind>#<id>"
        # (sends of an item), "t#<userid>" (of a member), "u#<userid>#<kind>#<id>" (of a member and item).
        _table("content", _PK, _SK),
        # Moment tasks (issue 20, moments/): pk = corp with sk = "m#<id>" (a task: its spec and where its
        # creation in WeCom stands; ids sort by creation time), "req#<key>" (a request's task), "open#<id>" (a
        # task with work left: the scheduled job's list); pk = corp#mt#<id>, sk = "snd#<k>" (its senders, 2,000
        # an item: 100,000 ids would pass the 400 KB item), "u#<userid>" (a member's results: posted or not,
        # customers reached, likes and comments).
        _table("moments", _PK, _SK),
        # Fission campaigns (issue 21, fission/): pk = corp with sk = "c#<id>" (a campaign); pk = corp#fc#<id>,
        # sk = "i#<inviter key>" (an inviter: their contact way, friends and reward); pk = corp#fc#<id>#due,
        # sk = "<due at, 12 digits>#<key>" (an inviter whose friend's K days end then: the job's index);
        # pk = corp#fc#<id>#pool, sk = "seen#<code>" / "free#<code>" / "used#<key>" (the coupon pool);
        # pk = corp#fc#<id>#wait, sk = <inviter key> (reached the threshold when the pool was empty: an upload
        # or the job owes them a code);
        # pk = corp#ff#<friend>, sk = <campaign id> (the friend's credit: one per campaign, first inviter wins).
        _table("fission", _PK, _SK),
        # Store codes (issue 21, stores/): pk = corp with sk = "s#<store_id>" (a store), "cities" (stores per
        # city), "settings"; pk = corp#g4#<geohash-4 cell>, sk = "<geohash-5 cell>#<store_id>" (the store as
        # the nearest-store lookup reads it: 9 cell queries, never a scan); pk = corp#city#<city>, sk =
        # <store_id> (the picker's list); pk = corp#todo, sk = <store_id> (a store waiting for its contact
        # way); pk = corp#stat#s / corp#stat#c, sk = "<China day>#<store_id | city>" (scans and adds);
        # pk = corp#seen#<store_id>, sk = <external_userid>#<userid> (an add counted once).
        _table("stores", _PK, _SK),
    )
}

def _queue(logical: str, **options: Any) -> QueueDef:
    """A queue named as every queue is (mass_sends: scrm-mass-sends), with its DLQ (scrm-mass-sends-dlq)."""
    name = "scrm-" + logical.replace("_", "-")
    return QueueDef(logical, name, name + "-dlq", **options)


QUEUES: dict[str, QueueDef] = {
    q.logical: q
    for q in (
        # Every verified callback event, applied by the event consumer.
        _queue("events", consumers=("apply_events",)),
        # Welcome messages only: WeCom's welcome_code lives 20 s, so these never wait behind events or
        # bulk work. A message that cannot be handled in time is recorded as missed, not retried later.
        _queue(
            "welcome",
            max_receive_count=2,
            visibility_timeout_s=150,
            retention_s=300,
            consumers=("send_welcomes",),
            min_local_retry_s=25,  # as on AWS, a retry comes after the 20 s welcome code has expired
        ),
        # Bulk work (full sync steps), kept apart so it never delays callback events.
        _queue(
            "sync",
            visibility_timeout_s=360,
            consumers=("sync_worker",),
        ),
        # QUEUES-ISSUE7
        # Mass-send steps (plan a send, create one WeCom task per part, read results), apart from the rest.
        _queue(
            "mass_sends",
            visibility_timeout_s=900,
            consumers=("mass_send_worker",),
        ),
        # Handover steps (plan a job, call WeCom for its chunks, poll results), apart from sync and events.
        _queue(
            "transfers",
            visibility_timeout_s=900,
            consumers=("transfer_worker",),
        ),
    )
}


def table(logical: str) -> TableDef:
    return TABLES[logical]


def queue(logical: str) -> QueueDef:
    return QUEUES[logical]


def index(logical: str, name: str) -> str:
    """An index's name, checked against the table's definition (a typo fails at import, not at query)."""
    names = [i.name for i in TABLES[logical].indexes]
    if name not in names:
        raise KeyError(f"table {logical} has no index {name}")
    return name
