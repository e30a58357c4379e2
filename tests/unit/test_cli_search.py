"""``scrm customers search --all``: following cursors, and the cap (the search service faked behind the
admin API's routes in this process, no I/O)."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from scrm.cli import customers
from scrm.cli.client import Api, connect
from scrm.cli.common import CliError
from scrm.kernel.errors import InvalidInput

from tests.unit.cli_inprocess import in_process


class Search:
    """Pages of ``limit`` rows out of ``total`` (None: endless); the cursor is the next row's index."""

    def __init__(self, total: int | None, empty_pages: int = 0) -> None:
        self.total = total
        self.empty_pages = empty_pages
        self.calls: list[dict[str, str]] = []

    def search(self, corp_id: str, params: dict[str, str]) -> dict[str, Any]:
        self.calls.append(dict(params))
        start = int(params.get("cursor") or 0)
        if self.empty_pages:  # a page that read its budget and matched nothing
            self.empty_pages -= 1
            return {"items": [], "next_cursor": str(start), "driver": "corp"}
        end = start + int(params["limit"])
        if self.total is not None:
            end = min(end, self.total)
        rows = [{"external_userid": f"wm{i}", "userid": "u"} for i in range(start, end)]
        more = self.total is None or end < self.total
        return {"items": rows, "next_cursor": str(end) if more else "", "driver": "corp"}


def _api() -> Api:
    return connect(argparse.Namespace(), "wwx")


@pytest.fixture
def fake(monkeypatch):
    def use(search: Search) -> Search:
        in_process(monkeypatch, "wwx", {"customer_admin": lambda: search})
        return search

    return use


def test_all_follows_every_cursor_200_at_a_time(fake):
    s = fake(Search(total=450, empty_pages=1))
    found = customers._search_all(_api(), {"tags_any": "et1"})
    assert [r["external_userid"] for r in found["items"]] == [f"wm{i}" for i in range(450)]
    assert not found["capped"] and found["next_cursor"] == ""
    assert [c["limit"] for c in s.calls] == ["200"] * 4 and all(c["tags_any"] == "et1" for c in s.calls)


def test_all_keeps_a_given_page_size(fake):
    s = fake(Search(total=20))
    assert len(customers._search_all(_api(), {"limit": "7"})["items"]) == 20
    assert [c["limit"] for c in s.calls] == ["7", "7", "7"]


def test_all_stops_at_the_cap_on_a_page_boundary(fake):
    s = fake(Search(total=None))
    found = customers._search_all(_api(), {"limit": "150"})
    assert len(found["items"]) == customers.ALL_CAP and found["capped"]
    assert found["next_cursor"] == str(customers.ALL_CAP)  # continuing from here loses and repeats nothing
    assert s.calls[-1]["limit"] == str(customers.ALL_CAP % 150)


def test_a_refusal_is_one_cli_error(monkeypatch):
    class Refusing:
        def search(self, corp_id: str, params: dict[str, str]) -> dict[str, Any]:
            raise InvalidInput("limit", "limit: must be 1..200")

    in_process(monkeypatch, "wwx", {"customer_admin": lambda: Refusing()})
    with pytest.raises(CliError, match=r"^limit: must be 1\.\.200$"):
        customers._search_all(_api(), {"limit": "500"})
