"""What each Lambda function may touch: the source of its IAM policy (infra/template.py) and of the test
that replays each function against moto and checks every AWS call it makes is allowed
(tests/infra/test_iam.py). Names are logical names of scrm.resources."""

from __future__ import annotations

from dataclasses import dataclass, field

READ = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem")
# ConditionCheckItem: a transaction's check of an item it does not write (the stages' config version while a
# customer's stage and its counts change); IAM authorises it apart from UpdateItem.
WRITE = (
    "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
# Single-item access only: de-dup records (Powertools) and shared tokens.
RECORD = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
# Write-only: the callback route parks an event it cannot queue, and reads nothing back.
PUT = ("dynamodb:PutItem",)
# The redrive job: read the whole (normally empty) parking table and remove what it queued.
DRAIN = ("dynamodb:Scan", "dynamodb:DeleteItem")
# Issue and mark, never remove: the admin API creates a corp's API keys (PutItem, only where no item is)
# and revokes them (UpdateItem); a revoked key stays as the record of what was issued.
ISSUE = ("dynamodb:PutItem", "dynamodb:UpdateItem")


@dataclass(frozen=True)
class Access:
    tables_read: tuple[str, ...] = ()
    tables_rw: tuple[str, ...] = ()
    tables_record: tuple[str, ...] = ()
    tables_put: tuple[str, ...] = ()
    tables_drain: tuple[str, ...] = ()
    tables_issue: tuple[str, ...] = ()
    queues_send: tuple[str, ...] = ()
    queues_consume: tuple[str, ...] = ()
    read_corp_secrets: bool = False
    list_secrets: bool = False
    notes: tuple[str, ...] = field(default=())


# Chalice's function names: every route is one function, "api_handler".
FUNCTIONS: dict[str, Access] = {
    # The callback route: corp keys, the event and welcome queues, and (only when SQS refuses an event)
    # one PutItem into the parking table. Nothing else.
    "api_handler": Access(tables_put=("parked_events",), queues_send=("events", "welcome"), read_corp_secrets=True),
    # The redrive job: what the route parked goes to the queues it still needs, then leaves the table.
    "redrive_parked_events": Access(tables_drain=("parked_events",), queues_send=("events", "welcome")),
    # The event consumer: the data tables, its de-dup records, shared tokens, corp keys for WeCom calls.
    # Also the live codes' side of an arrival: the code (read, and its staff when a cap is reached), the
    # acquisition record and its counters.
    "apply_events": Access(
        tables_rw=(
            "customers", "follows", "timeline", "tags", "groups", "group_members", "employees",
            "alerts",
            "live_codes", "channel_stats", "acquisitions", "contact_stats", "transfers",
            "sops",
            "fission",
            "stores",
        ),
        tables_record=("idempotency", "tokens"),
        queues_consume=("events",),
        read_corp_secrets=True,
    ),
    # The token job: lists corps, reads their keys, keeps the shared tokens.
    "refresh_tokens": Access(tables_record=("tokens",), read_corp_secrets=True, list_secrets=True),
    # The admin API: reads and edits the data (after WeCom accepts), looks up keys, starts syncs, counts
    # each key's requests and its WeCom calls in the shared budget (rate_limits). Keys are looked up, and
    # issued and revoked by a corp's console admins (/admin/keys: PutItem and UpdateItem only, never a
    # delete or a scan; `scrm keys` does the same with operator credentials). Group members are only read
    # (GET /admin/groups/{chat_id}). Console staff: the role table and the sessions. Scripts and
    # materials (content): the libraries, their bytes and send counters; media/upload within the budget.
    # Moment tasks: created, their WeCom call made and their job polled from the API (moments).
    "admin_api": Access(
        tables_read=("api_keys", "group_members"),
        tables_rw=(
            "customers", "follows", "timeline", "tags", "tag_members", "employees", "sync_jobs",
            "alerts",
            "live_codes", "channel_stats", "groups", "contact_stats", "transfers",
            "mass_sends", "sops",
            "staff_roles", "staff_sessions",
            "stages", "notes",
            "content",
            "moments",
            "fission",
            "stores",
        ),
        tables_record=("tokens", "rate_limits"),
        tables_issue=("api_keys",),
        queues_send=("sync", "transfers", "mass_sends"),
        read_corp_secrets=True,
    ),
    # The full-sync steps: the data tables, the job records, the shared call budget and tokens.
    "sync_worker": Access(
        tables_rw=(
            "customers", "follows", "tags", "tag_members", "groups", "group_members", "employees", "sync_jobs",
        ),
        tables_record=("tokens", "rate_limits"),
        queues_send=("sync",),
        queues_consume=("sync",),
        read_corp_secrets=True,
    ),
    # The welcome sender: the codes (read), a missed welcome's marker and counter, shared tokens.
    "send_welcomes": Access(
        tables_rw=("live_codes", "channel_stats", "acquisitions"),
        tables_record=("tokens",),
        queues_consume=("welcome",),
        read_corp_secrets=True,
    ),
    # The per-minute staff switch: lists corps, reads codes and today's counts, writes the code's staff.
    "switch_code_staff": Access(
        tables_rw=("live_codes", "channel_stats"), tables_record=("tokens",), read_corp_secrets=True, list_secrets=True
    ),
    # The churn-alert digest: lists corps, reads their settings and deferred alerts, sends one paced card
    # per recipient and day as the corp's app.
    "alert_digest": Access(tables_rw=("alerts",), tables_record=("tokens",), read_corp_secrets=True, list_secrets=True),
    # Transfer steps: jobs and chunks, the shared call budget and tokens; re-sends itself when throttled.
    "transfer_worker": Access(
        tables_rw=("transfers",),
        tables_record=("tokens", "rate_limits"),
        queues_send=("transfers",),
        queues_consume=("transfers",),
        read_corp_secrets=True,
    ),
    # The transfer scheduler: lists corps, finds due jobs, enqueues their steps.
    "advance_transfers": Access(
        tables_rw=("transfers",), queues_send=("transfers",), read_corp_secrets=True, list_secrets=True
    ),
    # Mass-send steps: sends, parts and the quota ledger; recipients read from the customer store (its
    # search indexes) and groups; the shared call budget and tokens; re-sends itself when throttled or
    # WeCom is busy. SOP sends: the SOPs and their due index (also written by enrolment pages), and the
    # members' reminders through the alerts' pacing items.
    "mass_send_worker": Access(
        tables_rw=("mass_sends", "customers", "follows", "tag_members", "employees", "groups", "sops", "alerts"),
        tables_record=("tokens", "rate_limits"),
        queues_send=("mass_sends",),
        queues_consume=("mass_sends",),
        read_corp_secrets=True,
    ),
    # The SOP tick: lists corps, leases minutes, reads the due index, creates sends and queues their plans.
    "plan_sops": Access(
        tables_rw=("sops", "mass_sends"), queues_send=("mass_sends",), read_corp_secrets=True, list_secrets=True
    ),
    # Moment tasks' job: lists corps, reads their open tasks, makes due calls and reads results within the
    # shared budget; a material's bytes (content, read) for a scheduled task's upload; customers'
    # likes and comments onto their timelines; reminders to members who have not posted, paced through the
    # alerts' per-member items; the directory's departments for each run's per-store summary.
    "advance_moments": Access(
        tables_read=("content", "employees"),
        tables_rw=("moments", "timeline", "alerts"),
        tables_record=("tokens", "rate_limits"),
        read_corp_secrets=True,
        list_secrets=True,
    ),
    # Fission campaigns' job (issue 21): lists corps, reads their campaigns, confirms friends whose K days
    # passed (the customers' relations, read), sends rewards (add_msg_template) within the shared budget,
    # notices to the alert admins when a pool ran out, and deletes an ended campaign's contact ways.
    "advance_fission": Access(
        tables_read=("customers", "follows"),
        tables_rw=("fission", "alerts"),
        tables_record=("tokens", "rate_limits"),
        read_corp_secrets=True,
        list_secrets=True,
    ),
    # Store codes' job: lists corps, reads the stores waiting for a contact way, makes each as a channel code
    # (the codes, the directory's members and tags, today's adds for a cap) within the shared budget.
    "provision_store_codes": Access(
        tables_read=("employees", "tags"),
        tables_rw=("stores", "live_codes", "channel_stats"),
        tables_record=("tokens", "rate_limits"),
        read_corp_secrets=True,
        list_secrets=True,
    ),
    # The mass-send collector: lists corps, reads their open sends and parts, enqueues steps.
    "collect_mass_send_results": Access(
        tables_rw=("mass_sends",), queues_send=("mass_sends",), read_corp_secrets=True, list_secrets=True
    ),
    # The statistics reconcile: lists corps, reads WeCom's figures within the shared call budget, stores
    # them on the statistics rows.
    "reconcile_stats": Access(
        tables_rw=("contact_stats",), tables_record=("tokens", "rate_limits"), read_corp_secrets=True,
        list_secrets=True,
    ),
    # The statistics' seals: lists corps, reads the day roll-ups and the members' running sums, writes the
    # sealed months (contact_stats/seal.py).
    "seal_stats": Access(tables_rw=("contact_stats",), list_secrets=True),
    # The nightly reconcile: lists corps, starts one sync job each.
    "nightly_reconcile": Access(
        tables_rw=("sync_jobs",), queues_send=("sync",), read_corp_secrets=True, list_secrets=True
    ),
}
