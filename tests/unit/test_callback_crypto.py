"""scrm.adapters.wecom.callback_crypto: WeCom's AES framing with strict checks, and wechatpy interop."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from scrm.adapters.wecom.callback_crypto import BLOCK, CallbackCrypto, CryptoError, signature
from scrm.adapters.wecom.xml import parse_xml
from wechatpy.crypto.cryptography import WeChatCipher
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # the example key of WeCom's docs
CORP = "wx5823bf96d3bd56c7"
KEY = base64.b64decode(AES_KEY + "=")


@pytest.fixture
def crypto() -> CallbackCrypto:
    return CallbackCrypto(TOKEN, AES_KEY, CORP)


def frame(body: bytes, receive_id: bytes = CORP.encode(), random16: bytes = b"0123456789abcdef") -> bytes:
    """random(16) + msg_len(4, big endian) + msg + receive_id, before padding."""
    return random16 + struct.pack(">I", len(body)) + body + receive_id


def seal(plain: bytes) -> str:
    """AES-CBC (iv = key[:16]) without any padding of ours: the caller decides the last bytes."""
    assert len(plain) % 16 == 0
    return base64.b64encode(WeChatCipher(KEY).encrypt(plain)).decode()


def pad32(data: bytes) -> bytes:
    n = BLOCK - len(data) % BLOCK
    return data + bytes([n]) * n


# round trips ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "msg",
    [
        "<xml><Event>change_contact</Event></xml>",
        "",
        "x" * 27,
        "y" * 42,  # frame of 16+4+42+18 = 80 bytes: a multiple of 16 but not of 32
        "a" * 5000,
    ],
)
def test_round_trip(crypto: CallbackCrypto, msg: str) -> None:
    enc = crypto.encrypt(msg)
    assert crypto.decrypt(enc) == msg


def test_round_trip_when_frame_is_a_multiple_of_32(crypto: CallbackCrypto) -> None:
    """A full block of padding (32 x 0x20) is added when the frame is already aligned."""
    body = "b" * (64 - 16 - 4 - len(CORP))
    assert (16 + 4 + len(body) + len(CORP)) % 32 == 0
    enc = crypto.encrypt(body)
    assert len(base64.b64decode(enc)) == 96
    plain = WeChatCipher(KEY).decrypt(base64.b64decode(enc))
    assert plain[-32:] == bytes([32]) * 32
    assert crypto.decrypt(enc) == body


def test_chinese_text(crypto: CallbackCrypto) -> None:
    msg = "<xml><Name><![CDATA[张三的客户群🎉]]></Name></xml>"
    assert crypto.decrypt(crypto.encrypt(msg)) == msg


def test_encrypt_is_randomised_and_framed(crypto: CallbackCrypto) -> None:
    a, b = crypto.encrypt("hello"), crypto.encrypt("hello")
    assert a != b
    plain = WeChatCipher(KEY).decrypt(base64.b64decode(a))
    pad = plain[-1]
    assert len(plain) % BLOCK == 0
    content = plain[16:-pad]
    assert struct.unpack(">I", content[:4])[0] == 5
    assert content[4:9] == b"hello"
    assert content[9:] == CORP.encode()


def test_decrypts_a_hand_built_frame(crypto: CallbackCrypto) -> None:
    assert crypto.decrypt(seal(pad32(frame("手工".encode())))) == "手工"


# rejections -------------------------------------------------------------------------------------


def test_wrong_receive_id_rejected(crypto: CallbackCrypto) -> None:
    other = CallbackCrypto(TOKEN, AES_KEY, "wwANOTHERCORP")
    with pytest.raises(CryptoError, match="another receiver"):
        crypto.decrypt(other.encrypt("<xml/>"))
    with pytest.raises(CryptoError, match="another receiver"):
        other.decrypt(crypto.encrypt("<xml/>"))


def test_receive_id_prefix_is_not_enough(crypto: CallbackCrypto) -> None:
    with pytest.raises(CryptoError, match="another receiver"):
        crypto.decrypt(seal(pad32(frame(b"m", receive_id=CORP.encode() + b"X"))))
    with pytest.raises(CryptoError, match="another receiver"):
        crypto.decrypt(seal(pad32(frame(b"m", receive_id=CORP.encode()[:-1]))))


def test_other_key_rejected(crypto: CallbackCrypto) -> None:
    other_key = base64.b64encode(bytes(range(32))).decode().rstrip("=")
    enc = CallbackCrypto(TOKEN, other_key, CORP).encrypt("<xml>hello there, this is long enough</xml>")
    with pytest.raises(CryptoError):
        crypto.decrypt(enc)


def test_tampered_ciphertext_breaks_the_padding(crypto: CallbackCrypto) -> None:
    """CBC: flipping a byte of the second-to-last block flips the same byte of the last plaintext block."""
    raw = bytearray(base64.b64decode(crypto.encrypt("<xml>tamper me</xml>")))
    pad = WeChatCipher(KEY).decrypt(bytes(raw))[-1]
    raw[-17] ^= pad  # last plaintext byte becomes 0
    with pytest.raises(CryptoError, match="bad padding"):
        crypto.decrypt(base64.b64encode(bytes(raw)).decode())


def test_tampered_ciphertext_breaks_the_length(crypto: CallbackCrypto) -> None:
    """Flipping the first ciphertext byte flips the top byte of msg_len (plaintext byte 16)."""
    raw = bytearray(base64.b64decode(crypto.encrypt("<xml>tamper me</xml>")))
    raw[0] ^= 0x80
    with pytest.raises(CryptoError, match="bad length"):
        crypto.decrypt(base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize(
    "tail",
    [
        bytes([0]),  # zero is never valid
        bytes([33]),  # above WeCom's 32-byte block
        bytes([255]),
        bytes([2, 3]),  # claims 3, but the run is 07 02 03
        bytes([4, 4, 5, 4]),  # claims 4, one byte in the run differs
    ],
)
def test_bad_padding_rejected(crypto: CallbackCrypto, tail: bytes) -> None:
    body = frame(b"<xml/>")
    filler = (-(len(body) + len(tail))) % 32
    plain = body + b"\x07" * filler + tail  # 0x07 filler: never a valid run for the claimed length
    assert len(plain) % 32 == 0
    with pytest.raises(CryptoError, match="bad padding"):
        crypto.decrypt(seal(plain))


def test_sixteen_byte_aligned_padding_is_accepted_when_consistent(crypto: CallbackCrypto) -> None:
    """A sender padding to 16 (PKCS#7 for AES) still gives a consistent run within 1..32."""
    body = frame(b"<xml>ok</xml>")
    n = 16 - len(body) % 16
    assert crypto.decrypt(seal(body + bytes([n]) * n)) == "<xml>ok</xml>"


def test_length_field_larger_than_content_rejected(crypto: CallbackCrypto) -> None:
    body = b"0123456789abcdef" + struct.pack(">I", 10_000) + b"short" + CORP.encode()
    with pytest.raises(CryptoError, match="bad length"):
        crypto.decrypt(seal(pad32(body)))


def test_too_short_rejected(crypto: CallbackCrypto) -> None:
    with pytest.raises(CryptoError, match="too short"):
        crypto.decrypt(seal(b"0123456789abcdef" + b"\x10" * 16))


def test_non_utf8_message_rejected(crypto: CallbackCrypto) -> None:
    with pytest.raises(CryptoError, match="UTF-8"):
        crypto.decrypt(seal(pad32(frame(b"\xff\xfe\xfd"))))


@pytest.mark.parametrize("bad", ["not base64!!", "", "QUJD", "QUJDRA==", "A" * 24])
def test_not_base64_or_not_block_aligned(crypto: CallbackCrypto, bad: str) -> None:
    with pytest.raises(CryptoError):
        crypto.decrypt(bad)


def test_crypto_error_is_a_value_error() -> None:
    assert issubclass(CryptoError, ValueError)


@pytest.mark.parametrize("key", ["short", AES_KEY + "A", "*" * 43])
def test_bad_aes_key(key: str) -> None:
    with pytest.raises(ValueError):
        CallbackCrypto(TOKEN, key, CORP)


# signatures -------------------------------------------------------------------------------------


def test_signature_is_sha1_of_sorted_parts() -> None:
    parts = [TOKEN, "1409659813", "1372623149", "ENCRYPTED+TEXT/=="]
    expected = hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()
    assert signature(*parts) == expected
    # sorting, not concatenation order
    assert expected != hashlib.sha1("".join(parts).encode()).hexdigest()
    assert signature(TOKEN, "1372623149", "1409659813", "ENCRYPTED+TEXT/==") == expected


def test_signature_known_value() -> None:
    """The same value wechatpy computes (its WeChatSigner sorts and sha1s the same four strings)."""
    from wechatpy.utils import WeChatSigner

    signer = WeChatSigner()
    signer.add_data(TOKEN, "1409659813", "1372623149", "abc")
    assert signature(TOKEN, "1409659813", "1372623149", "abc") == signer.signature


def test_check_signature(crypto: CallbackCrypto) -> None:
    enc = crypto.encrypt("<xml/>")
    good = signature(TOKEN, "1700000000", "nonce1", enc)
    crypto.check_signature(good, "1700000000", "nonce1", enc)
    crypto.check_signature(good.upper(), "1700000000", "nonce1", enc)  # hex case does not matter


@pytest.mark.parametrize("which", ["signature", "timestamp", "nonce", "encrypt", "empty", "token"])
def test_bad_signature_rejected(crypto: CallbackCrypto, which: str) -> None:
    enc = crypto.encrypt("<xml/>")
    sig, ts, nonce = signature(TOKEN, "1700000000", "nonce1", enc), "1700000000", "nonce1"
    if which == "signature":
        sig = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    elif which == "timestamp":
        ts = "1700000001"
    elif which == "nonce":
        nonce = "nonce2"
    elif which == "encrypt":
        enc = crypto.encrypt("<xml/>")
    elif which == "empty":
        sig = ""
    elif which == "token":
        sig = signature("OtherToken", ts, nonce, enc)
    with pytest.raises(CryptoError, match="bad signature"):
        crypto.check_signature(sig, ts, nonce, enc)


def test_check_signature_tolerates_none(crypto: CallbackCrypto) -> None:
    with pytest.raises(CryptoError, match="bad signature"):
        crypto.check_signature(None, "1", "n", "e")  # type: ignore[arg-type]


# interop with wechatpy 1.8.18 -------------------------------------------------------------------


def envelope(enc: str) -> str:
    return f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt></xml>"


@pytest.mark.parametrize(
    "msg", ["<xml><Event>change_external_contact</Event></xml>", "<xml><A>中文内容</A></xml>"]
)
def test_wechatpy_decrypts_ours(crypto: CallbackCrypto, msg: str) -> None:
    enc = crypto.encrypt(msg)
    sig = signature(TOKEN, "1700000000", "n0nce", enc)
    wp = WeChatCrypto(TOKEN, AES_KEY, CORP)
    assert wp.decrypt_message(envelope(enc), sig, "1700000000", "n0nce") == msg


def test_wechatpy_rejects_our_bad_signature(crypto: CallbackCrypto) -> None:
    enc = crypto.encrypt("<xml/>")
    wp = WeChatCrypto(TOKEN, AES_KEY, CORP)
    with pytest.raises(InvalidSignatureException):
        wp.decrypt_message(envelope(enc), "0" * 40, "1700000000", "n0nce")


@pytest.mark.parametrize(
    "msg", ["<xml><Event>change_contact</Event></xml>", "<xml><A>中文内容，再长一点</A></xml>", "q" * 31]
)
def test_we_decrypt_wechatpys(crypto: CallbackCrypto, msg: str) -> None:
    wp = WeChatCrypto(TOKEN, AES_KEY, CORP)
    out = parse_xml(wp.encrypt_message(msg, "n0nce", "1700000000"))
    enc = out["Encrypt"]
    crypto.check_signature(out["MsgSignature"], out["TimeStamp"], out["Nonce"], enc)
    assert out["TimeStamp"] == "1700000000" and out["Nonce"] == "n0nce"
    assert crypto.decrypt(enc) == msg


def test_wechatpy_echostr_check_matches_ours(crypto: CallbackCrypto) -> None:
    """URL verification: wechatpy's check_signature over echostr agrees with ours."""
    echostr = crypto.encrypt("1616140317555161061")
    sig = signature(TOKEN, "1700000000", "n", echostr)
    assert (
        WeChatCrypto(TOKEN, AES_KEY, CORP).check_signature(sig, "1700000000", "n", echostr)
        == "1616140317555161061"
    )


@pytest.mark.parametrize("encrypt", ["\x80", "密文", "QUJD\u00a0"])
def test_a_ciphertext_with_non_ascii_characters_is_not_base64(crypto: CallbackCrypto, encrypt: str) -> None:
    """base64 raises a plain ValueError for these, not binascii.Error (found by the parser's fuzz)."""
    with pytest.raises(CryptoError, match="not base64"):
        crypto.decrypt(encrypt)
