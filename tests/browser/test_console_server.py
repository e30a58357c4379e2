"""devstack/console_server.py without a browser: caching, the single-page fallback, no way out of dist."""

from __future__ import annotations

import http.client
import threading
from urllib.parse import urlsplit

from devstack.console_server import serve


def _get(url: str, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request(method, path)  # the raw path: no client-side normalisation of ".."
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_assets_are_cached_and_the_rest_is_not(console):
    status, headers, body = _get(console.url, "/console/")
    assert status == 200 and b'<div id="app">' in body and headers["cache-control"] == "no-cache"
    asset = body.split(b'src="', 1)[1].split(b'"', 1)[0].decode()
    status, headers, _ = _get(console.url, asset)
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["x-content-type-options"] == "nosniff"
    status, headers, _ = _get(console.url, "/console/config.json")
    assert status == 200 and headers["cache-control"] == "no-store"


def test_routes_answer_the_app_and_nothing_leaves_dist(console):
    assert _get(console.url, "/")[0] == 302
    for path in ("/console/customers", "/console/login/callback?code=x&state=y"):
        status, _, body = _get(console.url, path)
        assert status == 200 and b'<div id="app">' in body
    for path in ("/console/../../pyproject.toml", "/console/nope.js"):
        assert _get(console.url, path)[0] == 404
    status, _, body = _get(console.url, "/console/assets/../../../Makefile")  # a route, as far as it knows
    assert status == 200 and b'<div id="app">' in body and b"PYTHON" not in body
    assert _get(console.url, "/console/", method="POST")[0] == 405
    assert _get(console.url, "/admin/customers")[0] == 503  # no admin API behind this one


def test_an_unbuilt_console_says_how_to_build_it(tmp_path):
    server = serve("127.0.0.1", 0, tmp_path / "dist", tmp_path / "config.json", api="")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, _, body = _get(f"http://127.0.0.1:{server.server_address[1]}/", "/console/")
        assert status == 503 and "make web" in body.decode()
    finally:
        server.shutdown()
        server.server_close()


def test_qr_pictures_are_answered_on_the_consoles_origin(console):
    """WeCom's picture host stands in locally: /wwpic/… is a PNG of a QR code of the picture's WeCom URL."""
    status, headers, body = _get(console.url, "/wwpic/815237_EXUbAzzTlPDHD8ntOqjRKg_3900251982/0")
    assert status == 200 and headers["content-type"] == "image/png" and body[:8] == b"\x89PNG\r\n\x1a\n"
    assert headers["content-security-policy"].startswith("default-src 'self'")
    assert _get(console.url, "/wwpic/../console/config.json")[0] == 404
    assert _get(console.url, "/wwpic/x/0", method="POST")[0] == 404


def test_the_landing_pages_are_files_with_the_same_headers(tmp_path):
    """web/landing's dist under /landing/ (issue 21): its pages and assets with the CSP, nothing outside dist,
    no SPA fallback; unbuilt, a 503 in words."""
    from pathlib import Path

    from devstack.console_server import LANDING_PREFIX

    dist = Path(__file__).resolve().parents[2] / "web" / "landing" / "dist"
    config = tmp_path / "config.json"
    config.write_text("{}")
    for landing, built in ((dist, True), (tmp_path / "nothing", False)):
        server = serve("127.0.0.1", 0, tmp_path, config, api="", landing_dist=landing)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            status, headers, body = _get(url, f"{LANDING_PREFIX}store.html")
            if not built:
                assert status == 503 and "make web" in body.decode()
                continue
            assert status == 200 and b'<div id="app">' in body and headers["cache-control"] == "no-cache"
            assert "script-src 'self'" in headers["content-security-policy"]
            asset = body.split(b'src="', 1)[1].split(b'"', 1)[0].decode()
            status, headers, _ = _get(url, asset)
            assert status == 200 and headers["cache-control"] == "public, max-age=31536000, immutable"
            for path in (LANDING_PREFIX, f"{LANDING_PREFIX}store", f"{LANDING_PREFIX}../../pyproject.toml"):
                assert _get(url, path)[0] == 404, path
        finally:
            server.shutdown()
            server.server_close()
