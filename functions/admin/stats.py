"""Customer and group statistics (issue 7): per day, employee (owner) or corp, as JSON or CSV.

Per channel code statistics are the channel codes' own route (/admin/channel-codes/{code_id}/stats).
"""

from __future__ import annotations

from typing import Any

from admin.api import Doc, csv_response, query_of, route
from admin.schemas import stats as S


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.contact_stats()


def _answer(result: Any, name: str) -> Any:
    return csv_response(result, f"{name}-stats.csv") if isinstance(result, str) else result


@route("/admin/stats/customers", doc=Doc(
    "New customers, lost by customer / by employee, net, retention after 7 and 30 days (per channel code: "
    "/admin/channel-codes/{code_id}/stats)",
    {200: ("the report (JSON) or its items (CSV)", S.CustomerStats)}, query=S.CustomerStatsQuery, csv=True,
))  # fmt: skip
def customer_stats(principal: Any, request: Any) -> Any:
    return _answer(_service().customers(principal.corp_id, query_of(request)), "customers")


@route("/admin/stats/groups", doc=Doc(
    "Group members: joins, quits, net, customers and employees apart, by owner",
    {200: ("the report (JSON) or its items (CSV)", S.GroupStats)}, query=S.GroupStatsQuery, csv=True,
))  # fmt: skip
def group_stats(principal: Any, request: Any) -> Any:
    return _answer(_service().groups(principal.corp_id, query_of(request)), "groups")
