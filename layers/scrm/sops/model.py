"""SOPs (timed message plans), one import point for the services: the spec (spec.py), who it is for
(targets.py), when its steps fall due (schedule.py) and the aggregate (sop.py). The mass-message quota is msg_quota."""

from __future__ import annotations

from scrm.sops.schedule import (
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
from scrm.sops.sop import Sop
from scrm.sops.spec import (
    CUSTOMER,
    GROUP,
    SopSpec,
    Step,
    Trigger,
    parse_customer_sop,
    parse_group_sop,
    sop_from_dict,
)
from scrm.sops.targets import (
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
    "relative_due_at", "relative_plan", "Sop", "sop_from_dict", "still_due",
]
