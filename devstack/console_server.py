"""The web console on the local stack: web/console/dist under /console/, its config.json, and the admin API
behind the same origin (/admin/... proxied to the admin process), as CloudFront serves it when deployed
(S3 for /console/*, the admin API for /admin/*). Same origin: the session cookie and the CSRF cookie need
no CORS, and the Content-Security-Policy can say connect-src 'self'.

``python -m devstack.console_server --port 8003 --dist web/console/dist --config .devstack/console-config.json
--api http://127.0.0.1:8002`` (the stack starts it; ``make web`` builds dist).

Channel codes' QR pictures: WeCom answers add_contact_way with a URL on its picture host
(https://wework.qpic.cn/wwpic/…), which the console's CSP (img-src 'self') does not load; the console asks this
origin for the same path (/wwpic/…), as a CloudFront behaviour with wework.qpic.cn as its origin serves it when
deployed. The WeCom sandbox has no picture host, so locally this server stands in for it: it answers a PNG of
a QR code of the picture's own WeCom URL (segno), the one thing the sandbox's code is known by. ``--pictures URL``
passes /wwpic/ on to a real host instead.

The employee sidebar (web/sidebar, issue 19) is served the same way under /sidebar/ (its own dist and
config.json, the same headers). ``--sandbox URL`` passes /sandbox-client/ on to the WeCom sandbox: the stand-in
for the WeCom client that the sidebar's config.json names on the local stack (docs/sandbox.md), on this origin
so that the CSP stays script-src 'self' / connect-src 'self'. A deployment has no such path.

The customers' landing pages (web/landing, issue 21: store.html, the one code for all stores) are files under
/landing/ with the same headers; they call the admin API's public routes (/admin/public/...) on this origin
and need no config.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import mimetypes
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PREFIX = "/console/"
SIDEBAR_PREFIX = "/sidebar/"
LANDING_PREFIX = "/landing/"
SANDBOX_CLIENT = "/sandbox-client/"
CLIENT_SCRIPT = SANDBOX_CLIENT + "wecom-client.js"

# No inline script, no eval, nothing from another origin. style-src needs no 'unsafe-inline' either: the
# built CSS is files, and Vue, Element Plus and ECharts set styles through the CSSOM (element.style), which
# CSP does not govern (tests/browser checks that no violation is reported while the pages render).
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HOP_BY_HOP = {"connection", "keep-alive", "server", "date", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".json": "application/json; charset=utf-8",
         ".svg": "image/svg+xml", ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf"}


PICTURES = "/wwpic/"
PICTURE_HOST = "https://wework.qpic.cn"


def console_config(corp_id: str = "", api_base: str = "") -> dict[str, str]:
    """What web/console/src/config.js reads from /console/config.json: the corp whose members log in (the
    admin API builds WeCom's login URL for it: GET /admin/auth/login-url) and where the API is."""
    return {"corp_id": corp_id, "api_base": api_base}


def sidebar_config(api_base: str = "", client_script: str = "") -> dict[str, str]:
    """What web/sidebar/src/config.js reads from /sidebar/config.json: where the API is, and the WeCom client
    stand-in to load outside WeCom (CLIENT_SCRIPT on the local stack; "" when deployed)."""
    return {"api_base": api_base, "client_script": client_script}


def qr_png(text: str) -> bytes:
    """A PNG of a QR code of ``text`` (the local stand-in for WeCom's picture host)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def write_config(path: Path, config: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config, ensure_ascii=False, indent=2))
    tmp.replace(path)  # the server reads it per request: never half a file


def make_handler(dist: Path, config_path: Path, api: str, pictures: str = "", sidebar_dist: Path | None = None,
                 sidebar_config_path: Path | None = None, sandbox: str = "",
                 landing_dist: Path | None = None) -> type[BaseHTTPRequestHandler]:
    target = urlsplit(api) if api else None
    picture_host = urlsplit(pictures) if pictures else None
    sandbox_host = urlsplit(sandbox) if sandbox else None
    # prefix → (built files, config.json, what to do when unbuilt): the console, and the sidebar when given.
    apps = {PREFIX: (dist.resolve(), config_path, "控制台尚未构建：请先运行 make web")}
    if sidebar_dist is not None and sidebar_config_path is not None:
        apps[SIDEBAR_PREFIX] = (sidebar_dist.resolve(), sidebar_config_path, "侧边栏尚未构建：请先运行 make web")
    landing_root = landing_dist.resolve() if landing_dist is not None else None

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "scrm-console"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | list[tuple[str, str]] | None = None, security: bool = True) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
            for k, v in [*(SECURITY_HEADERS.items() if security else ()), *pairs]:
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _static(self) -> None:
            path = urlsplit(self.path).path
            if path == "/" or path + "/" in apps:
                self._send(302, b"", "text/plain", {"Location": PREFIX if path == "/" else path + "/"})
                return
            prefix = next((p for p in apps if path.startswith(p)), None)
            if prefix is None:
                self._send(404, "不存在".encode(), "text/plain; charset=utf-8")
                return
            root, app_config, unbuilt = apps[prefix]
            rel = path[len(prefix):]
            if rel == "config.json":
                try:
                    body = app_config.read_bytes()
                except OSError:
                    self._send(404, b'{"error": "no console config"}', TYPES[".json"])
                    return
                self._send(200, body, TYPES[".json"], {"Cache-Control": "no-store"})
                return
            index = root / "index.html"
            if not index.is_file():
                self._send(503, unbuilt.encode(), "text/plain; charset=utf-8")
                return
            file = (root / rel).resolve() if rel else index
            if not file.is_relative_to(root) or not file.is_file():
                # A route of the single-page app (/console/customers, /console/login/callback): its
                # index.html. A missing asset (a name with a dot) is a 404, not HTML with a 200.
                if "." in rel.rsplit("/", 1)[-1]:
                    self._send(404, b"not found", "text/plain")
                    return
                file = index
            ext = file.suffix
            content_type = TYPES.get(ext) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            cache = "public, max-age=31536000, immutable" if rel.startswith("assets/") else "no-cache"
            self._send(200, file.read_bytes(), content_type, {"Cache-Control": cache})

        def _landing(self) -> None:
            """A landing page or its asset: files only (each page is its own HTML file, no SPA fallback)."""
            rel = urlsplit(self.path).path[len(LANDING_PREFIX):]
            if landing_root is None or not any(landing_root.glob("*.html")):
                self._send(503, "落地页尚未构建：请先运行 make web".encode(), "text/plain; charset=utf-8")
                return
            file = (landing_root / rel).resolve()
            if not rel or not file.is_relative_to(landing_root) or not file.is_file():
                self._send(404, "页面不存在".encode(), "text/plain; charset=utf-8")
                return
            content_type = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            cache = "public, max-age=31536000, immutable" if rel.startswith("assets/") else "no-cache"
            self._send(200, file.read_bytes(), content_type, {"Cache-Control": cache})

        def _proxy(self, to: Any = None, security: bool = False) -> None:
            to = to or target
            if to is None:
                self._send(503, b'{"error": "no admin API behind this console server"}', TYPES[".json"])
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            if to is not target:
                headers = {k: v for k, v in headers.items() if k.lower() not in ("cookie", "x-csrf-token")}
            kind = http.client.HTTPSConnection if to.scheme == "https" else http.client.HTTPConnection
            conn = kind(to.hostname, to.port, timeout=60)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                # A list, not a dict: the login answer sets several cookies (one Set-Cookie header each).
                ours = {k.lower() for k in SECURITY_HEADERS} if security else set()
                passed = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP
                          and k.lower() != "content-type" and k.lower() not in ours]
                self._send(resp.status, data, resp.getheader("Content-Type") or "application/octet-stream",
                           passed, security=security)
            except OSError as exc:
                self._send(503, json.dumps({"error": f"admin API unreachable: {exc}"}).encode(), TYPES[".json"])
            finally:
                conn.close()

        def _picture(self) -> None:
            path = urlsplit(self.path).path
            if self.command not in ("GET", "HEAD") or ".." in path:
                self._send(404, b"not found", "text/plain")
                return
            if picture_host is None:
                self._send(200, qr_png(PICTURE_HOST + path), "image/png", {"Cache-Control": "public, max-age=86400"})
                return
            self._proxy(picture_host, security=True)

        def _route(self) -> None:
            if urlsplit(self.path).path.startswith(PICTURES):
                self._picture()
            elif urlsplit(self.path).path.startswith(SANDBOX_CLIENT):
                if sandbox_host is None or ".." in self.path:
                    self._send(404, b"no WeCom sandbox behind this server", "text/plain")
                else:
                    self._proxy(sandbox_host, security=True)
            elif urlsplit(self.path).path.startswith("/admin/"):
                self._proxy()
            elif urlsplit(self.path).path.startswith(LANDING_PREFIX) and self.command in ("GET", "HEAD"):
                self._landing()
            elif self.command in ("GET", "HEAD"):
                self._static()
            else:
                self._send(405, b"method not allowed", "text/plain", {"Allow": "GET, HEAD"})

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _route

    return Handler


def serve(host: str, port: int, dist: Path, config_path: Path, api: str, pictures: str = "",
          sidebar_dist: Path | None = None, sidebar_config_path: Path | None = None,
          sandbox: str = "", landing_dist: Path | None = None) -> ThreadingHTTPServer:
    handler = make_handler(dist, config_path, api, pictures, sidebar_dist, sidebar_config_path, sandbox, landing_dist)
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    from devstack.stack import ROOT

    parser = argparse.ArgumentParser(prog="python -m devstack.console_server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8003)
    parser.add_argument("--dist", type=Path, default=ROOT / "web" / "console" / "dist")
    parser.add_argument("--config", type=Path, required=True, help="the config.json to serve (re-read per request)")
    parser.add_argument("--api", default="", help="the admin API's base URL, proxied under /admin/")
    parser.add_argument("--pictures", default="", help="WeCom's picture host to pass /wwpic/ on to (default: a local "
                        "stand-in drawing a QR code of the picture's URL, the sandbox having no pictures)")
    parser.add_argument("--sidebar-dist", type=Path, default=ROOT / "web" / "sidebar" / "dist")
    parser.add_argument("--sidebar-config", type=Path, default=None,
                        help="the sidebar's config.json (re-read per request); without it no /sidebar/")
    parser.add_argument("--sandbox", default="", help="the WeCom sandbox's base URL, whose client stand-in is "
                        "passed on under /sandbox-client/ (local stack only)")
    parser.add_argument("--landing-dist", type=Path, default=ROOT / "web" / "landing" / "dist",
                        help="the customers' landing pages (web/landing), served under /landing/")
    args = parser.parse_args(argv)
    server = serve(args.host, args.port, args.dist, args.config, args.api, args.pictures,
                   args.sidebar_dist, args.sidebar_config, args.sandbox, args.landing_dist)
    print(f"console on http://{args.host}:{server.server_address[1]}{PREFIX}", flush=True)
    if args.sidebar_config is not None:
        print(f"sidebar on http://{args.host}:{server.server_address[1]}{SIDEBAR_PREFIX}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
