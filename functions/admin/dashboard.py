"""The console's dashboard (issue 18): GET /admin/dashboard, for every console role.

What it reads, each the cheapest read there is (contact_stats.dashboard): the corp's day roll-ups of
customers and groups (one Query each), each channel code's counters of the 30 days (one Query per code,
in parallel), the newest transfer jobs and the open sends (one Query each). The console's first render
asks this route once (web/console's dashboard page; its timing is the console bench's).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from admin.api import Doc, route
from admin.schemas import dashboard as S

TRANSFERS_LOOKED_AT = 50  # the newest jobs: one page; an older one still running is rare (they end in days)


def _reads(corp_id: str, first: str, last: str) -> dict[str, Any]:
    from scrm import bootstrap
    from scrm.live_codes.keys import CHANNEL

    rollups, stats = bootstrap.stats_rollups(), bootstrap.channel_stats()
    with ThreadPoolExecutor(max_workers=8) as pool:
        cust = pool.submit(rollups.day_totals, corp_id, "cust", first, last)
        grp = pool.submit(rollups.day_totals, corp_id, "group", first, last)
        jobs = pool.submit(bootstrap.transfer_repo().list_jobs, corp_id, TRANSFERS_LOOKED_AT)
        sends = pool.submit(bootstrap.mass_sends().repo.open_sends, corp_id)
        codes = [(c.get("state") or "", c.get("name") or "") for c in bootstrap.live_code_repo().list(corp_id, CHANNEL)]
        rows = list(pool.map(lambda c: stats.rows(corp_id, c[0], first, last), codes))
        return {
            "customers": cust.result()[0],
            "groups": grp.result()[0],
            "codes": [(cid, name, r) for (cid, name), r in zip(codes, rows, strict=True)],
            "transfers_in_flight": sum(1 for j in jobs.result() if not j.ended),
            "sends_waiting": len(sends.result()),
        }


@route("/admin/dashboard", doc=Doc(
    "The console's home page: today's and the last 30 days' new / lost / net customers and group joins / "
    "quits (series for the charts), channel codes ranked by adds, missed welcomes, transfers in flight, "
    "sends waiting for their members' confirmation",
    {200: ("the dashboard", S.Dashboard)},
))  # fmt: skip
def dashboard(principal: Any, request: Any) -> Any:
    from scrm.contact_stats.dashboard import ranked_codes, trend, window
    from scrm.kernel.china_time import CHINA

    today = datetime.now(UTC).astimezone(CHINA).date()
    first, last = window(today)
    read = _reads(principal.corp_id, first, last)
    return {
        "from": first,
        "to": last,
        **trend(read["customers"], read["groups"], first, last),
        **ranked_codes(read["codes"], last),
        "transfers_in_flight": read["transfers_in_flight"],
        "sends_waiting": read["sends_waiting"],
    }
