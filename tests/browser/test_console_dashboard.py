"""The dashboard's 30-day chart (ECharts) draws what GET /admin/stats/customers answers, under the CSP
(canvas, tooltips drawn on the canvas: no inline style or HTML). The answer here is the test's, in the API's
shape (admin/schemas/stats.py CustomerStats); the stack tests cover the real API's refusal."""

from __future__ import annotations

import json

from playwright.sync_api import expect


def test_the_chart_draws_the_statistics_answer(console, watched):
    items = [{"day": f"2026-11-{d:02d}", "adds": d % 5, "lost": d % 2, "net": d % 5 - d % 2} for d in range(1, 31)]
    answer = {"from": "2026-11-01", "to": "2026-11-30", "by": "day", "totals": {}, "items": items}
    seen = []

    def fulfil(route):
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answer))

    page = watched.page
    page.route("**/admin/stats/customers**", fulfil)
    page.goto(console.url + "dashboard")
    canvas = page.locator(".echart canvas")
    expect(canvas).to_be_visible()
    assert seen and seen[0].endswith("/admin/stats/customers?by=day")
    box = canvas.bounding_box()
    assert box["width"] > 900 and box["height"] >= 300
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the axis tooltip
    page.wait_for_timeout(300)
    assert page.locator(".echart div[style*='position: absolute']").count() <= 1  # no HTML tooltip layer
    page.locator(".echart[data-rendered='true']").wait_for()
    watched.shot("chart")
