"""Identifier generators shaped like WeCom's, driven by a caller-supplied random.Random.

Passing the generator in (instead of using the global random module) is what makes seeding
deterministic: the same seed always produces the same external_userids, tag ids and chat ids.
"""

from __future__ import annotations

import base64
import random
import re
import string

ALNUM = string.ascii_letters + string.digits
ID_ALPHABET = ALNUM + "-_"
"""The 64 characters of WeCom ids; exactly URL-safe base64's alphabet, which rand_str exploits."""

EXTERNAL_USERID_RE = re.compile(r"^w[mo][A-Za-z0-9_-]{6,62}$")
"""Well-formed external_userid: 'wm' (WeChat user) or 'wo' (WeCom user) + id characters.

Anything else is answered with 40096 ("invalid external_userid") rather than 84061.
"""


def rand_str(rng: random.Random, length: int, alphabet: str = ALNUM) -> str:
    """A random string of `length` characters from `alphabet`.

    For ID_ALPHABET the characters come from URL-safe base64 of rng.randbytes: every character
    is still uniform over the 64 id characters, but it is ~20x faster than rng.choices, which
    matters when seeding 100k customers (each needs an external_userid, unionid and avatar).
    """
    if alphabet == ID_ALPHABET:
        raw = rng.randbytes(-(-3 * length // 4))
        return base64.urlsafe_b64encode(raw)[:length].decode("ascii")
    return "".join(rng.choices(alphabet, k=length))


def corp_id(rng: random.Random) -> str:
    """'ww' + 16 hex digits, like a real CorpID."""
    return "ww" + "".join(rng.choices("0123456789abcdef", k=16))


def secret(rng: random.Random) -> str:
    """A 43-character app secret."""
    return rand_str(rng, 43, ID_ALPHABET)


def external_userid(rng: random.Random) -> str:
    """'wm' + 30 characters, the shape of a WeChat customer's external_userid."""
    return "wm" + rand_str(rng, 30, ID_ALPHABET)


def unionid(rng: random.Random) -> str:
    return "o" + rand_str(rng, 27, ID_ALPHABET)


def tag_id(rng: random.Random) -> str:
    """'et' + 30 characters; WeCom uses the same shape for tags and tag groups."""
    return "et" + rand_str(rng, 30, ID_ALPHABET)


def chat_id(rng: random.Random) -> str:
    """'wr' + 30 characters, the shape of a customer-group chat_id."""
    return "wr" + rand_str(rng, 30, ID_ALPHABET)


def welcome_code(rng: random.Random) -> str:
    return rand_str(rng, 43, ID_ALPHABET)


def config_id(rng: random.Random) -> str:
    """32 hex digits, the shape of a contact-way or join-way config_id."""
    return f"{rng.getrandbits(128):032x}"


def qr_code(rng: random.Random) -> str:
    """A QR-code image URL on WeCom's picture host, like add_contact_way's qr_code."""
    return f"https://wework.qpic.cn/wwpic/{rng.randrange(10**5, 10**6)}_{rand_str(rng, 22)}_{rng.getrandbits(32)}/0"


def template_id(rng: random.Random) -> str:
    """'msg' + 24 id characters, the shape of a group welcome template id."""
    return "msg" + rand_str(rng, 24, ID_ALPHABET)


def msgid(rng: random.Random) -> str:
    return rand_str(rng, 40, ID_ALPHABET)


def access_token(rng: random.Random) -> str:
    return rand_str(rng, 64, ID_ALPHABET)


def is_external_userid(value: str) -> bool:
    return bool(EXTERNAL_USERID_RE.match(value))
