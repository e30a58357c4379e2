"""Temporary media (media/upload, 90253): multipart field "media", image|voice|video|file with WeCom's size
limits and formats, the answer WeCom gives (created_at a string), 3 days of life on the world clock, and the
control API's read of what was uploaded (never the bytes in the call log)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from wecom_sandbox.media import LIMITS, TTL_S

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32


def _upload(corp: Any, media_type: str | None, files: dict[str, Any] | None, token: str | None = None) -> dict[str, Any]:
    params = {"access_token": token if token is not None else corp.api.token}
    if media_type is not None:
        params["type"] = media_type
    return requests.post(f"{corp.api.base}/cgi-bin/media/upload", params=params, files=files, timeout=30).json()


@pytest.fixture
def tc(isolated) -> Any:
    """A corp of a sandbox of its own: the test moves its clock."""
    return isolated.make_corp(seed={"employees": 1, "customers_per_employee": 0, "groups": 0, "seed": 5})


def test_each_type_uploads_and_answers_a_media_id(corp) -> None:
    for media_type, name, data in (("image", "a.png", PNG), ("video", "v.mp4", MP4), ("file", "x.pdf", b"%PDF-1.4 x"),
                                   ("voice", "v.amr", b"#!AMR\n" + b"\x00" * 10)):  # fmt: skip
        answer = _upload(corp, media_type, {"media": (name, data)})
        assert answer["errcode"] == 0 and answer["type"] == media_type, answer
        assert isinstance(answer["created_at"], str) and int(answer["created_at"]) > 0
        seen = corp.cget(f"/media/{answer['media_id']}")
        assert seen["type"] == media_type and seen["size"] == len(data) and seen["filename"] == name
        assert seen["expired"] is False and seen["expires_at"] == seen["created_at"] + 3 * 86_400
    assert [m["type"] for m in corp.cget("/media")["media"]] == ["image", "video", "file", "voice"]
    logged = corp.cget("/calls?path=media/upload")["calls"]
    assert len(logged) == 4 and all(c["body"]["media"]["size"] > 0 and "data" not in c["body"]["media"] for c in logged)


def test_refusals_name_wecoms_codes(corp) -> None:
    assert _upload(corp, "sticker", {"media": ("a.png", PNG)})["errcode"] == 40004
    assert _upload(corp, None, {"media": ("a.png", PNG)})["errcode"] == 40004
    assert _upload(corp, "image", {"other": ("a.png", PNG)})["errcode"] == 41005
    assert _upload(corp, "image", None)["errcode"] == 41005
    assert _upload(corp, "file", {"media": ("tiny.txt", b"12345")})["errcode"] == 40006  # 5 bytes: too small
    assert _upload(corp, "file", {"media": ("six.txt", b"123456")})["errcode"] == 0
    assert _upload(corp, "image", {"media": ("a.png", b"GIF89a" + b"\x00" * 20)})["errcode"] == 40005
    assert _upload(corp, "video", {"media": ("v.mp4", b"\x00" * 64)})["errcode"] == 40005
    assert _upload(corp, "voice", {"media": ("v.amr", b"#!AMR\n" + b"\x00" * LIMITS["voice"])})["errcode"] == 40006
    assert _upload(corp, "image", {"media": ("a.png", PNG)}, token="bogus")["errcode"] == 40014
    assert corp.cget("/media/nonesuch", expect=404)["error"]
    assert len(corp.cget("/media")["media"]) == 1  # refusals keep nothing


def test_a_media_id_lives_three_days_on_the_world_clock(tc, isolated) -> None:
    answer = _upload(tc, "image", {"media": ("a.png", PNG)})
    media_id = answer["media_id"]
    isolated.ctl.post("/clock/advance", {"seconds": TTL_S - 60})
    assert tc.cget(f"/media/{media_id}")["expired"] is False
    isolated.ctl.post("/clock/advance", {"seconds": 61})
    assert tc.cget(f"/media/{media_id}")["expired"] is True
    tc.api._token = None  # the access token expired meanwhile too
    fresh = _upload(tc, "image", {"media": ("a.png", PNG)})
    assert fresh["media_id"] != media_id and tc.cget(f"/media/{fresh['media_id']}")["expired"] is False
