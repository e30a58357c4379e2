"""How ``scrm`` words the admin API's answers: one line for no key, an unreachable API, a refused key
(401/403), a spent limit (429/503, with the Retry-After), the API's 4xx ``{"error", "field", "details"}``
(plain, or naming the field for the job commands), a 5xx; and the corp argument checked against the key's."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest
from scrm.cli import client
from scrm.cli.client import Api, ApiError
from scrm.cli.common import CliError
from scrm.cli.main import main
from scrm.cli.profiles import Profile

PROFILE = Profile("default", "https://admin.example", "k")


class Canned(Api):
    """Answers every request with one canned (status, headers, body); remembers the requests."""

    answer: tuple[int, dict[str, str], Any] = (200, {}, {})
    sent: list[tuple[str, str, bytes | None, dict[str, str]]] = []

    def send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> tuple[int, Any, bytes]:
        self.sent.append((method, url, data, headers))
        status, hdrs, body = self.answer
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return status, {"Content-Type": "application/json", **hdrs}, raw


def _fail(status: int, body: Any, headers: dict[str, str] | None = None, detailed: bool = False) -> str:
    Canned.answer = (status, headers or {}, body)
    with pytest.raises(CliError) as caught:
        Canned(PROFILE, detailed).get("/admin/x")
    return str(caught.value)


def test_requests_carry_the_key_the_query_and_json() -> None:
    Canned.sent = []
    Canned.answer = (201, {}, {"ok": True})
    api = Canned(PROFILE)
    assert api.post("/admin/tags", {"name": "金卡"}) == {"ok": True}
    assert api.get("/admin/customers", {"tags_any": "a,b", "cursor": "", "limit": 5}) == {"ok": True}
    (m1, u1, d1, h1), (m2, u2, d2, _) = Canned.sent
    assert (m1, u1, json.loads(d1 or b"")) == ("POST", "https://admin.example/admin/tags", {"name": "金卡"})
    assert h1["Authorization"] == "Bearer k" and h1["Content-Type"].startswith("application/json")
    assert (m2, u2, d2) == ("GET", "https://admin.example/admin/customers?tags_any=a%2Cb&limit=5", None)


@pytest.mark.parametrize(
    ("status", "body", "headers", "line"),
    [
        (401, {"error": "unknown or revoked API key"}, {},
         "the admin API refused the key (profile default): unknown or revoked API key; scrm login with a valid key"),
        (403, {"error": "this key's role (viewer) may not change anything"}, {},
         "the admin API refused (profile default): this key's role (viewer) may not change anything"),
        (429, {"error": "too many requests for this key", "retry_after_s": 3}, {"Retry-After": "3"},
         "too many requests for this key (retry after 3 s)"),
        (503, {"error": "the corp's WeCom call budget is spent for now; retry later"}, {"Retry-After": "60"},
         "the corp's WeCom call budget is spent for now; retry later (retry after 60 s)"),
        (500, {"error": "internal error; the request id is in the server log"}, {},
         "the admin API failed (HTTP 500): internal error; the request id is in the server log"),
        (502, "<html>bad gateway</html>", {}, "the admin API failed (HTTP 502): HTTP 502"),
    ],
)  # fmt: skip
def test_refusals_are_one_line(status, body, headers, line) -> None:
    assert _fail(status, body, headers) == line


def test_a_4xx_is_the_error_or_with_the_field_for_job_commands() -> None:
    body = {"error": "limit: must be 1..200", "field": "limit"}
    assert _fail(400, body) == "limit: must be 1..200"
    assert _fail(400, body, detailed=True) == "limit: must be 1..200 (field: limit)"
    blocked = {"error": "blocked", "field": "customers", "details": [{"id": "wm1", "frees_on": "2026-01-02"}]}
    assert _fail(409, blocked, detailed=True) == "blocked (field: customers); blocked: wm1 frees on 2026-01-02"
    Canned.answer = (404, {}, {"error": "no SOP s1", "field": "sop_id"})
    with pytest.raises(ApiError) as caught:
        Canned(PROFILE).get("/admin/sops/s1")
    assert (caught.value.status, caught.value.field) == (404, "sop_id")


def test_an_unreachable_api_is_one_line() -> None:
    with pytest.raises(CliError, match=r"^cannot reach the admin API at http://127\.0\.0\.1:9: "):
        Api(Profile("default", "http://127.0.0.1:9", "k"), timeout_s=2).get("/admin/whoami")


def test_the_corp_argument_must_be_the_keys(monkeypatch) -> None:
    monkeypatch.setenv("SCRM_API_URL", "https://admin.example")
    monkeypatch.setenv("SCRM_API_KEY", "k")
    monkeypatch.setattr(client, "API_CLASS", Canned)
    client._whoami.clear()
    Canned.answer = (200, {}, {"corp_id": "wwmine", "role": "admin", "key_id": "k1"})
    assert client.connect(argparse.Namespace(), "wwmine").profile.name == "env"
    with pytest.raises(CliError, match=r"^no corp wwother for this key: it is a key of corp wwmine"):
        client.connect(argparse.Namespace(), "wwother")


def test_no_key_at_all_is_one_line_and_exit_1(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("SCRM_CONFIG", str(tmp_path / "none.toml"))
    for name in ("SCRM_API_URL", "SCRM_API_KEY", "SCRM_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["tags", "list", "wwcorp"]) == 1
    err = capsys.readouterr().err
    assert err == "scrm: no admin API key: run scrm login --url URL --key KEY (or set SCRM_API_URL and SCRM_API_KEY)\n"


def test_login_checks_the_key_then_saves_it(monkeypatch, tmp_path, capsys) -> None:
    cfg = tmp_path / "p.toml"
    monkeypatch.setenv("SCRM_CONFIG", str(cfg))
    monkeypatch.setattr("scrm.cli.login.Api", Canned)
    client._whoami.clear()
    Canned.answer = (401, {}, {"error": "unknown or revoked API key"})
    assert main(["login", "--url", "https://admin.example/", "--key", "bad"]) == 1 and not cfg.exists()
    capsys.readouterr()
    Canned.answer = (200, {}, {"corp_id": "wwmine", "role": "viewer", "key_id": "k9"})
    assert main(["login", "--url", "https://admin.example/", "--key", "good", "--profile", "ro"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("logged in: profile ro → corp wwmine as viewer (key k9)")
    assert 'key = "good"' in cfg.read_text() and (cfg.stat().st_mode & 0o777) == 0o600
