"""``scrm keys``: API keys of the admin API, per corp, with a role (admin: read and write; viewer: read)."""

from __future__ import annotations

import argparse
from typing import Any

from scrm.cli.common import CliError, add_json, moment, print_json, require_corp, subcommands, table, warn

ROLES = ("admin", "viewer")


def cmd_create(args: argparse.Namespace) -> None:
    from scrm import bootstrap
    from scrm.corps.api_key import Role

    require_corp(args.corp_id)
    created = bootstrap.api_keys().create(args.corp_id, Role(args.role), args.name or "")
    if args.json:
        print_json(created)
    else:
        named = f" ({created['name']})" if created["name"] else ""
        print(f"created {created['role']} key {created['key_id']}{named} for corp {created['corp_id']}")
        print(created["key"])
    warn("the key is shown this once and is not stored (only its hash is): keep it now")


def cmd_list(args: argparse.Namespace) -> None:
    from scrm import bootstrap

    require_corp(args.corp_id)
    keys = sorted(bootstrap.api_keys().list(args.corp_id), key=lambda k: (k["created_at"] or 0, k["key_id"]))
    if args.json:
        print_json(keys)
        return
    if not keys:
        print(f"corp {args.corp_id} has no API keys")
        return
    rows = [
        (
            k["key_id"],
            k["role"],
            k["name"],
            moment((k["created_at"] or 0) * 1000),
            "revoked" if k["revoked"] else "active",
        )
        for k in keys
    ]
    print(table(("KEY_ID", "ROLE", "NAME", "CREATED", "STATE"), rows))


def cmd_revoke(args: argparse.Namespace) -> None:
    from scrm import bootstrap

    require_corp(args.corp_id)
    if not bootstrap.api_keys().revoke(args.corp_id, args.key_id):
        raise CliError(f"no key {args.key_id} in corp {args.corp_id}")
    ttl = bootstrap.settings().api_key_cache_ttl_s
    print(
        f"revoked key {args.key_id} of corp {args.corp_id} (running API containers may still accept it "
        f"for up to {ttl:g} s)"
    )


def register(sub: Any) -> None:
    keys = sub.add_parser("keys", help="create, list and revoke admin API keys of a corp")
    ks = subcommands(keys)
    create = ks.add_parser(
        "create",
        help="create a key (printed once)",
        description="Create an admin API key for a corp. The key is printed this once: only its SHA-256 is "
        "stored, so it cannot be shown again (revoke it and create another if it is lost).",
    )
    create.add_argument("corp_id", metavar="CORP")
    create.add_argument(
        "--role", required=True, choices=ROLES, help="admin: read and write; viewer: read only"
    )
    create.add_argument("--name", default="", help="what the key is for (shown in 'keys list')")
    add_json(create)
    create.set_defaults(func=cmd_create)
    ls = ks.add_parser(
        "list",
        help="list a corp's keys (ids, roles, names; never the keys)",
        description="List a corp's API keys, revoked ones included. Keys themselves are not stored.",
    )
    ls.add_argument("corp_id", metavar="CORP")
    add_json(ls)
    ls.set_defaults(func=cmd_list)
    rv = ks.add_parser(
        "revoke",
        help="revoke a key",
        description="Revoke a key by its id. API containers cache keys briefly, so a revoked key may "
        "work for a few more seconds.",
    )
    rv.add_argument("corp_id", metavar="CORP")
    rv.add_argument("key_id", metavar="KEY_ID", help="the id from 'keys create' or 'keys list'")
    rv.set_defaults(func=cmd_revoke)
