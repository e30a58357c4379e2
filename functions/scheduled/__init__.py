"""Timed jobs."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

bp = Blueprint(__name__)


@bp.schedule("rate(30 minutes)", name="refresh_tokens")
def refresh_tokens(event: Any) -> dict[str, Any]:
    """Refresh each corp's access token well before it expires, so no consumer waits on gettoken."""
    from scrm import bootstrap
    from scrm.services.token_refresh import refresh_all

    return refresh_all(bootstrap.corp_registry(), bootstrap.handlers().wecom)
