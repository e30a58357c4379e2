"""The JS-SDK's signatures (96909): what ``wx.config`` (the corp's jsapi_ticket) and ``wx.agentConfig`` (the
app's) need, signed on the server (the tickets never reach a browser).

The signature is SHA-1 of ``jsapi_ticket=T&noncestr=N&timestamp=TS&url=URL``, in that order, with the
values as they are (no URL encoding) and the page's URL without ``#`` and what follows. wechatpy 1.8.18's
``get_jsapi_signature`` sorts the four pairs, which gives the same order; ours writes it out, so a reader
checks it against the page without knowing that the sort happens to agree.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from scrm.kernel.errors import InvalidInput

URL_MAX = 2048


def page_url(url: str) -> str:
    """The URL a signature is for: without the fragment; http(s) only (a page inside WeCom's client)."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX:
        raise InvalidInput("url", f"url: the page's address, 1..{URL_MAX} characters")
    bare = url.split("#", 1)[0]
    if not bare.startswith(("https://", "http://")):
        raise InvalidInput("url", "url: must start with https:// or http://")
    return bare


def signature(ticket: str, noncestr: str, timestamp: int, url: str) -> str:
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode()).hexdigest()


@dataclass(frozen=True)
class Signed:
    """One signature as the page hands it to ``wx.config`` / ``wx.agentConfig``."""

    timestamp: int
    nonce_str: str
    signature: str

    def as_dict(self) -> dict[str, object]:
        return {"timestamp": self.timestamp, "nonceStr": self.nonce_str, "signature": self.signature}


def sign(ticket: str, url: str, clock: Callable[[], float] = time.time, nonce: Callable[[], str] | None = None) -> Signed:
    noncestr = (nonce or (lambda: secrets.token_urlsafe(12)))()
    timestamp = int(clock())
    return Signed(timestamp, noncestr, signature(ticket, noncestr, timestamp, page_url(url)))
