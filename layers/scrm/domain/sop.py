"""SOPs (timed message plans), one import point for the services: the spec (sop_spec), who it is for
(sop_targets) and when its steps fall due (sop_schedule). The mass-message quota is msg_quota."""

from __future__ import annotations

from scrm.domain.sop_schedule import (
    DueStep,
    due_in_window,
    minute_key,
    minute_keys,
    minute_start,
    moment,
    next_occurrence,
    relative_due_at,
    relative_plan,
    still_due,
)
from scrm.domain.sop_spec import (
    CUSTOMER,
    GROUP,
    SopSpec,
    Step,
    Trigger,
    parse_customer_sop,
    parse_group_sop,
    sop_from_dict,
)
from scrm.domain.sop_targets import (
    CustomerFacts,
    CustomerTargets,
    GroupFacts,
    GroupTargets,
    as_recipient_filter,
    customer_matches,
    days_since,
    group_matches,
)

__all__ = [
    "CUSTOMER", "GROUP", "CustomerFacts", "CustomerTargets", "DueStep", "GroupFacts", "GroupTargets",
    "SopSpec", "Step", "Trigger", "as_recipient_filter", "customer_matches", "days_since", "due_in_window", "group_matches",
    "minute_key", "minute_keys", "minute_start", "moment", "next_occurrence", "parse_customer_sop", "parse_group_sop",
    "relative_due_at", "relative_plan", "sop_from_dict", "still_due",
]
