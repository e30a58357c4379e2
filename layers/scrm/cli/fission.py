"""``scrm fission``: friend fission campaigns (好友裂变, issue 21) — create one (a poster on a background
material, a reward rule: N friends who stay K days, a reward message with a coupon code, the members who
receive the friends, start and end), list, show, activate, end (its contact ways deleted in WeCom),
coupons-upload (a file of codes, one a line), progress (the inviters: friends pending, confirmed, lost and
their reward) and link (an inviter's signed link to their poster and progress).

The admin API's /admin/fission: bad input is one line with the API's message and the field it names
(``reward_text``, ``poster.qr``, ``members``), and nothing reaches WeCom.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from scrm.cli.actions import action, area, arg
from scrm.cli.client import connect
from scrm.cli.common import print_json, show_list, table
from scrm.cli.follow import CORP
from scrm.cli.transfer_progress import clock

CAMPAIGN = arg("campaign_id", metavar="CAMPAIGN", help="the campaign's id (scrm fission list)")


def _when(text: str) -> int:
    from scrm.cli.moments import _when as when

    return when(text)


def describe(c: dict[str, Any]) -> str:
    pool = c.get("pool") or {}
    rows: list[tuple[str, Any]] = [
        ("campaign", c.get("campaign_id")),
        ("name", c.get("name")),
        ("status", c.get("status") + (" (contact ways still being deleted)" if c.get("ways_left") else "")),
        ("rule", f"{c.get('threshold')} friends who stay {c.get('keep_days')} days"),
        ("reward", c.get("reward_text")),
        ("members", ", ".join(c.get("members") or [])),
        ("runs", f"{clock(c.get('start_at'))} → {clock(c.get('end_at'))}"),
        ("background", c.get("background")),
        *([("pool", f"{pool.get('free', 0)} free, {pool.get('used', 0)} drawn")] if pool else []),
        *([("pool ran out", "the admins were told")] if c.get("pool_alerted") else []),
        ("created", f"{clock(c.get('created_at'))} by {c.get('created_by', '')}"),
    ]
    return "\n".join(f"{k + ':':<13}{'' if v is None else v}" for k, v in rows)


def cmd_create(args: argparse.Namespace) -> None:
    """Create a fission campaign (a draft unless --activate). Each inviter's contact way is made in WeCom on
    their first poster request, not now."""
    body: dict[str, Any] = {"name": args.name, "background": args.background, "threshold": args.threshold,
                            "keep_days": args.keep_days, "reward_text": args.reward_text, "members": args.member or [],
                            "end_at": args.end_at, "activate": args.activate}  # fmt: skip
    if args.start_at is not None:
        body["start_at"] = args.start_at
    if args.poster is not None:
        body["poster"] = json.loads(Path(args.poster).read_text())
    c = connect(args, args.corp, detailed=True).post("/admin/fission", body)
    if args.json:
        print_json(c)
        return
    print(f"created fission campaign {c['campaign_id']}")
    print(describe(c))


def cmd_list(args: argparse.Namespace) -> None:
    """The corp's fission campaigns, newest first."""
    items = connect(args, args.corp, detailed=True).get("/admin/fission")["items"]
    rows = lambda xs: table(("CAMPAIGN", "NAME", "STATUS", "RULE", "ENDS"),  # noqa: E731
                            [(c["campaign_id"], c["name"], c["status"], f"{c['threshold']}×{c['keep_days']}d",
                              clock(c["end_at"])) for c in xs])  # fmt: skip
    show_list(args.json, items, f"corp {args.corp} has no fission campaigns", rows, {"items": items})


def cmd_show(args: argparse.Namespace) -> None:
    """A campaign with its coupon pool (free and drawn codes)."""
    c = connect(args, args.corp, detailed=True).get(f"/admin/fission/{args.campaign_id}")
    print_json(c) if args.json else print(describe(c))


def cmd_activate(args: argparse.Namespace) -> None:
    """Activate a draft: posters and counting run from its start to its end."""
    c = connect(args, args.corp, detailed=True).post(f"/admin/fission/{args.campaign_id}/activate")
    print_json(c) if args.json else print(f"campaign {c['campaign_id']} is {c['status']}")


def cmd_end(args: argparse.Namespace) -> None:
    """End a campaign now: no more posters or counting; its contact ways are deleted in WeCom (the rest by
    the minute job when there are many)."""
    c = connect(args, args.corp, detailed=True).post(f"/admin/fission/{args.campaign_id}/end")
    if args.json:
        print_json(c)
        return
    left = c.get("ways_left") or 0
    print(f"ended campaign {c['campaign_id']}; " + (f"{left} contact ways left to delete (the minute job goes on)"
                                                     if left else "every contact way deleted"))  # fmt: skip


def cmd_coupons_upload(args: argparse.Namespace) -> None:
    """Add the codes of a file (one a line; blank lines skipped) to the campaign's pool. A code uploaded
    before is skipped, so a file can be uploaded again. Inviters who reached the threshold while the pool was
    empty get their code now (or from the minute job); the answer says how many."""
    codes = [line.strip() for line in Path(args.file).read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    out = connect(args, args.corp, detailed=True).post(f"/admin/fission/{args.campaign_id}/coupons", {"codes": codes})
    if args.json:
        print_json(out)
        return
    pool = out.get("pool") or {}
    print(f"added {out['added']} codes ({out['duplicates']} uploaded before); pool: {pool.get('free', 0)} free, "
          f"{pool.get('used', 0)} drawn")  # fmt: skip
    if out.get("served"):
        print(f"sent their code to {out['served']} inviters who were waiting for one")
    if out.get("waiting"):
        later = "the minute job sends theirs" if pool.get("free") else "upload more codes"
        print(f"{out['waiting']} inviters still waiting for a code: {later}")


def cmd_progress(args: argparse.Namespace) -> None:
    """The campaign's inviters: friends pending (within K days), confirmed and lost, and their reward."""
    api = connect(args, args.corp, detailed=True)
    items: list[dict[str, Any]] = []
    after = ""
    while True:
        page = api.get(f"/admin/fission/{args.campaign_id}/progress", {"after": after, "limit": 200} if after else {"limit": 200})
        items += page["items"]
        after = page.get("next_after") or ""
        if not after:
            break
    rows = lambda xs: table(("INVITER", "NAME", "PENDING", "CONFIRMED", "LOST", "REWARD", "CODE"),  # noqa: E731
                            [(i["external_userid"], i["name"], i["pending"], i["confirmed"], i["lost"],
                              i["reward_state"] or "-", i["reward_code"] or "-") for i in xs])  # fmt: skip
    show_list(args.json, items, f"campaign {args.campaign_id} has no inviters yet", rows, {"items": items})


def cmd_link(args: argparse.Namespace) -> None:
    """An inviter's signed link (30 days) to their poster and progress: what the welcome message carries."""
    out = connect(args, args.corp, detailed=True).get(f"/admin/fission/{args.campaign_id}/link",
                                                       {"external_userid": args.external_userid})  # fmt: skip
    print_json(out) if args.json else print(f"page:     {out['page']}\nposter:   {out['poster']}\n"
                                          f"progress: {out['progress']}")


def _create_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="what the admin calls it (1..64 characters)")
    p.add_argument("--background", required=True, metavar="MATERIAL_ID", help="an image material: the poster's background")
    p.add_argument("--threshold", type=int, required=True, metavar="N", help="friends an inviter must bring")
    p.add_argument("--keep-days", type=int, required=True, metavar="K", help="days each friend must stay")
    p.add_argument("--reward-text", required=True, help="the reward message; {code} is where the coupon code goes")
    p.add_argument("--member", action="append", metavar="USERID", help="a member who receives the friends (repeat)")
    p.add_argument("--start-at", type=_when, metavar="WHEN", help='unix seconds or "YYYY-MM-DD HH:MM" China time (default now)')
    p.add_argument("--end-at", type=_when, required=True, metavar="WHEN", help='unix seconds or "YYYY-MM-DD HH:MM" China time')
    p.add_argument("--poster", metavar="FILE", help="a JSON file: {width, height, name, avatar, qr} spots")
    p.add_argument("--activate", action="store_true", help="active at once (else a draft)")


def register(sub: Any) -> None:
    """Friend fission campaigns (好友裂变): customers invite friends with a personal poster; each friend who
    adds a member and stays K days counts, and the inviter gets a coupon code at N friends."""
    fs = area(sub, "fission", "fission campaigns (好友裂变): create, list, show, activate, end, coupons-upload, "
              "progress, link", description=register.__doc__)  # fmt: skip
    action(fs, "create", cmd_create, "create a campaign", CORP, _create_flags)
    action(fs, "list", cmd_list, "the corp's campaigns", CORP)
    action(fs, "show", cmd_show, "a campaign and its coupon pool", CORP, CAMPAIGN)
    action(fs, "activate", cmd_activate, "activate a draft", CORP, CAMPAIGN)
    action(fs, "end", cmd_end, "end a campaign and delete its contact ways", CORP, CAMPAIGN)
    action(fs, "coupons-upload", cmd_coupons_upload, "add coupon codes from a file (one a line)", CORP, CAMPAIGN,
           arg("file", metavar="FILE", help="codes, one a line"))  # fmt: skip
    action(fs, "progress", cmd_progress, "the inviters and their friends and rewards", CORP, CAMPAIGN)
    action(fs, "link", cmd_link, "an inviter's signed poster link", CORP, CAMPAIGN,
           arg("external_userid", metavar="EXTERNAL_USERID", help="the inviter (a customer)"))  # fmt: skip
