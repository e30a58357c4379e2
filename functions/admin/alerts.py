"""Churn alerts: the corp's switches and digest rules, and the log of alerts with their state."""

from __future__ import annotations

from typing import Any

from admin.api import body_of, query_of, route


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.alert_admin()


@route("/admin/alert-settings")
def alert_settings(principal: Any, request: Any) -> Any:
    return _service().settings(principal.corp_id)


@route("/admin/alert-settings", methods=("PUT",), write=True)
def alert_settings_set(principal: Any, request: Any) -> Any:
    return _service().set_settings(principal.corp_id, body_of(request))


@route("/admin/alerts")
def alert_list(principal: Any, request: Any) -> Any:
    return _service().alerts(principal.corp_id, query_of(request))
