"""``scrm login``: check an admin API key and keep it in a profile, so that later commands need no key on
their command line (where shell history and process lists would show it)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from scrm.cli.actions import action, arg
from scrm.cli.client import Api, whoami
from scrm.cli.common import CliError, print_json
from scrm.cli.profiles import DEFAULT, Profile, save


def cmd_login(args: argparse.Namespace) -> None:
    """Check an admin API key (GET /admin/whoami) and save the URL and key as a profile in $SCRM_CONFIG
    or ~/.config/scrm/profiles.toml (mode 0600). The key decides the corp of every command run with
    this profile. SCRM_API_URL and SCRM_API_KEY override the profile."""
    key = args.key
    if key == "-":
        key = sys.stdin.readline().strip()
    elif key is None:
        key = getpass.getpass("admin API key: ").strip() if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not key:
        raise CliError("no key given (--key KEY, --key - to read it from stdin)")
    profile = Profile(args.profile or DEFAULT, args.url.rstrip("/"), key)
    me = whoami(Api(profile))  # a bad key or URL fails here, before anything is saved
    path = save(profile)
    if args.json:
        print_json({"profile": profile.name, "url": profile.url, **me, "config": str(path)})
        return
    print(f"logged in: profile {profile.name} → corp {me['corp_id']} as {me['role']} (key {me['key_id']})")
    print(f"saved in {path} (mode 0600)")


def register(sub: Any) -> None:
    action(sub, "login", cmd_login, "check an admin API key and save it in a profile (do this first)",
           arg("--url", required=True, help="the admin API's base URL (the AdminApiUrl output)"),
           arg("--key", help="the key (scrm keys create prints it); '-' or none: read it from stdin"))  # fmt: skip
