from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from scrm.adapters.dynamo.models.base import table_model


class SyncJobItem(table_model("sync_jobs")):
    """pk = corp; sk = job#<job_id> for a job's progress, step#<job_id>#<step id> for a step's done-marker.

    Counters move only in the same transaction that writes a step's marker, so a redelivered step never
    counts twice. ``open_steps`` is the number of steps enqueued and not yet done: the job is finished when
    it reaches 0 (each step adds its children and removes itself in one write).
    """

    job_id = UnicodeAttribute(null=True)
    corp_id = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)  # full | reconcile
    state = UnicodeAttribute(null=True)  # running | done | failed
    started_at_ms = NumberAttribute(null=True)
    finished_at_ms = NumberAttribute(null=True)
    updated_at_ms = NumberAttribute(null=True)
    open_steps = NumberAttribute(null=True)
    steps_done = NumberAttribute(null=True)
    employees = NumberAttribute(null=True)
    employee_chunks = NumberAttribute(null=True)
    employee_chunks_done = NumberAttribute(null=True)
    group_chunks_done = NumberAttribute(null=True)
    relations = NumberAttribute(null=True)
    tags = NumberAttribute(null=True)
    groups_listed = NumberAttribute(null=True)
    groups = NumberAttribute(null=True)
    wecom_calls = NumberAttribute(null=True)
    drift_removed = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    children = ListAttribute(of=MapAttribute, null=True)  # a step marker's fan-out, re-sent on redelivery
    expires_at = NumberAttribute(null=True)
