"""The encrypted envelope WeCom POSTs to a callback URL, and the URL-verification echostr.

Separated from crypto.py because this is protocol framing (query string, outer XML, AgentID) while
crypto.py is only the cipher; tests and users can seal/unseal without running a server.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from . import crypto, xmlfmt


@dataclass(frozen=True, slots=True)
class Envelope:
    """One sealed delivery: the query parameters and the XML body, exactly as sent."""

    query: dict[str, str]
    body: str

    def url(self, base_url: str) -> str:
        """base_url with msg_signature/timestamp/nonce appended (keeps any query it already has)."""
        return add_query(base_url, self.query)


def add_query(base_url: str, params: dict[str, str]) -> str:
    """Append params to a URL that may already carry a query string."""
    parts = urlsplit(base_url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def seal(
    plaintext: str,
    *,
    token: str,
    aes_key: str,
    corp_id: str,
    agent_id: int | str | None,
    timestamp: int,
    nonce: str,
) -> Envelope:
    """Encrypt plaintext XML and wrap it the way WeCom does for a self-built app callback."""
    encrypted = crypto.encrypt(plaintext, aes_key, corp_id)
    fields: dict[str, str] = {"ToUserName": corp_id}
    if agent_id is not None and agent_id != "":
        fields["AgentID"] = str(agent_id)
    fields["Encrypt"] = encrypted
    query = {
        "msg_signature": crypto.signature(token, str(timestamp), nonce, encrypted),
        "timestamp": str(timestamp),
        "nonce": nonce,
    }
    return Envelope(query=query, body=xmlfmt.render(fields))


def unseal(body: str, query: dict[str, str], *, token: str, aes_key: str, corp_id: str) -> str:
    """Check the signature and decrypt an envelope; the inverse of seal (used by tests and tools)."""
    encrypted = xmlfmt.parse(body).get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise crypto.CryptoError("envelope has no Encrypt element")
    expected = crypto.signature(token, query.get("timestamp", ""), query.get("nonce", ""), encrypted)
    if expected != query.get("msg_signature"):
        raise crypto.CryptoError("msg_signature does not match")
    return crypto.decrypt(encrypted, aes_key, corp_id)


def verification_query(
    echo_plain: str, *, token: str, aes_key: str, corp_id: str, timestamp: int, nonce: str
) -> dict[str, str]:
    """Query parameters of WeCom's URL-verification GET; the receiver must answer with echo_plain."""
    echostr = crypto.encrypt(echo_plain, aes_key, corp_id)
    return {
        "msg_signature": crypto.signature(token, str(timestamp), nonce, echostr),
        "timestamp": str(timestamp),
        "nonce": nonce,
        "echostr": echostr,
    }
