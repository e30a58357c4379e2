"""Play WeCom by hand: signed, encrypted callbacks built with our own crypto (negative tests, the IAM test
and the benchmarks use it; the sandbox is the full WeCom)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests
from scrm.adapters.wecom.callback_crypto import CallbackCrypto, signature


def event_xml(fields: dict[str, Any]) -> str:
    """The decrypted XML WeCom sends; list values become ``<Item>`` children."""
    parts = []
    for k, v in fields.items():
        if isinstance(v, list):
            items = "".join(f"<Item><![CDATA[{i}]]></Item>" for i in v)
            parts.append(f"<{k}>{items}</{k}>")
        elif isinstance(v, int):
            parts.append(f"<{k}>{v}</{k}>")
        else:
            parts.append(f"<{k}><![CDATA[{v}]]></{k}>")
    return "<xml>" + "".join(parts) + "</xml>"


class FakeWeCom:
    def __init__(self, app_url: str, corp: dict[str, Any]) -> None:
        self.url = f"{app_url}/wecom/callback/{corp['corp_id']}"
        self.corp = corp
        self.crypto = CallbackCrypto(corp["token"], corp["aes_key"], corp["corp_id"])

    def envelope(
        self, plaintext: str, *, timestamp: int | None = None, to_user: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = uuid.uuid4().hex[:10]
        enc = self.crypto.encrypt(plaintext)
        body = (
            f"<xml><ToUserName><![CDATA[{to_user or self.corp['corp_id']}]]></ToUserName>"
            f"<AgentID><![CDATA[{self.corp.get('agent_id', '1')}]]></AgentID>"
            f"<Encrypt><![CDATA[{enc}]]></Encrypt></xml>"
        ).encode()
        params = {"msg_signature": signature(self.corp["token"], ts, nonce, enc), "timestamp": ts, "nonce": nonce}
        return params, body

    def post(self, params: dict[str, str], body: bytes, content_type: str = "text/xml") -> requests.Response:
        return requests.post(self.url, params=params, data=body, headers={"Content-Type": content_type}, timeout=10)

    def send(self, fields: dict[str, Any], **kw: Any) -> requests.Response:
        full = {"ToUserName": self.corp["corp_id"], "FromUserName": "sys", "CreateTime": int(time.time()),
                "MsgType": "event", **fields}
        params, body = self.envelope(event_xml(full), **kw)
        return self.post(params, body)
