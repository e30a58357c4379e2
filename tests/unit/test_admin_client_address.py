"""Whose counter a public-route request counts on (functions/admin/sessions.py ``client_address``): the
viewer's address from CloudFront's ``CloudFront-Viewer-Address`` only when the request came through the
console's distribution (its ``X-Scrm-Origin`` header carries the stack's secret), else API Gateway's sourceIp.
A caller of API Gateway's own URL who sets the viewer header itself gets no counter of its choosing."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import admin.api  # noqa: F401  (the app first: sessions is imported by its routes)
import pytest
from admin.sessions import client_address
from chalice.app import CaseInsensitiveMapping
from scrm import bootstrap
from scrm.settings import Settings

SECRET = "0f6a1d2e-4b3c-11ef-9a7b-0a1b2c3d4e5f"
EDGE = "130.176.1.1"  # a CloudFront edge server: API Gateway's sourceIp for every viewer near it


def _request(headers: dict[str, str]) -> Any:
    return SimpleNamespace(headers=CaseInsensitiveMapping(headers), context={"identity": {"sourceIp": EDGE}})


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap, "settings", lambda: dataclasses.replace(Settings(), origin_secret=SECRET))


def test_through_the_distribution_the_viewer_address_is_believed(secret):
    assert client_address(_request({"CloudFront-Viewer-Address": "198.51.100.7:46532",
                                    "X-Scrm-Origin": SECRET})) == "198.51.100.7"  # fmt: skip
    v6 = _request({"CloudFront-Viewer-Address": "2001:db8::8a2e:370:7334:46532", "X-Scrm-Origin": SECRET})
    assert client_address(v6) == "2001:db8::8a2e:370:7334"


@pytest.mark.parametrize("origin", [None, "", "guess", SECRET[:-1], SECRET + "x"])
def test_a_viewer_header_without_the_secret_is_ignored(secret, origin):
    headers = {"CloudFront-Viewer-Address": "203.0.113.9:1234"}
    if origin is not None:
        headers["X-Scrm-Origin"] = origin
    assert client_address(_request(headers)) == EDGE


def test_without_a_secret_configured_the_local_stack_believes_the_header(monkeypatch):
    monkeypatch.setattr(bootstrap, "settings", lambda: Settings())
    assert client_address(_request({"CloudFront-Viewer-Address": "198.51.100.7:46532"})) == "198.51.100.7"
    assert client_address(_request({})) == EDGE
