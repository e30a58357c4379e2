"""``scrm roles``: who may use the web console of a corp, and as what (an operator command: AWS credentials).

The console logs WeCom members in; a member needs a role in the corp's table: admin (everything, roles
included), operator (codes, sends, SOPs, transfers, sync, tag and customer edits) or viewer (read only).
Grant the corp's first admin here; admins grant the rest in the console (or PUT /admin/roles/{userid}).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from scrm.cli.actions import action, area, arg
from scrm.cli.common import CliError, moment, print_json, require_corp, show_list, table

ROLES = ("admin", "operator", "viewer")
CORP = arg("--corp", dest="corp_id", metavar="CORP", required=True, help="the corp id (ww…)")
USERID = arg("--userid", metavar="USERID", required=True, help="the member's WeCom userid")


def _auth() -> Any:
    from scrm.staff_auth.wiring import staff_auth

    return staff_auth()


def cmd_grant(args: argparse.Namespace) -> None:
    """Give a WeCom member a console role in a corp (replacing the one they have). Unlike the console, this
    works before the corp's first sync and may demote the last admin: it is how the first admin is made,
    and how a locked-out corp is repaired. The member's open sessions take the new role at their next
    request."""
    from scrm.kernel.errors import DomainError

    require_corp(args.corp_id)
    try:
        grant = _auth().grant(args.corp_id, args.userid, args.role, "cli", operator=True)
    except DomainError as exc:
        raise CliError(exc.message) from None
    if args.json:
        print_json(grant)
    else:
        named = f" ({grant['name']})" if grant["name"] else " (not in the last sync)"
        print(f"granted {grant['role']} to {grant['userid']}{named} in corp {args.corp_id}")


def cmd_list(args: argparse.Namespace) -> None:
    """List the corp's console roles: every member with one, by userid."""
    require_corp(args.corp_id)
    show_list(args.json, _auth().list_roles(args.corp_id), f"corp {args.corp_id} has no console roles", _table)


def _table(roles: Sequence[dict[str, Any]]) -> str:
    rows = [(r["userid"], r["role"], r["name"], moment(int(r["granted_at"]) * 1000), r["granted_by"]) for r in roles]
    return table(("USERID", "ROLE", "NAME", "GRANTED", "BY"), rows)


def cmd_revoke(args: argparse.Namespace) -> None:
    """Take a member's console role away; their sessions end at their next request. The last admin may be
    revoked here (not in the console)."""
    from scrm.kernel.errors import DomainError

    require_corp(args.corp_id)
    try:
        _auth().revoke(args.corp_id, args.userid, operator=True)
    except DomainError as exc:
        raise CliError(exc.message) from None
    print(f"revoked the console role of {args.userid} in corp {args.corp_id}")


def register(sub: Any) -> None:
    rs = area(sub, "roles", "grant, list and revoke console roles of a corp's members")
    action(rs, "grant", cmd_grant, "give a member a console role (the first admin starts here)", CORP, USERID,
           arg("--role", required=True, choices=ROLES,
               help="admin: everything, roles too; operator: run codes, sends, SOPs, transfers, sync, edits; "
                    "viewer: read only"))  # fmt: skip
    action(rs, "list", cmd_list, "list the corp's console roles", CORP)
    action(rs, "revoke", cmd_revoke, "take a member's console role away", CORP, USERID, json=False)
