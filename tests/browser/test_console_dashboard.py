"""The dashboard draws what GET /admin/dashboard answers (admin/schemas/dashboard.py Dashboard), under the
CSP: today's figures as cards, two 30-day line charts (canvas, tooltips drawn on the canvas: no inline style
or HTML), the channel codes ranked by adds with their names as text. The answer here is the test's, in the
API's shape; test_console_pages.py's stack test reads the real route after a scan."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROW, WIDE

XSS = "<img src=x onerror=alert(1)>"


def _answer() -> dict:
    days = [f"2026-11-{d:02d}" for d in range(1, 31)]
    new = [d % 5 for d in range(1, 31)]
    lost = [d % 2 for d in range(1, 31)]
    joins = [d % 3 for d in range(1, 31)]
    quits = [d % 4 // 3 for d in range(1, 31)]
    return {
        "from": days[0], "to": days[-1],
        "today": {"new": 7, "lost": 2, "net": 5, "group_joins": 4, "group_quits": 1, "group_net": 3},
        "last_30_days": {"new": sum(new), "lost": sum(lost), "net": sum(new) - sum(lost),
                         "group_joins": sum(joins), "group_quits": sum(quits), "group_net": sum(joins) - sum(quits)},
        "series": {"days": days, "new": new, "lost": lost, "net": [a - b for a, b in zip(new, lost, strict=True)],
                   "group_joins": joins, "group_quits": quits,
                   "group_net": [a - b for a, b in zip(joins, quits, strict=True)]},
        "codes_today": [{"code_id": "c1", "name": XSS, "adds_today": 5, "adds_30_days": 9},
                        {"code_id": "c2", "name": "门店海报", "adds_today": 2, "adds_30_days": 30}],
        "codes_30_days": [{"code_id": "c2", "name": "门店海报", "adds_today": 2, "adds_30_days": 30},
                          {"code_id": "c1", "name": XSS, "adds_today": 5, "adds_30_days": 9}],
        "welcomes_missed": {"today": 1, "last_30_days": 6},
        "transfers_in_flight": 3,
        "sends_waiting": 2,
    }  # fmt: skip


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280x800", "390x844"])
def test_the_dashboard_draws_the_dashboard_answer(console, watched, viewport):
    seen = []

    def fulfil(route):
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(_answer()))

    page = watched.page
    page.route("**/admin/dashboard**", fulfil)
    page.goto(console.url + "dashboard")
    figures = {"new": "7", "lost": "2", "net": "5", "group-joins": "4", "group-quits": "1", "welcomes-missed": "1",
               "transfers": "3", "sends": "2"}
    for key, value in figures.items():
        expect(page.get_by_test_id(f"figure-{key}").get_by_test_id("figure-value")).to_have_text(value)
    expect(page.get_by_test_id("figure-welcomes-missed")).to_contain_text("近 30 天 6")
    assert seen and seen[0].endswith("/admin/dashboard")
    assert page.get_by_text("建设中").count() == 0
    # The ranking: names as text (no element made of them), today's first, the 30 days' on the other tab.
    ranking = page.get_by_test_id("codes-today")
    expect(ranking.get_by_test_id("code-name")).to_have_text([XSS, "门店海报"])
    assert page.locator("img[src='x']").count() == 0
    for chart in ("chart-customers", "chart-groups"):
        canvas = page.get_by_test_id(chart).locator(".echart canvas")
        expect(canvas).to_be_visible()
        box = canvas.bounding_box()
        assert box["width"] > (420 if viewport is WIDE else 280) and box["height"] >= 300
    box = page.get_by_test_id("chart-customers").locator(".echart canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the axis tooltip
    page.wait_for_timeout(300)
    assert page.locator(".echart div[style*='position: absolute']").count() <= 1  # no HTML tooltip layer
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.locator(".echart[data-rendered='true']").nth(1).wait_for()
    watched.shot("dashboard")
    page.get_by_role("tab", name="近 30 天").click()
    expect(page.get_by_test_id("codes-30-days").get_by_test_id("code-name")).to_have_text(["门店海报", XSS])
    assert watched.dialogs == []
