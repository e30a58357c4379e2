"""How ``scrm sends … --wait`` shows a mass send (a ``MassSends.progress`` dict).

A mass send has two speeds: creating its WeCom tasks takes seconds (one add_msg_template call per
10,000 customers of a member), while members confirm their tasks in WeCom when they get to it, and the
results are read every 10 minutes. So the bar first follows the tasks created (phase "creating") and
then the recipients with an outcome (phase "sending"), which a person watching may leave with Ctrl-C.
A send's recipients are customers, or customer groups (chat_type group): the progress dict counts either
the same way, so the caller names them (``unit``). Pure: no clock, no I/O.
"""

from __future__ import annotations

from typing import Any

from scrm.cli.progress import WIDTH, bar

OUTCOME_ORDER = ("sent", "not_sent", "not_a_friend", "over_quota", "pending")
CUSTOMERS, GROUPS = "customers", "groups"  # what a send's recipients are, as the bar and tables name them


def tasks(p: dict[str, Any]) -> tuple[int, int]:
    """(tasks no longer waiting to be created, all tasks)."""
    parts = p.get("parts") or {}
    total = sum(int(v) for v in parts.values())
    return total - int(parts.get("requested") or 0), total


def all_created(p: dict[str, Any]) -> bool:
    """Every task is created in WeCom (or ended without it: failed, cancelled)."""
    done, total = tasks(p)
    return p.get("state") != "new" and done == total


def ended(p: dict[str, Any]) -> bool:
    """Cancelled, or every task created and every recipient's outcome known."""
    outcomes = p.get("outcomes") or {}
    return p.get("state") == "cancelled" or (all_created(p) and not int(outcomes.get("pending") or 0))


def phase(p: dict[str, Any]) -> str:
    if p.get("state") == "cancelled":
        return "cancelled"
    if ended(p):
        return "done"
    if p.get("state") == "new":
        return "planning"
    return "sending" if all_created(p) else "creating"


def phase_percent(p: dict[str, Any]) -> float:
    """The share of tasks created until all are, then the share of recipients with an outcome."""
    if phase(p) in ("sending", "done", "cancelled"):
        total = int(p.get("recipients") or 0)
        pending = int((p.get("outcomes") or {}).get("pending") or 0)
        return 100.0 * (total - pending) / total if total else 100.0
    done, total = tasks(p)
    return 100.0 * done / total if total else 0.0


def measure(p: dict[str, Any]) -> tuple[float, str]:
    """For ProgressBar: a new log line on a 5 % step of the phase's percentage, or a new phase."""
    return phase_percent(p), phase(p)


def counts(p: dict[str, Any]) -> str:
    """``sent 3, pending 2``: the non-zero outcomes."""
    outcomes = p.get("outcomes") or {}
    return ", ".join(f"{k} {outcomes[k]}" for k in OUTCOME_ORDER if outcomes.get(k))


def line(p: dict[str, Any], width: int = WIDTH, unit: str = CUSTOMERS) -> str:
    """One line: the bar of the current phase, the phase, tasks created, then the recipients (``unit``:
    customers, or groups for a group send) by outcome."""
    ph = phase(p)
    percent = phase_percent(p)
    if ph == "planning":
        return f"{bar(percent, width)} {percent:5.1f}%  planning (resolving {unit}, checking quota)"
    done, total = tasks(p)
    detail = counts(p)
    return (
        f"{bar(percent, width)} {percent:5.1f}%  {ph}  tasks {done}/{total}  {unit} {p.get('recipients') or 0}"
        + (f" ({detail})" if detail else "")
    )
