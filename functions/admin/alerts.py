"""Churn alerts: the corp's switches and digest rules, and the log of alerts with their state."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, query_of, route
from admin.schemas import alerts as S


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.alert_admin()


@route("/admin/alert-settings", doc=Doc(
    "The corp's churn-alert switches and digest rules (defaults until first set)",
    {200: ("the settings", S.AlertSettings)},
))  # fmt: skip
def alert_settings(principal: Any, request: Any) -> Any:
    return _service().settings(principal.corp_id)


@route("/admin/alert-settings", methods=("PUT",), write=True, role="admin", doc=Doc(
    "Change churn-alert settings (only the given fields; admins must be synced employees)",
    {200: ("the settings as saved", S.AlertSettings)}, body=S.AlertSettings,
))  # fmt: skip
def alert_settings_set(principal: Any, request: Any, body: S.AlertSettings) -> Any:
    return _service().set_settings(principal.corp_id, body.fields())


@route("/admin/alerts", doc=Doc(
    "Churn alerts of one China day, oldest first, with their state",
    {200: ("the day's alerts", S.AlertList)}, query=S.AlertQuery,
))  # fmt: skip
def alert_list(principal: Any, request: Any) -> Any:
    return _service().alerts(principal.corp_id, query_of(request))
