"""WeCom callback message crypto (企业微信回调加解密), written from the published algorithm.

This is deliberately an independent implementation: the SCRM app uses wechatpy, so if the sandbox
used wechatpy too, a shared bug would make every round-trip test pass.  Keeping our own code lets the
interop tests (sandbox encrypts, wechatpy decrypts, and the reverse) act as a real cross-check.

Algorithm (WeCom "加解密方案说明"):
  * AESKey = base64decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = AESKey[:16].
  * plaintext = 16 random bytes + 4-byte big-endian len(msg) + msg (UTF-8) + receiveid (the CorpID).
  * PKCS#7 padding to a 32-byte block (WeCom's convention, not AES's 16).
  * Encrypt = base64(ciphertext); msg_signature = sha1(sorted([token, timestamp, nonce, encrypt]) joined).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import string
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAD_BLOCK_SIZE = 32
"""WeCom pads to 32 bytes although AES blocks are 16; both sides must agree or unpadding fails."""

_ALNUM = string.ascii_letters + string.digits


class CryptoError(ValueError):
    """Raised for any malformed key, ciphertext, padding, signature or receiveid mismatch."""


def aes_key(encoding_aes_key: str) -> bytes:
    """Turn the 43-character EncodingAESKey into the 32-byte AES key."""
    if len(encoding_aes_key) != 43:
        raise CryptoError(f"EncodingAESKey must be 43 characters, got {len(encoding_aes_key)}")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise CryptoError(f"EncodingAESKey is not base64: {exc}") from exc
    if len(key) != 32:
        raise CryptoError("EncodingAESKey does not decode to 32 bytes")
    return key


def pkcs7_pad(data: bytes, block_size: int = PAD_BLOCK_SIZE) -> bytes:
    """Pad with n bytes of value n (1..block_size); a full block is added when already aligned."""
    n = block_size - len(data) % block_size
    return data + bytes([n]) * n


def pkcs7_unpad(data: bytes, block_size: int = PAD_BLOCK_SIZE) -> bytes:
    """Strip and check PKCS#7 padding (strict: every pad byte must carry the pad length)."""
    if not data:
        raise CryptoError("empty plaintext")
    n = data[-1]
    if n < 1 or n > block_size or n > len(data) or data[-n:] != bytes([n]) * n:
        raise CryptoError("bad PKCS#7 padding")
    return data[:-n]


def _cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(
    msg: str | bytes, encoding_aes_key: str, receive_id: str, random_prefix: bytes | None = None
) -> str:
    """Encrypt msg for receive_id (the CorpID) and return the base64 `Encrypt` value.

    random_prefix (16 bytes) is only for deterministic tests; WeCom uses fresh random bytes.
    """
    key = aes_key(encoding_aes_key)
    body = msg.encode("utf-8") if isinstance(msg, str) else msg
    prefix = os.urandom(16) if random_prefix is None else random_prefix
    if len(prefix) != 16:
        raise CryptoError("random_prefix must be 16 bytes")
    plain = prefix + struct.pack(">I", len(body)) + body + receive_id.encode("utf-8")
    encryptor = _cipher(key).encryptor()
    cipher_text = encryptor.update(pkcs7_pad(plain)) + encryptor.finalize()
    return base64.b64encode(cipher_text).decode("ascii")


def decrypt_with_receive_id(encrypted: str, encoding_aes_key: str) -> tuple[str, str]:
    """Decrypt an `Encrypt` value and return (msg, receiveid) without judging the receiveid."""
    key = aes_key(encoding_aes_key)
    try:
        cipher_text = base64.b64decode(encrypted, validate=True)
    except binascii.Error as exc:
        raise CryptoError(f"ciphertext is not base64: {exc}") from exc
    if not cipher_text or len(cipher_text) % 16:
        raise CryptoError("ciphertext length is not a multiple of the AES block size")
    decryptor = _cipher(key).decryptor()
    plain = pkcs7_unpad(decryptor.update(cipher_text) + decryptor.finalize())
    if len(plain) < 20:
        raise CryptoError("plaintext too short")
    (length,) = struct.unpack(">I", plain[16:20])
    if 20 + length > len(plain):
        raise CryptoError("message length field exceeds the plaintext")
    try:
        msg = plain[20 : 20 + length].decode("utf-8")
        receive_id = plain[20 + length :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CryptoError(f"plaintext is not UTF-8: {exc}") from exc
    return msg, receive_id


def decrypt(encrypted: str, encoding_aes_key: str, receive_id: str | None = None) -> str:
    """Decrypt an `Encrypt` value; when receive_id is given it must match (WeCom requires the CorpID)."""
    msg, got = decrypt_with_receive_id(encrypted, encoding_aes_key)
    if receive_id is not None and got != receive_id:
        raise CryptoError(f"receiveid mismatch: expected {receive_id!r}, got {got!r}")
    return msg


def signature(token: str, timestamp: str | int, nonce: str, encrypt_value: str) -> str:
    """WeCom msg_signature: sha1 hex of the four strings sorted and concatenated."""
    parts = sorted([token, str(timestamp), nonce, encrypt_value])
    return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()


def generate_encoding_aes_key() -> str:
    """A fresh valid EncodingAESKey: 32 random bytes in base64 without the trailing '='."""
    return base64.b64encode(os.urandom(32)).decode("ascii")[:-1]


def generate_token(length: int = 24) -> str:
    """A callback Token: WeCom allows at most 32 letters/digits."""
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def generate_nonce() -> str:
    """A nonce shaped like WeCom's (a string of digits)."""
    return str(secrets.randbelow(9_000_000_000) + 1_000_000_000)
