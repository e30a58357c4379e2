"""`scrm fission coupons-upload` says what the upload did for inviters waiting since the pool ran out: how many
got their code now, and whether the rest wait for the minute job or for more codes."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from scrm.cli import fission as cli


class _Api:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer, self.posted = answer, []

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.posted.append((path, body))
        return self.answer


def _upload(monkeypatch, tmp_path, capsys, answer: dict[str, Any]) -> tuple[str, _Api]:
    api = _Api(answer)
    monkeypatch.setattr(cli, "connect", lambda *a, **k: api)
    codes = tmp_path / "codes.txt"
    codes.write_text("\ufeffA-1\r\n\r\nA-2\n", encoding="utf-8")
    cli.cmd_coupons_upload(argparse.Namespace(corp="ww1", campaign_id="c1", file=str(codes), json=False))
    return capsys.readouterr().out, api


@pytest.mark.parametrize(("free", "served", "waiting", "lines"), [
    (2, 0, 0, []),
    (0, 2, 0, ["sent their code to 2 inviters who were waiting for one"]),
    (0, 2, 3, ["sent their code to 2 inviters who were waiting for one",
               "3 inviters still waiting for a code: upload more codes"]),
    (5, 20, 4, ["sent their code to 20 inviters who were waiting for one",
                "4 inviters still waiting for a code: the minute job sends theirs"]),
])  # fmt: skip
def test_the_upload_says_who_was_served_and_who_waits(monkeypatch, tmp_path, capsys, free, served, waiting, lines):
    answer = {"added": 2, "duplicates": 0, "pool": {"free": free, "used": 9}, "served": served, "waiting": waiting}
    out, api = _upload(monkeypatch, tmp_path, capsys, answer)
    assert api.posted == [("/admin/fission/c1/coupons", {"codes": ["A-1", "A-2"]})]
    assert out.splitlines() == [f"added 2 codes (0 uploaded before); pool: {free} free, 9 drawn", *lines]
