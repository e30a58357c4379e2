"""``scrm sops``: SOPs (timed message plans) — create one from a JSON plan, list, show its steps, update,
pause, resume, delete, and see its progress (the mass sends its due steps became, completion per member).

The same service as the admin API's /admin/sops (scrm.sops.service), so a plan saved here is the one
the API shows. A plan is a JSON file rather than flags: its steps are a list of objects (trigger, time,
text, attachments) that flags could not say clearly. The format is the API's body (docs/cli.md § sops).
Bad input is one line naming the field; a file that cannot be read or parsed, one line naming the file.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrm.cli.actions import action, area, arg
from scrm.cli.client import Api, connect
from scrm.cli.common import CliError, add_json, print_json, show_list, table, text_width
from scrm.cli.follow import CORP, limit
from scrm.cli.transfer_progress import clock

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RELATIVE = ("after_added_days", "after_created_days")
PREVIEW_WIDTH = 48  # terminal columns of a step's message in `show`
KINDS = ("customer", "group")


def _api(args: argparse.Namespace) -> Api:
    return connect(args, args.corp, detailed=True)


# reading a plan --------------------------------------------------------------------------------------
def read_body(path: str) -> Any:
    """The JSON in ``path`` (``-``: stdin). What is wrong with the file is one line naming it; what is
    wrong with the plan is left to the admin API, which names the field."""
    name = "stdin" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CliError(f"{name}: not UTF-8 text") from None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{name}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(body, dict):  # the API takes only an object, and would not name the field
        raise CliError("body: must be an object (field: body)")
    return body


# text output -----------------------------------------------------------------------------------------
def when(step: dict[str, Any]) -> str:
    """When a step falls due, as people say it: "day 3 at 10:00" (days after the customer was added or
    the group created), "2026-12-01 18:00", "Mon,Fri 18:00", "every day 18:00"."""
    at = step.get("at") or "?"
    for key in RELATIVE:
        if key in step:
            return f"day {step[key]} at {at}"
    if "date" in step:
        return f"{step['date']} {at}"
    days = step.get("weekly")
    if isinstance(days, list) and days:
        if sorted(set(days)) == list(range(1, 8)):
            return f"every day {at}"
        names = [WEEKDAYS[d - 1] if isinstance(d, int) and 1 <= d <= 7 else str(d) for d in days]
        return f"{','.join(names)} {at}"
    return at


def shorten(text: str, width: int = PREVIEW_WIDTH) -> str:
    """``text`` on one line, cut to ``width`` terminal columns (Chinese characters take two) with "…"."""
    flat = " ".join(text.split())
    if text_width(flat) <= width:
        return flat
    out, used = "", 0
    for ch in flat:
        w = text_width(ch)
        if used + w > width - 1:
            break
        out, used = out + ch, used + w
    return out.rstrip() + "…"


def preview(step: dict[str, Any], width: int = PREVIEW_WIDTH) -> str:
    """A step's message: its text shortened, then its attachments' kinds ("(+ image, link)")."""
    kinds = [
        str(a.get("msgtype") or "?") if isinstance(a, dict) else "?" for a in step.get("attachments") or []
    ]
    text = shorten(step.get("text") or "", width)
    if not kinds:
        return text
    return f"{text} (+ {', '.join(kinds)})" if text else f"({', '.join(kinds)})"


def _days(rng: Any) -> str:
    rng = rng if isinstance(rng, dict) else {}
    low, high = rng.get("min"), rng.get("max")
    if low is None and high is None:
        return ""
    if low is None:
        return f"≤ {high}"
    return f"≥ {low}" if high is None else f"{low}..{high}"


def targets_text(kind: str, targets: dict[str, Any]) -> str:
    """The non-empty conditions, ``; ``-separated, or who an empty rule means ("every customer")."""
    parts = []
    for key, value in (targets or {}).items():
        if key == "days_since_added":
            if shown := _days(value):
                parts.append(f"days since added {shown}")
        elif isinstance(value, list) and value:
            parts.append(f"{key} {','.join(str(v) for v in value)}")
        elif isinstance(value, str) and value:
            parts.append(f"{key} {value!r}")
    return "; ".join(parts) or ("every group" if kind == "group" else "every customer")


def _labelled(rows: list[tuple[str, Any]]) -> str:
    return "\n".join(f"{k + ':':<12}{'' if v is None else v}" for k, v in rows)


def describe(sop: dict[str, Any]) -> str:
    """A SOP as labelled lines, then its steps as a table (id, when, message)."""
    kind = sop.get("kind") or "customer"
    text = _labelled([
        ("sop", sop.get("sop_id")), ("name", sop.get("name")), ("kind", kind), ("status", sop.get("status")),
        ("targets", targets_text(kind, sop.get("targets") or {})),
        ("created", clock(sop.get("created_at"))), ("updated", clock(sop.get("updated_at"))),
    ])  # fmt: skip
    steps = sop.get("steps") or []
    text += "\n\n" + table(("STEP", "WHEN", "MESSAGE"), [(s.get("id"), when(s), preview(s)) for s in steps])
    anchor = "the group was created" if kind == "group" else "the customer was added"
    note = "times are China time (UTC+8)"
    if any(k in s for s in steps for k in RELATIVE):
        note += f"; day 0 is the day {anchor}"
    return f"{text}\n\n{note}"


def _percent(rate: Any) -> str:
    return f"{100 * float(rate or 0):.1f}%"


def describe_progress(p: dict[str, Any], kind: str = "customer") -> str:
    """A SOP's progress: totals over its latest runs, one row per run (the mass send a due step became),
    then completion per member (recipients handed to them, how many they sent)."""
    unit = "groups" if kind == "group" else "customers"
    runs = p.get("runs") or []
    text = _labelled([
        ("sop", f"{p.get('sop_id')} ({p.get('name')})"), ("runs", len(runs)),
        (unit, f"{p.get('recipients') or 0} (sent {p.get('sent') or 0})"),
        ("completion", _percent(p.get("completion_rate"))),
    ])  # fmt: skip
    if not runs:
        return text + "\n\nno runs yet: no step has fallen due (or the SOP was paused when one did)"
    rows = [(str(r.get("minute") or "").replace("T", " "), r.get("step_id"), r.get("send_id"), r.get("state"),
             r.get("recipients"), _percent(r.get("completion_rate"))) for r in runs]  # fmt: skip
    text += "\n\n" + table(("RUN (CHINA)", "STEP", "SEND", "STATE", unit.upper(), "COMPLETION"), rows)
    members = p.get("members") or []
    if members:
        text += "\n\n" + table(("MEMBER", unit.upper(), "SENT", "COMPLETION"),
                               [(m["userid"], m["recipients"], m["sent"], _percent(m["completion_rate"]))
                                for m in members])  # fmt: skip
    return text


def _saved(args: argparse.Namespace, sop: dict[str, Any], headline: str) -> None:
    """A created or updated SOP: JSON, or the headline, the plan and its notes (on stderr)."""
    if args.json:
        print_json(sop)
        return
    print(headline)
    print(describe(sop))
    for note in sop.get("notes") or []:
        print(f"note: {note}", file=sys.stderr)


# commands --------------------------------------------------------------------------------------------
def cmd_create(args: argparse.Namespace) -> None:
    api = _api(args)
    sop = api.post("/admin/sops", read_body(args.file))
    _saved(args, sop, f"created SOP {sop['sop_id']} ({sop['status']})")


def cmd_list(args: argparse.Namespace) -> None:
    items = _api(args).get("/admin/sops", {"kind": args.kind or ""})["items"]
    show_list(args.json, items, f"corp {args.corp} has no {args.kind + ' ' if args.kind else ''}SOPs", _sops_table,
              {"items": items})  # fmt: skip


def _sops_table(sops: Sequence[dict[str, Any]]) -> str:
    return table(("SOP", "NAME", "KIND", "STATUS", "STEPS", "UPDATED"),
                 [(s["sop_id"], s.get("name"), s.get("kind"), s.get("status"), len(s.get("steps") or []),
                   clock(s.get("updated_at"))) for s in sops])  # fmt: skip


def cmd_show(args: argparse.Namespace) -> None:
    sop = _api(args).get(f"/admin/sops/{args.sop_id}")
    if args.json:
        print_json(sop)
        return
    print(describe(sop))


def cmd_update(args: argparse.Namespace) -> None:
    api = _api(args)
    sop = api.patch(f"/admin/sops/{args.sop_id}", read_body(args.file))
    _saved(args, sop, f"updated SOP {sop['sop_id']}")


def _set_status(args: argparse.Namespace, status: str) -> None:
    api = _api(args)
    sop = api.get(f"/admin/sops/{args.sop_id}")
    already = sop.get("status") == status
    if not already:
        sop = api.post(f"/admin/sops/{args.sop_id}/{'pause' if status == 'paused' else 'resume'}")
    if args.json:
        print_json(sop)
        return
    name = f"SOP {args.sop_id} ({sop.get('name')})"
    if already:
        print(f"{name} is already {status}")
    elif status == "paused":
        print(f"paused {name}: steps that fall due while it is paused are skipped, not sent later")
    else:
        print(f"resumed {name}: its steps are sent as they fall due from now on")


def cmd_pause(args: argparse.Namespace) -> None:
    _set_status(args, "paused")


def cmd_resume(args: argparse.Namespace) -> None:
    _set_status(args, "active")


def cmd_delete(args: argparse.Namespace) -> None:
    result = _api(args).delete(f"/admin/sops/{args.sop_id}")
    if args.json:
        print_json(result)
        return
    print(f"deleted SOP {args.sop_id}: nothing more is sent; tasks already handed to members stay "
          f"(scrm sends list {args.corp} shows their sends; scrm sends cancel {args.corp} SEND withdraws one)")  # fmt: skip


def cmd_progress(args: argparse.Namespace) -> None:
    api = _api(args)
    sop = api.get(f"/admin/sops/{args.sop_id}")
    p = api.get(f"/admin/sops/{args.sop_id}/progress", {"limit": args.limit})
    if args.json:
        print_json(p)
        return
    print(describe_progress(p, sop.get("kind") or "customer"))


# the parser ------------------------------------------------------------------------------------------
PLAN = """{"name": "新客培育", "kind": "customer", "targets": {"employees": ["zhoujun"]},
   "steps": [{"id": "d0", "after_added_days": 0, "at": "10:00", "text": "{name}，欢迎！"},
             {"id": "fri", "weekly": [5], "at": "18:00", "text": "周末见"}]}"""


def _command(
    ss: Any, name: str, fn: Any, helptext: str, description: str, examples: str, *args: Any, sop_id: bool = True
) -> argparse.ArgumentParser:
    """A subcommand with the corp (and the SOP id) argument, --json, ``args``, and its examples after the flags."""
    return action(ss, name, fn, helptext, CORP, *([SOP_ID] if sop_id else []), add_json, *args, json=False,
                  description=textwrap.fill(description, 100),
                  epilog="example:\n" + textwrap.indent(examples.strip("\n"), "  "),
                  formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip


SOP_ID = arg("sop_id", metavar="SOP_ID", help="the SOP's id (scrm sops list)")


def register(sub: Any) -> None:
    ss = area(sub, "sops", "SOPs (timed message plans): create, list, show, update, pause, progress",
              description=textwrap.fill(
                  "SOPs: plans of timed messages to customers (day N after they were added, a date, weekdays) or "
                  "to customer groups (a date, weekdays, day N after the group was created). Each step that falls "
                  "due becomes a mass send: every member gets a task for their customers or groups to confirm in "
                  "WeCom. Times are China time.", 100),
              epilog="example:\n  scrm sops create ww0123456789abcdef --file plan.json\n"
              "  scrm sops progress ww0123456789abcdef 3f9a0c1d2e4b",
              formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip

    _command(ss, "create", cmd_create, "create a SOP from a JSON plan",
                  "Create a SOP from a JSON plan (the admin API's body): name, kind (customer, the default, or "
                  "group), targets, steps, and optionally status (active, the default, or paused). A customer "
                  "step has one of after_added_days, date (YYYY-MM-DD) or weekly ([1..7], 1 is Monday); a "
                  "group step one of after_created_days, date or weekly; each has at (HH:MM, China time) and "
                  "text and/or attachments. docs/cli.md § sops has the whole format.",
                  f"scrm sops create ww0123456789abcdef --file plan.json\n  where plan.json holds\n  {PLAN}\n"
                  "cat plan.json | scrm sops create ww0123456789abcdef --file -",
                  arg("--file", required=True, metavar="PATH", help="the plan, a JSON object (- reads stdin)"),
                  sop_id=False)  # fmt: skip

    _command(ss, "list", cmd_list, "the corp's SOPs, newest first",
                  "The corp's SOPs, newest first: id, name, kind, status, number of steps, last change.",
                  "scrm sops list ww0123456789abcdef --kind group",
                  arg("--kind", choices=KINDS, help="only customer SOPs or only group SOPs"), sop_id=False)  # fmt: skip

    _command(ss, "show", cmd_show, "a SOP: its targets and its steps (id, when, message)",
             "A SOP: status, targets, and its steps as a table of id, when it falls due (\"day 3 at 10:00\", "
             "\"2026-12-01 18:00\", \"Mon,Fri 18:00\"; China time) and the start of its message.",
             "scrm sops show ww0123456789abcdef 3f9a0c1d2e4b")  # fmt: skip

    _command(ss, "update", cmd_update, "change a SOP: only the fields in the JSON file",
                  "Change a SOP: only the fields the JSON file gives (name, status, targets, steps) change. "
                  "steps replaces every step: give each kept step its id, so customers already on their way "
                  "through it keep their place; a step without an id is a new step.",
                  "scrm sops update ww0123456789abcdef 3f9a0c1d2e4b --file steps.json\n"
                  "echo '{\"name\": \"新客培育 v2\"}' | scrm sops update ww0123456789abcdef 3f9a0c1d2e4b --file -",
                  arg("--file", required=True, metavar="PATH", help="the changes, a JSON object (- reads stdin)"))  # fmt: skip

    _command(ss, "pause", cmd_pause, "stop sending a SOP's steps until it is resumed",
             "Pause a SOP: steps that fall due while it is paused are skipped, not sent later. Tasks already "
             "handed to members stay.", "scrm sops pause ww0123456789abcdef 3f9a0c1d2e4b")  # fmt: skip
    _command(ss, "resume", cmd_resume, "send a paused SOP's steps again from now on (steps due while paused are not sent)",
             "Resume a paused SOP: its steps are sent again as they fall due from now on.",
             "scrm sops resume ww0123456789abcdef 3f9a0c1d2e4b")  # fmt: skip
    _command(ss, "delete", cmd_delete, "delete a SOP (tasks already handed to members stay)",
             "Delete a SOP: nothing more is sent for it, and its progress is gone. Tasks already handed to "
             "members are not withdrawn; cancel their mass sends for that (scrm sops progress before the "
             "delete, or scrm sends list, shows them; scrm sends cancel withdraws one).",
             "scrm sops delete ww0123456789abcdef 3f9a0c1d2e4b")  # fmt: skip

    _command(ss, "progress", cmd_progress, "a SOP's runs and completion per member",
                  "A SOP's latest runs (each a mass send made when a step fell due: its minute in China time, "
                  "step, send, state, recipients, completion) and, over them, each member's recipients, how "
                  "many they sent, and their completion rate. scrm sends show CORP SEND details one run.",
                  "scrm sops progress ww0123456789abcdef 3f9a0c1d2e4b --limit 5",
                  arg("--limit", type=limit, default=20, help="the latest N runs, 1..200 (default: 20)"))  # fmt: skip
