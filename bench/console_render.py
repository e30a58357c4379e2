"""The console's first render over the bench corp (issue 18 "Fast to open": "dashboard API calls and first
render"): headless Chromium (Debian's /usr/bin/chromium, driven by Playwright as the browser tests do) opens
/console/dashboard from the console server in front of the bench stack's admin API, logged in as an admin of
the bench corp, and the time is taken from navigation until the page shows the corp's figures and both
charts are drawn. Cold: a new browser context each time (no cache, no service state: what a person's first
visit costs, the assets included); warm: the same context reloaded (the assets cached, as on every later
visit). The session is opened through the staff-auth service (the bench corp is not a sandbox corp, so
there is no WeCom login to go through; the login flow itself is the browser tests' business)."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
ADMIN = "emp0000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ms(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"p50_ms": round(statistics.median(s), 1), "p99_ms": round(s[min(len(s) - 1, int(len(s) * 0.99))], 1),
            "max_ms": round(s[-1], 1), "samples": len(s)}


def _session(corp_id: str) -> str:
    from scrm.staff_auth.model import StaffRole, open_session
    from scrm.staff_auth.wiring import staff_auth

    auth = staff_auth()
    auth.grant(corp_id, ADMIN, "admin", "bench", operator=True)
    session_id, session = open_session(corp_id, ADMIN, "基准管理员", StaffRole.ADMIN, time.time())
    auth.sessions.save_session(session)
    return session_id


def _render(page: Any, url: str) -> float:
    t = time.perf_counter()
    page.goto(url)
    page.get_by_test_id("figure-new").get_by_test_id("figure-value").wait_for()
    page.wait_for_function("() => document.querySelectorAll('canvas').length >= 2")
    return (time.perf_counter() - t) * 1000


def run(admin_url: str, corp_id: str, n: int = 10) -> dict[str, Any]:
    if not CHROMIUM.exists():
        return {"skipped": f"{CHROMIUM} is missing (make browser installs it)"}
    from playwright.sync_api import sync_playwright

    from devstack.console_server import console_config, serve, write_config
    from devstack.stack import ROOT

    dist = ROOT / "web" / "console" / "dist"
    if not (dist / "index.html").exists():
        return {"skipped": "web/console/dist is missing (make web builds it)"}
    config = ROOT / ".devstack" / "bench-console" / "console-config.json"
    write_config(config, console_config(corp_id, ""))
    port = _free_port()
    server = serve("127.0.0.1", port, dist, config, admin_url)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/console/dashboard"
    session_id = _session(corp_id)
    cold, warm = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                for _ in range(n):
                    context = browser.new_context(viewport={"width": 1280, "height": 800})
                    page = context.new_page()
                    # The session cookie as the login answer sets it (a __Host- cookie: Secure, Path=/, host
                    # only; 127.0.0.1 is a secure context), set from a page of the origin that loads no asset.
                    page.goto(f"{base}/console/config.json")
                    page.evaluate("(v) => { document.cookie = `__Host-scrm_session=${v}; Secure; Path=/; SameSite=Strict` }",
                                  session_id)
                    cold.append(_render(page, url))
                    warm.append(_render(page, url))  # the same context: the assets from its cache
                    context.close()
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"cold": _ms(cold), "warm": _ms(warm),
            "until": "the 新增客户 figure shown and both line charts drawn (two canvases)",
            "viewport": "1280x800"}  # fmt: skip
