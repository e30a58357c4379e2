"""The browser harness: headless Chromium from Debian (/usr/bin/chromium, `make browser`) driven by Playwright,
which only talks to it (no `playwright install`, no browser download).

Every test gets a ``Watched`` page that fails the test, at teardown, on
- a request to any host but 127.0.0.1 / localhost (aborted by route interception: the console must work
  offline, with no CDN),
- a console error or an uncaught exception in the page (a Content-Security-Policy violation is reported as
  a console error by an init script, so a page that needs inline script or style fails here too),
- a JavaScript dialog (alert, confirm: an injected script would open one).
A test that provokes an error on purpose says so with ``watched.allow(pattern)``. A refused API answer
(Chromium logs "Failed to load resource" for a 4xx/5xx under /admin/) is the page's business, not an error.

Screenshots go to ``<pytest basetemp>/screenshots/`` (printed at the end of the run): one per test at
teardown, plus any the test takes with ``watched.shot(label)``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from devstack.console_server import console_config, serve, write_config
from devstack.stack import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Chromium otherwise reaches for Google (component updates, sync, field trials, QUIC probes) at start.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
DIST = ROOT / "web" / "console" / "dist"
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}
# CSP violations become console errors (the harness fails on those): registered before any page script.
REPORT_CSP = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""

_SHOTS: list[Path] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _SHOTS:
        terminalreporter.write_line(f"browser screenshots ({len(_SHOTS)}): {_SHOTS[0].parent}")


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "screenshots"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser` (Debian's chromium and chromium-driver)")
    if not (DIST / "index.html").exists():
        pytest.fail("the console is not built: run `make web`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright gives each launch a fresh temporary profile (--user-data-dir) and removes it at close.
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Console:
    """A console server of its own (no local stack): dist, a config.json, no admin API behind it."""

    url: str  # http://127.0.0.1:<port>/console/
    config: dict[str, str]
    config_path: Path


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    config_path = tmp_path_factory.mktemp("console") / "config.json"
    config = console_config("wwbrowsertest0001")
    write_config(config_path, config)
    server = serve("127.0.0.1", 0, DIST, config_path, api="")
    thread = threading.Thread(target=server.serve_forever, name="console", daemon=True)
    thread.start()
    try:
        yield Console(f"http://127.0.0.1:{server.server_address[1]}/console/", config, config_path)
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Watched:
    page: object
    name: str
    folder: Path
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Errors matching this pattern are expected by the test (checked, not ignored, by the test)."""
        self.allowed.append(re.compile(pattern))

    def shot(self, label: str) -> Path:
        path = self.folder / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        _SHOTS.append(path)
        return path

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")[:100]


@pytest.fixture
def viewport() -> dict[str, int]:
    return WIDE


@pytest.fixture
def watched(chromium: object, viewport: dict[str, int], screenshots: Path,
            request: pytest.FixtureRequest) -> Iterator[Watched]:
    context = chromium.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
                                   service_workers="block")
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP)
    page = context.new_page()
    w = Watched(page, _safe_name(request.node.nodeid), screenshots)

    def guard(route: object) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.fallback()
        else:
            w.outside.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)

    def on_console(msg: object) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and urlsplit(where).path.startswith("/admin/"):
            return  # an API refusal: the page shows it (tests check how)
        w.errors.append(f"console: {msg.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: w.errors.append(f"page error: {exc}"))

    def on_dialog(dialog: object) -> None:
        w.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield w
    finally:
        try:
            w.shot("end")
        except Exception as exc:  # a screenshot must not hide the test's own outcome
            w.errors.append(f"(screenshot failed: {exc})")
        context.close()
    problems = {"requests outside localhost": w.outside, "console errors": w.unexpected_errors(),
                "dialogs": w.dialogs}
    problems = {k: v for k, v in problems.items() if v}
    if problems:
        pytest.fail("browser: " + json.dumps(problems, ensure_ascii=False, indent=1), pytrace=False)



@pytest.fixture(scope="session")
def staff(stack: object, sandbox: object) -> dict[str, object]:
    """A synced sandbox corp whose first three members are the console's admin, operator and viewer."""
    from tests.browser.stack_login import staffed_corp

    return staffed_corp(stack, sandbox)
