"""A corp (company) registered with us, and its WeCom credentials."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scrm.kernel.errors import InvalidInput

# Patterns are used with fullmatch: "$" would accept a trailing newline of a pasted value.
CORP_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
TOKEN_RE = re.compile(r"[A-Za-z0-9]{1,32}")
AES_KEY_RE = re.compile(r"[A-Za-z0-9+/]{43}")


class InvalidCorp(InvalidInput):
    """A corp's registration data breaks WeCom's format rules; the line names the value at fault."""

    def __init__(self, why: str) -> None:
        super().__init__("", why)


@dataclass(frozen=True)
class Corp:
    """Secrets are excluded from repr so that a logged or printed Corp never leaks them."""

    corp_id: str
    token: str = field(repr=False)
    aes_key: str = field(repr=False)
    secret: str = field(repr=False)
    agent_id: str = ""
    name: str = ""

    def validate(self) -> Corp:
        if not CORP_ID_RE.fullmatch(self.corp_id):
            raise InvalidCorp("corp id: letters, digits, _ and - only, 1 to 64 characters")
        if not TOKEN_RE.fullmatch(self.token):
            raise InvalidCorp("token: letters and digits only, 1 to 32 characters (WeCom's rule)")
        if not AES_KEY_RE.fullmatch(self.aes_key):
            raise InvalidCorp("EncodingAESKey: exactly 43 base64 characters (WeCom's rule)")
        if not self.secret:
            raise InvalidCorp("app secret: required")
        if self.agent_id and not (self.agent_id.isascii() and self.agent_id.isdigit()):  # not "²"
            raise InvalidCorp("agent id: digits only")
        return self

    def to_secret(self) -> dict[str, str]:
        return {
            "corp_id": self.corp_id,
            "token": self.token,
            "aes_key": self.aes_key,
            "secret": self.secret,
            "agent_id": self.agent_id,
            "name": self.name,
        }

    @classmethod
    def from_secret(cls, data: dict[str, str]) -> Corp:
        return cls(
            corp_id=data["corp_id"],
            token=data["token"],
            aes_key=data["aes_key"],
            secret=data["secret"],
            agent_id=str(data.get("agent_id", "") or ""),
            name=data.get("name", "") or "",
        )
