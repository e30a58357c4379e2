"""WeCom callback crypto with the checks wechatpy 1.8.18 leaves out.

wechatpy compares signatures with ``!=`` and trusts the PKCS#7 padding byte (local-stack notes); a callback
endpoint open to the internet needs a constant-time compare and a strict unpad. The AES-CBC itself is the
``cryptography`` primitive that wechatpy also uses: importing wechatpy for it would add ~90 ms (requests,
six, its API classes) to the callback function's cold start. Interop with wechatpy's ``WeChatCrypto`` is
covered by unit tests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16


class CryptoError(ValueError):
    """The message cannot be trusted: bad signature, bad padding, bad framing or another receiver."""


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


class CallbackCrypto:
    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError("EncodingAESKey is not base64") from exc
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes (43 characters)")
        self._key = key
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))
        self._token = token
        self._receive_id = receive_id

    def check_signature(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        expected = signature(self._token, timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected.encode(), (msg_signature or "").lower().encode()):
            raise CryptoError("bad signature")

    def decrypt(self, encrypt: str) -> str:
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except ValueError as exc:  # binascii.Error, or a str with non-ASCII characters (found by fuzzing)
            raise CryptoError("ciphertext is not base64") from exc
        if not raw or len(raw) % 16:
            raise CryptoError("ciphertext length is not a multiple of the AES block")
        decryptor = self._cipher.decryptor()
        plain = decryptor.update(raw) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        content = plain[16:-pad]
        if len(content) < 4:
            raise CryptoError("message too short")
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise CryptoError("bad length field")
        receive_id = content[4 + length :].decode("utf-8", "replace")
        if not hmac.compare_digest(receive_id.encode(), self._receive_id.encode()):
            raise CryptoError("message is for another receiver")
        try:
            return content[4 : 4 + length].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CryptoError("message is not UTF-8") from exc

    def encrypt(self, msg: str) -> str:
        """Used by tests and the demo to play WeCom; the sandbox has its own independent implementation."""
        body = msg.encode()
        data = os.urandom(16) + struct.pack(">I", len(body)) + body + self._receive_id.encode()
        pad = BLOCK - len(data) % BLOCK
        data += bytes([pad]) * pad
        encryptor = self._cipher.encryptor()
        return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()
