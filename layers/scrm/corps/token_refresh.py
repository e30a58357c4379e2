"""Keep every corp's access token fresh (the scheduled job), one corp's failure not stopping the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

log = logging.getLogger("scrm.tokens")

MIN_REMAINING_S = 45 * 60  # the job runs every 30 minutes


class Registry(Protocol):
    def list_ids(self) -> Iterable[str]: ...


class TokenKeeper(Protocol):
    def ensure_token(self, corp_id: str, min_remaining_s: int) -> bool: ...


def refresh_all(registry: Registry, keeper: Any) -> dict[str, Any]:
    refreshed, fresh, failed = 0, 0, 0
    for corp_id in registry.list_ids():
        try:
            if keeper.ensure_token(corp_id, MIN_REMAINING_S):
                refreshed += 1
            else:
                fresh += 1
        except Exception:
            failed += 1
            log.exception("token refresh failed", extra={"corp_id": corp_id})
    return {"refreshed": refreshed, "fresh": fresh, "failed": failed}
