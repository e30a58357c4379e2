"""The sandbox's own WeCom crypto, checked against WeCom's published sample and against wechatpy."""

from __future__ import annotations

import base64

import pytest
import xmltodict
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from wecom_sandbox import crypto, envelope, xmlfmt

# WeCom's published URL-verification sample (WXBizMsgCrypt demo).
SAMPLE = {
    "token": "QDG6eK",
    "corp_id": "wx5823bf96d3bd56c7",
    "aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "plain": "1616140317555161061",
}


def test_official_sample_vector() -> None:
    s = SAMPLE
    assert crypto.signature(s["token"], s["timestamp"], s["nonce"], s["echostr"]) == s["msg_signature"]
    assert crypto.decrypt(s["echostr"], s["aes_key"], s["corp_id"]) == s["plain"]


@pytest.mark.parametrize("msg", ["", "a", "x" * 12, "x" * 32, "<xml>张三 🌸 ]]></xml>" * 7])
def test_round_trip(msg: str) -> None:
    key = crypto.generate_encoding_aes_key()
    enc = crypto.encrypt(msg, key, "wwcorp")
    assert crypto.decrypt(enc, key, "wwcorp") == msg
    assert crypto.decrypt_with_receive_id(enc, key) == (msg, "wwcorp")
    raw = base64.b64decode(enc)
    assert len(raw) % 32 == 0  # padded to WeCom's 32-byte block


def test_padding_is_pkcs7_32() -> None:
    assert crypto.pkcs7_pad(b"") == bytes([32]) * 32
    assert crypto.pkcs7_pad(b"a" * 31) == b"a" * 31 + b"\x01"
    assert crypto.pkcs7_unpad(crypto.pkcs7_pad(b"abc")) == b"abc"
    with pytest.raises(crypto.CryptoError):
        crypto.pkcs7_unpad(b"abc\x05")


def test_deterministic_with_fixed_random_prefix() -> None:
    key = SAMPLE["aes_key"]
    a = crypto.encrypt("hello", key, "ww1", random_prefix=b"0123456789abcdef")
    b = crypto.encrypt("hello", key, "ww1", random_prefix=b"0123456789abcdef")
    assert a == b
    assert a != crypto.encrypt("hello", key, "ww1")


def test_errors() -> None:
    key = crypto.generate_encoding_aes_key()
    enc = crypto.encrypt("m", key, "ww1")
    with pytest.raises(crypto.CryptoError, match="receiveid"):
        crypto.decrypt(enc, key, "ww2")
    with pytest.raises(crypto.CryptoError):
        crypto.aes_key("short")
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt("not base64!!", key)
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(enc, crypto.generate_encoding_aes_key())  # wrong key → bad padding or garbage


def test_generated_credentials_are_valid() -> None:
    key = crypto.generate_encoding_aes_key()
    assert len(key) == 43 and len(crypto.aes_key(key)) == 32
    token = crypto.generate_token()
    assert token.isalnum() and len(token) <= 32
    assert crypto.generate_nonce().isdigit()


def test_sandbox_envelope_decrypts_with_wechatpy() -> None:
    key = crypto.generate_encoding_aes_key()
    plain = xmlfmt.render(
        {"ToUserName": "wwabc", "FromUserName": "sys", "CreateTime": 1700000000, "Event": "张三"}
    )
    env = envelope.seal(
        plain,
        token="tok123",
        aes_key=key,
        corp_id="wwabc",
        agent_id=1000002,
        timestamp=1700000001,
        nonce="42",
    )
    wp = WeChatCrypto("tok123", key, "wwabc")
    assert (
        wp.decrypt_message(env.body, env.query["msg_signature"], env.query["timestamp"], env.query["nonce"])
        == plain
    )
    outer = xmltodict.parse(env.body)["xml"]
    assert outer["ToUserName"] == "wwabc" and outer["AgentID"] == "1000002"


def test_wechatpy_envelope_decrypts_with_sandbox() -> None:
    key = crypto.generate_encoding_aes_key()
    wp = WeChatCrypto("tok123", key, "wwabc")
    reply = wp.encrypt_message("<xml><Content><![CDATA[你好]]></Content></xml>", "777", "1700000000")
    fields = xmltodict.parse(reply)["xml"]
    assert crypto.signature("tok123", "1700000000", "777", fields["Encrypt"]) == fields["MsgSignature"]
    assert crypto.decrypt(fields["Encrypt"], key, "wwabc") == "<xml><Content><![CDATA[你好]]></Content></xml>"
    # raw PrpCrypto too (no envelope)
    enc = PrpCrypto(crypto.aes_key(key)).encrypt("abc", "wwabc")
    assert crypto.decrypt(enc if isinstance(enc, str) else enc.decode(), key, "wwabc") == "abc"


def test_echostr_checks_with_wechatpy() -> None:
    key = crypto.generate_encoding_aes_key()
    query = envelope.verification_query(
        "echo-123", token="tok", aes_key=key, corp_id="wwx", timestamp=1700000000, nonce="9"
    )
    wp = WeChatCrypto("tok", key, "wwx")
    echo = wp.check_signature(query["msg_signature"], query["timestamp"], query["nonce"], query["echostr"])
    assert (echo if isinstance(echo, str) else echo.decode()) == "echo-123"


def test_unseal_rejects_bad_signature() -> None:
    key = crypto.generate_encoding_aes_key()
    env = envelope.seal("<xml/>", token="t", aes_key=key, corp_id="ww", agent_id=None, timestamp=1, nonce="2")
    assert envelope.unseal(env.body, env.query, token="t", aes_key=key, corp_id="ww") == "<xml/>"
    with pytest.raises(crypto.CryptoError):
        envelope.unseal(env.body, {**env.query, "nonce": "3"}, token="t", aes_key=key, corp_id="ww")


def test_xml_rendering() -> None:
    xml = xmlfmt.render({"A": "x]]>y", "B": 3, "MemChangeList": ["u1", "wm2"]})
    assert (
        xml
        == "<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A><B>3</B><MemChangeList><Item><![CDATA[u1]]></Item><Item><![CDATA[wm2]]></Item></MemChangeList></xml>"
    )
    assert xmlfmt.parse(xml) == {"A": "x]]>y", "B": "3", "MemChangeList": ["u1", "wm2"]}
