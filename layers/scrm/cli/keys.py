"""``scrm keys``: API keys of the admin API, per corp, with a role (admin: read and write; viewer: read)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from scrm.cli.actions import CORP_ID, action, area, arg
from scrm.cli.common import CliError, moment, print_json, require_corp, show_list, table, warn

ROLES = ("admin", "viewer")


def cmd_create(args: argparse.Namespace) -> None:
    """Create an admin API key for a corp. The key is printed this once: only its SHA-256 is stored, so it
    cannot be shown again (revoke it and create another if it is lost)."""
    from scrm import bootstrap
    from scrm.domain.api_key import Role

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
    """List a corp's API keys, revoked ones included. Keys themselves are not stored."""
    from scrm import bootstrap

    require_corp(args.corp_id)
    keys = sorted(bootstrap.api_keys().list(args.corp_id), key=lambda k: (k["created_at"] or 0, k["key_id"]))
    show_list(args.json, keys, f"corp {args.corp_id} has no API keys", _table)


def _table(keys: Sequence[dict[str, Any]]) -> str:
    rows = [
        (k["key_id"], k["role"], k["name"], moment((k["created_at"] or 0) * 1000), "revoked" if k["revoked"] else "active")
        for k in keys
    ]
    return table(("KEY_ID", "ROLE", "NAME", "CREATED", "STATE"), rows)


def cmd_revoke(args: argparse.Namespace) -> None:
    """Revoke a key by its id. API containers cache keys briefly, so a revoked key may work for a few more
    seconds."""
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
    ks = area(sub, "keys", "create, list and revoke admin API keys of a corp")
    action(ks, "create", cmd_create, "create a key (printed once)",
           CORP_ID, arg("--role", required=True, choices=ROLES, help="admin: read and write; viewer: read only"),
           arg("--name", default="", help="what the key is for (shown in 'keys list')"))  # fmt: skip
    action(ks, "list", cmd_list, "list a corp's keys (ids, roles, names; never the keys)", CORP_ID)
    action(ks, "revoke", cmd_revoke, "revoke a key", CORP_ID, arg("key_id", metavar="KEY_ID", help="the id from 'keys create' or 'keys list'"),
           json=False)  # fmt: skip
