"""scrm.corps.corp: validation of a corp's WeCom credentials, and keeping secrets out of repr."""

from __future__ import annotations

import base64

import pytest
from scrm.corps.corp import Corp, InvalidCorp

AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")


def corp(**kw: str) -> Corp:
    base = {"corp_id": "ww1234567890abcdef", "token": "Tok3n", "aes_key": AES_KEY, "secret": "s3cret-VALUE"}
    base.update(kw)
    return Corp(**base)


def test_aes_key_fixture_is_43_chars() -> None:
    assert len(AES_KEY) == 43


def test_valid_corp_returns_itself() -> None:
    c = corp(agent_id="1000002", name="示例公司")
    assert c.validate() is c


@pytest.mark.parametrize(
    ("kw", "what"),
    [
        ({"corp_id": ""}, "corp id"),
        ({"corp_id": "ww 1"}, "corp id"),
        ({"corp_id": "ww/1"}, "corp id"),
        ({"corp_id": "w" * 65}, "corp id"),
        ({"token": ""}, "token"),
        ({"token": "t" * 33}, "token"),
        ({"token": "tok_en"}, "token"),
        ({"aes_key": AES_KEY[:-1]}, "EncodingAESKey"),
        ({"aes_key": AES_KEY + "A"}, "EncodingAESKey"),
        ({"aes_key": AES_KEY[:-1] + "="}, "EncodingAESKey"),
        ({"secret": ""}, "secret"),
        ({"agent_id": "10x"}, "agent id"),
    ],
)
def test_invalid_fields_are_rejected(kw: dict[str, str], what: str) -> None:
    with pytest.raises(InvalidCorp, match=what):
        corp(**kw).validate()


def test_limits_are_inclusive() -> None:
    corp(corp_id="w" * 64, token="t" * 32).validate()
    corp(corp_id="a-b_C9", token="A1").validate()


@pytest.mark.parametrize("field", ["corp_id", "token", "aes_key"])
def test_trailing_newline_is_rejected(field: str) -> None:
    good = {"corp_id": "ww1234567890abcdef", "token": "Tok3n", "aes_key": AES_KEY}
    with pytest.raises(InvalidCorp):
        corp(**{field: good[field] + "\n"}).validate()


def test_repr_hides_secrets() -> None:
    c = corp(agent_id="1000002", name="Acme")
    text = repr(c) + str(c)
    assert "ww1234567890abcdef" in text and "Acme" in text
    for secret in ("Tok3n", AES_KEY, "s3cret-VALUE"):
        assert secret not in text


def test_secret_round_trip() -> None:
    c = corp(agent_id="1000002", name="Acme")
    data = c.to_secret()
    assert data == {
        "corp_id": "ww1234567890abcdef",
        "token": "Tok3n",
        "aes_key": AES_KEY,
        "secret": "s3cret-VALUE",
        "agent_id": "1000002",
        "name": "Acme",
    }
    assert Corp.from_secret(data) == c


def test_from_secret_tolerates_missing_or_numeric_optionals() -> None:
    c = Corp.from_secret(
        {"corp_id": "ww1", "token": "t", "aes_key": AES_KEY, "secret": "s", "agent_id": 1000002}
    )
    assert (c.agent_id, c.name) == ("1000002", "")
    c = Corp.from_secret(
        {"corp_id": "ww1", "token": "t", "aes_key": AES_KEY, "secret": "s", "agent_id": None, "name": None}
    )
    assert (c.agent_id, c.name) == ("", "")


def test_corp_is_frozen() -> None:
    c = corp()
    with pytest.raises(AttributeError):
        c.token = "other"  # type: ignore[misc]
