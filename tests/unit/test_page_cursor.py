"""Pages of a list built in memory: their union is the list, without repeats; cursors of another corp or
list, or forged, are a 400 naming ``cursor``."""

from __future__ import annotations

import base64
import json

import pytest
from scrm.kernel.field_error import FieldError
from scrm.kernel.page_cursor import decode, encode, page

ROWS = [{"id": f"wm{i:03d}"} for i in range(23)]


def _key(r: dict[str, str]) -> str:
    return r["id"]


def test_pages_cover_the_list_once_in_key_order() -> None:
    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        rows, cursor = page(list(reversed(ROWS)), _key, "ww1", "send/s1", cursor, 5)
        seen += [r["id"] for r in rows]
        pages += 1
        if not cursor:
            break
    assert pages == 5 and seen == sorted(r["id"] for r in ROWS)


def test_an_exact_last_page_has_no_cursor() -> None:
    rows, cursor = page(ROWS[:5], _key, "ww1", "s", "", 5)
    assert len(rows) == 5 and cursor == ""


def _raw(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        encode("ww2", "send/s1", "wm001"),  # another corp
        encode("ww1", "send/s2", "wm001"),  # another list
        encode("ww1", "send/s1", ""),
        _raw({"c": "ww1", "s": "send/s1", "a": 5}),
        _raw({"c": "ww1", "s": "send/s1"}),
        _raw(["ww1", "send/s1", "wm001"]),
        base64.urlsafe_b64encode(bytes(range(200))).decode(),
        "%%%",
        encode("ww1", "send/s1", "x" * 301),
        "A" * 2000,
    ],
)
def test_a_cursor_not_handed_out_by_this_list_is_refused(token: str) -> None:
    with pytest.raises(FieldError) as err:
        decode(token, "ww1", "send/s1")
    assert err.value.field == "cursor"
