"""A one-click console login for `make dev` and `make demo`: the corp's first member is granted the admin role
with the CLI (`scrm roles grant`, as an operator does for a real corp's first admin), the sandbox's login page
for the corp's app is told to confirm as that member at once (its ``auto_confirm_userid``, the way the WeCom
client skips the page for snsapi_base), and the console's config names the corp. Opening
``<console>/login?start=1`` then goes through the real flow — GET /admin/auth/login-url, the sandbox's
/wwlogin/sso/login, the callback, POST /admin/auth/login — and lands on the dashboard as that admin.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from devstack.sandbox_client import SandboxClient
from devstack.stack import Stack


def open_console(stack: Stack, corp_id: str, agent_id: Any, userid: str = "") -> dict[str, str]:
    """Grant ``userid`` (default: the corp's first member) admin, auto-confirm them on the sandbox's login page,
    point the console at the corp. Returns {userid, name, url} where url is the one-click login."""
    sandbox = SandboxClient(stack.sandbox_url)
    members = [e for e in sandbox.corp(corp_id)["employees"] if e.get("status", 1) == 1]
    member = next((e for e in members if e["userid"] == userid), members[0]) if members else None
    if member is None:
        raise RuntimeError(f"corp {corp_id} has no active member to log in as")
    done = subprocess.run(
        [sys.executable, "-m", "scrm.cli.main", "roles", "grant", "--corp", corp_id, "--userid", member["userid"],
         "--role", "admin"],
        text=True, capture_output=True, env={**os.environ, **stack.env}, timeout=120,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"scrm roles grant failed: {done.stderr.strip()[-300:]}")
    sandbox._call("PATCH", f"/corps/{corp_id}/apps/{agent_id}", {"auto_confirm_userid": member["userid"]})
    stack.set_console_corp(corp_id)
    return {"userid": member["userid"], "name": member.get("name", ""), "url": f"{stack.console_url}login?start=1",
            "granted": done.stdout.strip()}  # fmt: skip


def describe(login: dict[str, str]) -> str:
    return (f"console login (one click, as {login['name'] or login['userid']} ({login['userid']}), admin): "
            f"{login['url']}\n  ({login['granted']}; the sandbox's login page confirms as this member at once: "
            f"PATCH /control/corps/<corp>/apps/<agent> {{\"auto_confirm_userid\": \"\"}} brings its member picker back)")


def _scrm(stack: Stack, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "scrm.cli.main", *args], input=stdin, text=True, capture_output=True,
                          env={**os.environ, **stack.env}, timeout=300)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"scrm {' '.join(args[:2])} failed: {done.stderr.strip()[-300:]}")
    return done.stdout.strip()


def dev_corp(stack: Stack, corp_id: str = "wwdevconsole") -> dict[str, Any]:
    """`make dev`'s corp: a seeded sandbox corp (customers, tags, a group), registered and fully synced with
    the CLI and a full sync, so that the console has a corp to log in to and data to show. Made once per stack."""
    import json

    sandbox = SandboxClient(stack.sandbox_url)
    info = sandbox.create_corp(stack.callback_url(corp_id), corp_id=corp_id, seed={
        "employees": 5, "customers_per_employee": 8, "tags": 4, "tag_groups": 2, "groups": 2, "members_per_group": 4})
    doc = json.dumps({k: info[k] for k in ("corp_id", "token", "aes_key", "secret", "agent_id")})
    _scrm(stack, "corps", "register", "--from-json", "-", stdin=doc)
    from scrm import bootstrap  # the stack's environment is this process's (Stack.start)

    bootstrap.reset()
    sync = bootstrap.full_sync()
    job, _ = sync.start(corp_id)
    deadline = time.monotonic() + 120
    while (state := sync.jobs.get(corp_id, job["job_id"])["state"]) == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    if state != "done":
        raise RuntimeError(f"the full sync of {corp_id} is {state}")
    return info
