"""Admin API keys: who may call the admin API, for which corp, with which role.

A key is ``scrm_<key id>_<secret>``; only its SHA-256 is stored. The secret is 32 random bytes, so a
slow password hash would add nothing (nobody can guess 256 bits) and would cost every request time.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

KEY_RE = re.compile(r"scrm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


class Role(StrEnum):
    ADMIN = "admin"  # read and write
    VIEWER = "viewer"  # read only


@dataclass(frozen=True)
class Principal:
    """The caller of an admin request. ``corp_id`` comes from the key, never from the request."""

    corp_id: str
    role: Role
    key_id: str

    @property
    def can_write(self) -> bool:
        return self.role is Role.ADMIN


def new_key() -> tuple[str, str, str]:
    """(key id, the whole key to hand out once, its hash to store)."""
    key_id = secrets.token_hex(6)
    key = f"scrm_{key_id}_{secrets.token_urlsafe(32)}"
    return key_id, key, key_hash(key)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def well_formed(key: str) -> bool:
    return KEY_RE.fullmatch(key) is not None
