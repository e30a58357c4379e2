"""``scrm moments``: moment tasks (客户朋友圈, issue 20) — create one (a text with up to 9 image materials, one
video material or one link, for some members or all, seen by customers with some tags or all), list, show
(which asks WeCom's creation job while it runs), cancel, and progress (who posted it: overall and per
department, as WeCom's results were last read; --csv member|department prints the API's CSV).

The admin API's /admin/moments, as the console uses it: bad input is one line with the API's message and the
field it names (``images[1]``, ``link.cover``, ``senders[0]``), and nothing reaches WeCom.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from scrm.cli.actions import action, area, arg
from scrm.cli.client import Api, connect
from scrm.cli.common import print_json, show_list, table
from scrm.cli.follow import CORP, LIMIT
from scrm.cli.transfer_progress import clock

STATE_TEXT = {
    "new": "not made in WeCom yet",
    "calling": "being made in WeCom",
    "job": "WeCom is making it (show reads how it stands)",
    "created": "made: members have the task in WeCom",
    "failed": "WeCom refused it",
    "cancelled": "cancelled",
}
OPEN = ("new", "calling", "job")
TASK = arg("moment_task_id", metavar="TASK", help="the task's id (scrm moments list)")


def _path(task_id: str) -> str:
    return f"/admin/moments/{task_id}"


def attachments(spec: dict[str, Any]) -> str:
    """What the task carries, in a few words."""
    if spec.get("images"):
        return f"{len(spec['images'])} image(s): {', '.join(spec['images'])}"
    if spec.get("video"):
        return f"video {spec['video']}"
    link = spec.get("link")
    if link:
        return f"link {link.get('title', '')!r} {link.get('url', '')} (cover {link.get('cover', '')})"
    return "none"


SHOWN_INVALID = 20  # ids printed per list; --json has them all (the first 1,000)


def describe(m: dict[str, Any]) -> str:
    """A task as labelled lines: what was asked, its state, and WeCom's answer."""
    spec = m.get("spec") or {}
    senders = spec.get("senders") or 0
    departments = spec.get("departments") or []
    who = f"{senders} member(s)" if senders else ""
    if departments:
        who += (", " if who else "") + f"departments {', '.join(str(d) for d in departments)}"
    rows: list[tuple[str, Any]] = [
        ("task", m.get("moment_task_id")),
        ("name", spec.get("name", "")),
        ("state", f"{m.get('state')} ({STATE_TEXT.get(m.get('state', ''), '')})"),
        ("text", " ".join(str(spec.get("text") or "").split()) or "(none)"),
        ("attachments", attachments(spec)),
        ("senders", who or "every member the app sees"),
        ("tags", ", ".join(spec.get("tags") or []) or "none (every customer of each sender)"),
        *([("scheduled", clock(spec["schedule_at"]))] if spec.get("schedule_at") else []),
        ("created", f"{clock(m.get('created_at'))} by {m.get('created_by', '')}"),
        ("jobid", m.get("jobid") or "-"),
        ("moment_id", m.get("moment_id") or "-"),
        ("invalid", f"senders {m.get('invalid_senders') or 0}, tags {m.get('invalid_customers') or 0}"),
    ]
    for label, key in (("  senders", "invalid_sender_list"), ("  tags", "invalid_customer_list")):
        if m.get(key):
            shown = m[key][:SHOWN_INVALID]
            more = len(m[key]) - len(shown)
            rows.append((label, ", ".join(shown) + (f" and {more} more (--json)" if more > 0 else "")))
    if m.get("state") == "failed":
        code = m.get("error")
        rows.append(("error", f"{'' if code is None else code} {m.get('reason') or ''}".strip()))
    if m.get("cancelled_at"):
        rows.append(("cancelled", clock(m["cancelled_at"])))
    elif m.get("cancel_pending"):
        rows.append(("cancel", "asked: done once WeCom's job has made the moment"))
    return "\n".join(f"{k + ':':<13}{'' if v is None else v}" for k, v in rows)


def request_body(args: argparse.Namespace) -> dict[str, Any]:
    """The admin API's body from the command line (checked by the API, which names the field it refuses)."""
    body: dict[str, Any] = {"name": args.name}
    if args.text is not None:
        body["text"] = args.text
    if args.image:
        body["images"] = args.image
    if args.video is not None:
        body["video"] = args.video
    if any(v is not None for v in (args.link_title, args.link_url, args.link_cover)):
        body["link"] = {"title": args.link_title or "", "url": args.link_url or "", "cover": args.link_cover or ""}
    if args.sender:
        body["senders"] = args.sender
    if args.department:
        body["departments"] = args.department
    if args.tag:
        body["tags"] = args.tag
    if args.request_id is not None:
        body["request_id"] = args.request_id
    if args.schedule_at is not None:
        body["schedule_at"] = args.schedule_at
    if args.remind_after_hours is not None:
        body["remind_after_hours"] = args.remind_after_hours
    return body


def _when(text: str) -> int:
    """Unix seconds, or a China time "YYYY-MM-DD HH:MM" (what an operator types)."""
    from datetime import datetime

    from scrm.kernel.china_time import CHINA

    if text.isdigit():
        return int(text)
    try:
        return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CHINA).timestamp())
    except ValueError:
        raise argparse.ArgumentTypeError(f'unix seconds or "YYYY-MM-DD HH:MM" (China time): {text!r}') from None


def _wait(api: Api, task: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Reads the task (each read asks WeCom's job) until WeCom has made it or refused it, or the time is up."""
    deadline = time.monotonic() + timeout_s
    while task.get("state") in OPEN and time.monotonic() < deadline:
        time.sleep(1)
        task = api.get(_path(task["moment_task_id"]))
    return task


def cmd_create(args: argparse.Namespace) -> None:
    """Create a moment task: members get a task in WeCom to post the text with its images, video or link to
    their customers (only those carrying one of --tag, if given). The images, video and link cover are
    materials of the library (scrm materials list --kind image). WeCom makes the task asynchronously: its
    state is `job` until a read finds it made (--wait reads until then; or scrm moments show). The same
    request again (same --request-id) returns the same task."""
    api = connect(args, args.corp, detailed=True)
    answer = api.post("/admin/moments", request_body(args))
    task, created = answer["moment"], answer["created"]
    if args.wait:
        task = _wait(api, task, args.timeout)
    if args.json:
        print_json({"created": created, "moment": task})
        return
    print(f"{'created' if created else 'the same request again, so the same'} moment task {task['moment_task_id']}")
    print(describe(task))
    if task.get("state") in OPEN:
        print(f"\nhow it stands: scrm moments show {args.corp} {task['moment_task_id']}")


def cmd_list(args: argparse.Namespace) -> None:
    """The corp's moment tasks, newest first (their state as last read: show reads WeCom's job)."""
    items = connect(args, args.corp, detailed=True).get("/admin/moments", {"limit": args.limit})["items"]
    show_list(args.json, items, f"corp {args.corp} has no moment tasks", list_table, {"items": items})


def list_table(items: list[dict[str, Any]]) -> str:
    rows = [(m["moment_task_id"], (m.get("spec") or {}).get("name", ""), m.get("state"),
             (m.get("spec") or {}).get("senders") or "all", clock(m.get("created_at")), m.get("moment_id") or "-")
            for m in items]  # fmt: skip
    return table(("TASK", "NAME", "STATE", "SENDERS", "CREATED", "MOMENT_ID"), rows)


def cmd_show(args: argparse.Namespace) -> None:
    """A moment task: what was asked, its state, WeCom's moment_id, the senders and tags WeCom could not
    take, and WeCom's code and reason if it refused. While WeCom's job runs, this read asks it."""
    api = connect(args, args.corp, detailed=True)
    task = api.get(_path(args.moment_task_id))
    if args.wait:
        task = _wait(api, task, args.timeout)
    if args.json:
        print_json(task)
        return
    print(describe(task))


def cmd_cancel(args: argparse.Namespace) -> None:
    """Cancel a moment task: before WeCom made it, nothing is made; after, it is cancelled in WeCom
    (cancel_moment_task). Members who already posted keep their post: WeCom cannot withdraw it."""
    task = connect(args, args.corp, detailed=True).post(f"{_path(args.moment_task_id)}/cancel")
    if args.json:
        print_json(task)
        return
    if task.get("state") == "cancelled":
        print(f"cancelled moment task {args.moment_task_id}" + (" in WeCom" if task.get("moment_id") else ""))
    else:
        print(f"moment task {args.moment_task_id}: cancel kept; WeCom is still making it, and the read that finds "
              f"it made cancels it (scrm moments show {args.corp} {args.moment_task_id})")  # fmt: skip


def cmd_refresh(args: argparse.Namespace) -> None:
    """Read WeCom's results again now: the scheduled job's next run (within a minute) reads who posted,
    reached, liked and commented from the first member, instead of waiting for its 10-minute round."""
    task = connect(args, args.corp, detailed=True).post(f"{_path(args.moment_task_id)}/refresh")
    if args.json:
        print_json(task)
        return
    print(f"moment task {args.moment_task_id}: results will be read again within a minute "
          f"(scrm moments progress {args.corp} {args.moment_task_id})")  # fmt: skip


def progress_text(p: dict[str, Any], task_id: str) -> str:
    """The overall figures, when WeCom's results were last read, then one row per department (most members
    first)."""
    read = f"results read {clock(p['results_at'])}" if p.get("results_at") else "results not read yet (read every 10 minutes)"
    lines = [
        f"moment task {task_id} ({p.get('state')}): posted {p.get('posted', 0)} / {p.get('members', 0)} members "
        f"({float(p.get('rate') or 0) * 100:.1f}%), customers who could see it {p.get('visible', 0)}, "
        f"reached {p.get('reached', 0)}, likes {p.get('likes', 0)}, comments {p.get('comments', 0)}",
        read,
    ]
    departments = sorted(p.get("by_department") or [], key=lambda d: (-int(d.get("members") or 0), d.get("department", 0)))
    if departments:
        rows = [(d.get("department"), d.get("name") or "-", d.get("members"), d.get("posted"),
                 f"{float(d.get('rate') or 0) * 100:.1f}%") for d in departments]  # fmt: skip
        lines += ["", table(("DEPARTMENT", "NAME", "MEMBERS", "POSTED", "RATE"), rows)]
    return "\n".join(lines)


def cmd_progress(args: argparse.Namespace) -> None:
    """Who posted the moment: overall (members, posted, rate, customers who could see it, reached, likes,
    comments) and per department (a store), as WeCom's results were last read (every 10 minutes for 7 days after the task was
    made). --json: the whole answer; --csv member|department: the API's CSV rows (every member's, or the departments');
    the members page by page: scrm moments members."""
    api = connect(args, args.corp, detailed=True)
    path = f"{_path(args.moment_task_id)}/progress"
    if args.csv:
        sys.stdout.write(str(api.get(path, {"format": "csv", "by": args.csv})).lstrip("\ufeff"))
        return
    p = api.get(path)
    if args.json:
        print_json(p)
        return
    print(progress_text(p, args.moment_task_id))


def cmd_members(args: argparse.Namespace) -> None:
    """The members' rows, in userid order: whether each posted, the customers who could see it and it
    reached, likes, comments, and the reminder. --posted no: the members to chase."""
    api = connect(args, args.corp, detailed=True)
    params = {"limit": str(args.limit), **({"posted": args.posted} if args.posted else {})}
    path = f"{_path(args.moment_task_id)}/members"
    if args.all:  # every page: the API answers --limit a page
        result = {"items": [m for page in api.pages(path, params) for m in page["items"]], "next_cursor": ""}
    else:
        result = api.get(path, params)
    if args.json:
        print_json(result)
        return
    rows = [(m["userid"], "posted" if m["published"] else "not posted", m["visible"], m["reached"], m["likes"],
             m["comments"], m["reminded"] or "-") for m in result["items"]]  # fmt: skip
    if not rows:
        print(f"moment task {args.moment_task_id}: no members" + (" with that filter" if args.posted else
                                                                    " read yet (results are read every 10 minutes)"))  # fmt: skip
    else:
        print(table(("USERID", "POSTED", "VISIBLE", "REACHED", "LIKES", "COMMENTS", "REMINDED"), rows))
    if result.get("next_cursor"):
        print(f"more members: --all reads every page (--limit {args.limit} a page)")


def _members_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--posted", choices=("yes", "no"), help="only the members who posted (yes) or not (no)")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="rows a page, 1..200 (default 50)")
    p.add_argument("--all", action="store_true", help="read every page")


def _progress_flags(p: argparse.ArgumentParser) -> None:
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", choices=("member", "department"), help="print the API's CSV: one row per member or per department")
    out.add_argument("--json", action="store_true", help="the whole answer as JSON")


# the parser ------------------------------------------------------------------------------------------
def _department(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a department id (a positive integer): {text!r}")
    return int(text)


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"seconds, more than 0: {text!r}")
    return value


def _wait_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wait", action="store_true", help="read the task until WeCom has made it (or refused it)")
    p.add_argument("--timeout", type=_timeout, default=60.0, metavar="S", help="with --wait: at most S seconds (default 60)")


def _create_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="what the admin calls it (1..64 characters)")
    p.add_argument("--text", help="what members post (≤ 2,000 characters)")
    p.add_argument("--image", action="append", metavar="MATERIAL_ID",
                   help="an image material of the library (repeat for more, in order; ≤ 9)")  # fmt: skip
    p.add_argument("--video", metavar="MATERIAL_ID", help="a video material of the library (WeCom allows 30 s)")
    p.add_argument("--link-title", metavar="TEXT", help="a link's title (≤ 64 bytes)")
    p.add_argument("--link-url", metavar="URL", help="a link's http(s) URL")
    p.add_argument("--link-cover", metavar="MATERIAL_ID", help="a link's cover: an image material (WeCom requires one)")
    p.add_argument("--sender", action="append", metavar="USERID",
                   help="a member who gets the task (repeat for more; with no --department either: every member the app sees)")  # fmt: skip
    p.add_argument("--department", action="append", type=_department, metavar="ID", help=(
        "a department (a store) whose members get the task (repeat for more; WeCom names the ones it does not know)"))
    p.add_argument("--tag", action="append", metavar="TAG_ID",
                   help="a corp tag: only customers carrying one of them see the post (repeat for more)")  # fmt: skip
    p.add_argument("--request-id", metavar="X", help="makes a retry return the same task (≤ 64 characters)")
    p.add_argument("--schedule-at", type=_when, metavar="WHEN", help=(
        'made in WeCom by the minute job once due: unix seconds or "YYYY-MM-DD HH:MM" China time (≤ 30 days)'))
    p.add_argument("--remind-after-hours", type=int, metavar="H", help=(
        "members who have not posted H hours after the moment exists get an app message (default 24; 0 never)"))
    _wait_flags(p)


def register(sub: Any) -> None:
    """Moment tasks (客户朋友圈). WeCom does not post for the company: each member gets a task
    (add_moment_task) to post the text and attachments to their customers' moments."""
    ms = area(sub, "moments", "moment tasks (客户朋友圈): create, list, show, cancel, refresh, progress, members", description=register.__doc__)
    action(ms, "create", cmd_create, "create a moment task (a repeat of the same request returns the same task)",
           CORP, _create_flags)  # fmt: skip
    action(ms, "list", cmd_list, "the corp's moment tasks", CORP, LIMIT)
    action(ms, "show", cmd_show, "a moment task, WeCom's job asked while it runs", CORP, TASK, _wait_flags)
    action(ms, "cancel", cmd_cancel, "cancel a moment task (in WeCom too once it is made)", CORP, TASK)
    action(ms, "refresh", cmd_refresh, "read WeCom's results again within a minute", CORP, TASK)
    action(ms, "members", cmd_members, "the members' rows: who posted, reached, likes, comments, reminder",
           CORP, TASK, _members_flags)  # fmt: skip
    action(ms, "progress", cmd_progress, "who posted it: overall and per department (a store)", CORP, TASK, _progress_flags,
           json=False)  # fmt: skip
