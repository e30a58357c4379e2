"""How ``scrm transfers … --wait`` shows a handover job (a ``scrm.transfers.progress.summarize`` dict).

A handover has two speeds: sending every customer and group to WeCom takes seconds to minutes, while
WeCom's answers for customers come after its 24 h acceptance window. So the bar first follows
``requested_percent`` (phase "requesting") and, once everything is sent, ``settled_percent`` (phase
"settling"), which a person watching may leave with Ctrl-C. Pure: no clock, no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrm.cli.progress import WIDTH, bar

ENDED = ("finished", "cancelled")
CUSTOMER_ORDER = ("requested", "waiting", "done", "refused", "taker_limit", "failed", "cancelled", "reassigned")
GROUP_ORDER = ("requested", "queued", "done", "failed", "cancelled")


def all_requested(p: dict[str, Any]) -> bool:
    """Every customer and group has been sent to WeCom (or ended without it: cancelled, failed)."""
    return p.get("state") != "planning" and float(p.get("requested_percent") or 0) >= 100


def ended(p: dict[str, Any]) -> bool:
    return p.get("state") in ENDED


def phase(p: dict[str, Any]) -> str:
    """planning, requesting, settling, or the job's end state (finished / cancelled)."""
    if ended(p):
        return str(p["state"])
    if p.get("state") == "planning":
        return "planning"
    return "settling" if all_requested(p) else "requesting"


def phase_percent(p: dict[str, Any]) -> float:
    """What the bar shows: the share sent to WeCom until all is, then the share with an outcome."""
    key = "settled_percent" if phase(p) in ("settling", *ENDED) else "requested_percent"
    return float(p.get(key) or 0)


def measure(p: dict[str, Any]) -> tuple[float, str]:
    """For ProgressBar: a new log line on a 5 % step of the phase's percentage, or a new phase."""
    return phase_percent(p), phase(p)


def counts(section: dict[str, Any] | None, order: tuple[str, ...]) -> str:
    """``waiting 3, done 2`` from ``{"total": 5, "waiting": 3, "done": 2, "failed": 0}``: non-zero states."""
    section = section or {}
    return ", ".join(f"{s} {section[s]}" for s in order if section.get(s))


def _part(name: str, section: dict[str, Any] | None, order: tuple[str, ...], sending: bool) -> str:
    section = section or {}
    total = int(section.get("total") or 0)
    if sending:
        waiting_to_send = int(section.get("requested") or 0) + int(section.get("queued") or 0)
        return f"{name} {total - waiting_to_send}/{total} sent"
    detail = counts(section, order)
    return f"{name} {total}" + (f" ({detail})" if detail else "")


def clock(seconds: int | float | None) -> str:
    """Unix seconds as UTC time to the minute; '' for none."""
    if not seconds:
        return ""
    return datetime.fromtimestamp(float(seconds), UTC).strftime("%Y-%m-%d %H:%MZ")


def line(p: dict[str, Any], width: int = WIDTH) -> str:
    """One line: the bar of the current phase, the phase, then customers and groups (sent out of all while
    requesting, by state afterwards) and when settling the next scheduled check."""
    ph = phase(p)
    percent = phase_percent(p)
    sending = ph in ("planning", "requesting")
    if ph == "planning":
        return f"{bar(percent, width)} {percent:5.1f}%  planning (listing the customers and groups, splitting them)"
    text = (
        f"{bar(percent, width)} {percent:5.1f}%  {ph}  "
        f"{_part('customers', p.get('customers'), CUSTOMER_ORDER, sending)}  "
        f"{_part('groups', p.get('groups'), GROUP_ORDER, sending)}"
    )
    if ph == "settling" and p.get("next_check_at"):
        text += f"  next check {clock(p['next_check_at'])}"
    if p.get("error"):
        text += f"  error: {' '.join(str(p['error']).split())}"
    return text
