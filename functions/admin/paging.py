"""``?items=1`` on a send's or a transfer's progress: the items a page at a time (``limit``, ``cursor``,
``next_cursor``, like the API's other lists), since one job's items can outgrow Lambda's 6 MB answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from admin.api import number_of, query_of

ITEMS_PAGE = 500  # items per page by default: a transfer's item is ~150 bytes of JSON
ITEMS_MAX = 1000


def items_wanted(request: Any) -> bool:
    return query_of(request).get("items", "") in ("1", "true", "yes")


def items_page(
    request: Any,
    corp_id: str,
    scope: str,
    rows: Sequence[dict[str, Any]],
    key: Callable[[dict[str, Any]], str],
) -> dict[str, Any]:
    """``{"items": [...], "next_cursor": "..."}`` for this request's page of ``rows`` in ``key`` order."""
    from scrm.kernel.page_cursor import page

    limit = number_of(request, "limit", ITEMS_PAGE, ITEMS_MAX)
    items, cursor = page(rows, key, corp_id, scope, query_of(request).get("cursor", ""), limit)
    return {"items": items, "next_cursor": cursor}
