"""The console's headers and text rendering: a Content-Security-Policy that blocks inline script, and names
from the API shown as the characters they are (issue 18 §4)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Error as PlaywrightError

MALICIOUS = "<img src=x onerror=alert(1)>"


def test_the_csp_is_sent_and_blocks_an_inline_script(console, watched):
    page = watched.page
    resp = page.goto(console.url + "dashboard")
    headers = resp.headers
    csp = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe" not in csp
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    page.get_by_role("heading", name="仪表盘").wait_for()

    # Both the page's violation report (the harness's init script) and Chromium's own console message.
    watched.allow(r"CSP violation: script-src|Executing inline script violates .*'script-src 'self''")
    ran = page.evaluate("""() => new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve({blocked: e.violatedDirective}),
                                  {once: true});
        const s = document.createElement('script');
        s.textContent = 'window.__inlineRan = true';
        document.body.appendChild(s);
        setTimeout(() => resolve({ran: window.__inlineRan === true}), 2000);
    })""")
    assert ran == {"blocked": "script-src-elem"}
    assert page.evaluate("window.__inlineRan") is None
    assert any("CSP violation: script-src" in e for e in watched.errors)


def test_a_name_in_an_api_error_is_shown_as_text(console, watched):
    page = watched.page
    body = {"error": f"tag {MALICIOUS} is unknown", "field": "name"}
    page.route("**/admin/dashboard**", lambda route: route.fulfill(
        status=400, content_type="application/json", body=json.dumps(body)))
    page.goto(console.url + "dashboard")
    notice = page.get_by_test_id("dashboard-error")
    notice.get_by_text("提交的内容有误（字段：名称）").wait_for()
    assert notice.get_attribute("data-field") == "name"
    assert notice.locator(".error-detail").inner_text() == f"详情：tag {MALICIOUS} is unknown"
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(300)  # an onerror handler would have fired by now (the harness fails on dialogs)
    assert watched.dialogs == []


def test_the_harness_stops_requests_outside_localhost(console, watched):
    """The guard every browser test runs under: a request to another host never leaves the machine and is
    recorded (the test fails at teardown; here the record is checked and cleared)."""
    page = watched.page
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto("https://cdn.example.com/vue.js")
    assert watched.outside == ["https://cdn.example.com/vue.js"]
    watched.outside.clear()
    watched.allow("ERR_BLOCKED_BY_CLIENT")
