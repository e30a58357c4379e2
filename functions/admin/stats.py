"""Customer and group statistics (issue 7): per day, employee (owner) or corp, as JSON or CSV.

Per channel code statistics are the channel codes' own route (/admin/channel-codes/{code_id}/stats).
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from admin.api import query_of, route


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.contact_stats()


def _answer(result: Any, name: str) -> Any:
    if isinstance(result, str):
        return Response(
            body=result,
            status_code=200,
            headers={"Content-Type": "text/csv; charset=utf-8",
                     "Content-Disposition": f'attachment; filename="{name}-stats.csv"'},  # fmt: skip
        )
    return result


@route("/admin/stats/customers")
def customer_stats(principal: Any, request: Any) -> Any:
    return _answer(_service().customers(principal.corp_id, query_of(request)), "customers")


@route("/admin/stats/groups")
def group_stats(principal: Any, request: Any) -> Any:
    return _answer(_service().groups(principal.corp_id, query_of(request)), "groups")
