"""scrm.callbacks.intake: trust the request, type the event, build its key; or say why not."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from scrm.adapters.wecom.callback_crypto import CallbackCrypto, signature
from scrm.callbacks.intake import (
    MESSAGE_VERSION,
    AckBudget,
    InboundEvent,
    NotDurable,
    Rejected,
    make_durable,
    open_event,
    verify_url,
)
from scrm.corps.corp import Corp
from scrm.kernel.event_key import event_id, event_key
from scrm.kernel.events import ExternalChatEvent, ExternalContactEvent, WeComEvent

from tests.unit.fakes import event_fields, event_xml

AES_KEY = base64.b64encode(bytes(range(100, 132))).decode().rstrip("=")
CORP = Corp(corp_id="wwcorp0001", token="Tok3nABC", aes_key=AES_KEY, secret="s", agent_id="1000002")
NOW = 1_700_000_000
WINDOW = 300
MAX_BODY = 64 * 1024
CRYPTO = CallbackCrypto(CORP.token, CORP.aes_key, CORP.corp_id)


def add_contact_fields(**extra: Any) -> dict[str, Any]:
    base = {"UserID": "zhangsan", "ExternalUserID": "wmEXT1", "State": "s1", "WelcomeCode": "WC"}
    base.update(extra)
    return event_fields(CORP.corp_id, "change_external_contact", "add_external_contact", NOW - 2, **base)


def request(
    plaintext: str,
    *,
    ts: int | str = NOW,
    nonce: str = "n0nce",
    to_user: str | None = CORP.corp_id,
    crypto: CallbackCrypto = CRYPTO,
    token: str = CORP.token,
) -> tuple[dict[str, str], bytes]:
    enc = crypto.encrypt(plaintext)
    to = f"<ToUserName><![CDATA[{to_user}]]></ToUserName>" if to_user is not None else ""
    body = f"<xml>{to}<AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[{enc}]]></Encrypt></xml>"
    query = {"msg_signature": signature(token, str(ts), nonce, enc), "timestamp": str(ts), "nonce": nonce}
    return query, body.encode()


def open_(
    query: dict[str, str] | None, body: bytes, now: float = NOW, max_body: int = MAX_BODY
) -> InboundEvent:
    return open_event(CORP, query, body, WINDOW, max_body, now=now)


def rejected(fn: Any, *args: Any, **kwargs: Any) -> Rejected:
    with pytest.raises(Rejected) as info:
        fn(*args, **kwargs)
    return info.value


# verify_url -------------------------------------------------------------------------------------


def echo_query(echo: str = "1616140317555161061", ts: int = NOW, **override: str) -> dict[str, str]:
    enc = CRYPTO.encrypt(echo)
    query = {
        "msg_signature": signature(CORP.token, str(ts), "n", enc),
        "timestamp": str(ts),
        "nonce": "n",
        "echostr": enc,
    }
    query.update(override)
    return query


def test_verify_url_returns_the_exact_plaintext() -> None:
    out = verify_url(CORP, echo_query(), WINDOW, now=NOW)
    assert out == "1616140317555161061"
    assert isinstance(out, str)


def test_verify_url_keeps_whitespace_and_unicode_exactly() -> None:
    assert verify_url(CORP, echo_query("回声 abc"), WINDOW, now=NOW) == "回声 abc"


def test_verify_url_accepts_plus_that_arrived_as_space() -> None:
    for _ in range(50):  # find an echostr with a '+' in it
        query = echo_query()
        if "+" in query["echostr"]:
            break
    else:  # pragma: no cover - 50 misses of a 1-in-64 character over ~60 characters
        pytest.fail("no '+' in 50 ciphertexts")
    query["echostr"] = query["echostr"].replace("+", " ")
    assert verify_url(CORP, query, WINDOW, now=NOW) == "1616140317555161061"


@pytest.mark.parametrize("missing", ["msg_signature", "timestamp", "nonce", "echostr"])
def test_verify_url_missing_param(missing: str) -> None:
    query = echo_query()
    del query[missing]
    assert rejected(verify_url, CORP, query, WINDOW, now=NOW).status == 400
    query = echo_query(**{missing: ""})
    assert rejected(verify_url, CORP, query, WINDOW, now=NOW).status == 400


def test_verify_url_no_query() -> None:
    assert rejected(verify_url, CORP, None, WINDOW, now=NOW).status == 400


def test_verify_url_bad_signature() -> None:
    err = rejected(verify_url, CORP, echo_query(msg_signature="0" * 40), WINDOW, now=NOW)
    assert (err.status, err.reason) == (403, "bad signature")


def test_verify_url_stale_timestamp() -> None:
    assert rejected(verify_url, CORP, echo_query(ts=NOW - 301), WINDOW, now=NOW).status == 403
    assert rejected(verify_url, CORP, echo_query(), WINDOW, now=NOW + 301).status == 403


def test_verify_url_other_corp_ciphertext() -> None:
    other = CallbackCrypto(CORP.token, CORP.aes_key, "wwother")
    enc = other.encrypt("123")
    query = {
        "msg_signature": signature(CORP.token, str(NOW), "n", enc),
        "timestamp": str(NOW),
        "nonce": "n",
        "echostr": enc,
    }
    assert rejected(verify_url, CORP, query, WINDOW, now=NOW).status == 403


# open_event: happy path -------------------------------------------------------------------------


def test_open_event_happy_path() -> None:
    fields = add_contact_fields()
    query, body = request(event_xml(fields))
    inbound = open_(query, body)
    assert isinstance(inbound.event, ExternalContactEvent)
    assert (inbound.event.corp_id, inbound.event.user_id, inbound.event.external_user_id) == (
        CORP.corp_id,
        "zhangsan",
        "wmEXT1",
    )
    assert inbound.event.create_time == NOW - 2
    assert inbound.key == event_key(fields)
    assert inbound.event_id == event_id(inbound.key)
    assert len(inbound.event_id) == 24


def test_open_event_same_event_twice_gives_the_same_key() -> None:
    """A WeCom retry re-encrypts with a new random prefix, maybe a new timestamp and nonce."""
    xml = event_xml(add_contact_fields())
    a = open_(*request(xml, nonce="first"))
    b = open_(*request(xml, nonce="second", ts=NOW + 5))
    assert (a.key, a.event_id) == (b.key, b.event_id)


def test_open_event_chat_update_with_one_member() -> None:
    fields = event_fields(
        CORP.corp_id,
        "change_external_chat",
        "update",
        NOW,
        ChatId="wrC",
        UpdateDetail="add_member",
        MemChangeList=["wmA"],
        CurMemVer="v2",
    )
    inbound = open_(*request(event_xml(fields)))
    assert isinstance(inbound.event, ExternalChatEvent)
    assert inbound.event.mem_change_list == ("wmA",)


def test_open_event_unknown_event_is_accepted() -> None:
    fields = event_fields(CORP.corp_id, "msgaudit_notify", None, NOW, AgentID="1000002")
    inbound = open_(*request(event_xml(fields)))
    assert type(inbound.event) is WeComEvent
    assert inbound.event.event == "msgaudit_notify"


def test_open_event_message_without_event_but_with_msgtype_is_accepted() -> None:
    xml = f"<xml><ToUserName>{CORP.corp_id}</ToUserName><MsgType>text</MsgType><Content>hi</Content></xml>"
    inbound = open_(*request(xml))
    assert inbound.event.fields["MsgType"] == "text"


def test_open_event_envelope_without_to_user_is_accepted() -> None:
    inbound = open_(*request(event_xml(add_contact_fields()), to_user=None))
    assert isinstance(inbound.event, ExternalContactEvent)


@pytest.mark.parametrize("delta", [-300, -1, 0, 1, 300])
def test_timestamp_inside_window_accepted(delta: int) -> None:
    query, body = request(event_xml(add_contact_fields()), ts=NOW + delta)
    assert open_(query, body).event.corp_id == CORP.corp_id


def test_body_at_the_limit_accepted() -> None:
    query, body = request(event_xml(add_contact_fields()))
    assert open_(query, body, max_body=len(body)).key


# open_event: rejections -------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["msg_signature", "timestamp", "nonce"])
def test_missing_param_400(missing: str) -> None:
    query, body = request(event_xml(add_contact_fields()))
    del query[missing]
    err = rejected(open_, query, body)
    assert err.status == 400
    assert missing in err.reason


def test_no_query_400() -> None:
    _, body = request(event_xml(add_contact_fields()))
    assert rejected(open_, None, body).status == 400


@pytest.mark.parametrize("ts", ["abc", "1.5", "", "17e8"])
def test_non_integer_timestamp_400(ts: str) -> None:
    query, body = request(event_xml(add_contact_fields()), ts=ts)
    if ts == "":
        assert rejected(open_, query, body).status == 400  # missing
        return
    err = rejected(open_, query, body)
    assert (err.status, err.reason) == (400, "timestamp is not an integer")


@pytest.mark.parametrize("delta", [-301, 301, -86_400, 86_400])
def test_timestamp_outside_window_403(delta: int) -> None:
    query, body = request(event_xml(add_contact_fields()), ts=NOW + delta)
    err = rejected(open_, query, body)
    assert (err.status, err.reason) == (403, "timestamp outside the replay window")


def test_bad_signature_403() -> None:
    query, body = request(event_xml(add_contact_fields()))
    query["msg_signature"] = signature("WrongToken", query["timestamp"], query["nonce"], "x")
    err = rejected(open_, query, body)
    assert (err.status, err.reason) == (403, "bad signature")


def test_signature_over_another_timestamp_403() -> None:
    query, body = request(event_xml(add_contact_fields()), ts=NOW)
    query["timestamp"] = str(NOW + 1)  # replay with a fresh timestamp: the signature no longer fits
    assert rejected(open_, query, body).status == 403


@pytest.mark.parametrize(
    "body", [b"not xml", b"<xml><Encrypt>abc</xml>", b"", b"<other><Encrypt>a</Encrypt></other>"]
)
def test_malformed_envelope_400(body: bytes) -> None:
    query, _ = request(event_xml(add_contact_fields()))
    assert rejected(open_, query, body).status == 400


def test_envelope_with_an_empty_item_list_400() -> None:
    query, _ = request(event_xml(add_contact_fields()))
    body = b"<xml><ToUserName>wwcorp0001</ToUserName><Encrypt><Item/></Encrypt></xml>"
    assert rejected(open_, query, body).status == 400


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><ToUserName>wwcorp0001</ToUserName></xml>",
        b"<xml><ToUserName>wwcorp0001</ToUserName><Encrypt></Encrypt></xml>",
        b"<xml><Encrypt><A>1</A></Encrypt></xml>",
        b"<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>",
    ],
)
def test_no_encrypt_400(body: bytes) -> None:
    query, _ = request(event_xml(add_contact_fields()))
    err = rejected(open_, query, body)
    assert (err.status, err.reason) == (400, "no Encrypt element")


def test_envelope_for_another_corp_403() -> None:
    query, body = request(event_xml(add_contact_fields()), to_user="wwother")
    err = rejected(open_, query, body)
    assert (err.status, err.reason) == (403, "ToUserName is another corp")


def test_ciphertext_for_another_receiver_403() -> None:
    other = CallbackCrypto(CORP.token, CORP.aes_key, "wwother")
    query, body = request(event_xml(add_contact_fields()), crypto=other)
    err = rejected(open_, query, body)
    assert err.status == 403
    assert "another receiver" in err.reason


def test_decrypted_event_for_another_corp_403() -> None:
    fields = add_contact_fields(ToUserName="wwother")
    query, body = request(event_xml(fields))
    err = rejected(open_, query, body)
    assert (err.status, err.reason) == (403, "event is for another corp")


def test_decrypted_event_without_to_user_403() -> None:
    fields = add_contact_fields()
    del fields["ToUserName"]
    assert rejected(open_, *request(event_xml(fields))).status == 403


def test_decrypted_payload_not_xml_400() -> None:
    err = rejected(open_, *request("this is not xml"))
    assert err.status == 400
    assert err.reason.startswith("decrypted payload")


def test_decrypted_payload_without_event_or_msgtype_400() -> None:
    xml = f"<xml><ToUserName>{CORP.corp_id}</ToUserName><CreateTime>{NOW}</CreateTime></xml>"
    err = rejected(open_, *request(xml))
    assert err.status == 400
    assert "neither Event nor MsgType" in err.reason


def test_oversize_body_413_before_anything_else() -> None:
    big = b"<xml>" + b"x" * 2000 + b"</xml>"
    err = rejected(open_, None, big, max_body=1000)
    assert err.status == 413
    query, body = request(event_xml(add_contact_fields()))
    assert rejected(open_, query, body, max_body=len(body) - 1).status == 413


def test_rejected_carries_status_and_reason() -> None:
    err = Rejected(418, "teapot")
    assert (err.status, err.reason, str(err)) == (418, "teapot", "teapot")


# the queue message ------------------------------------------------------------------------------


def test_message_shape() -> None:
    fields = add_contact_fields()
    inbound = open_(*request(event_xml(fields)))
    msg = inbound.message(1_700_000_000_123)
    assert msg == {
        "v": MESSAGE_VERSION,
        "corp_id": CORP.corp_id,
        "key": inbound.key,
        "event_id": inbound.event_id,
        "received_at_ms": 1_700_000_000_123,
        "fields": fields,
        "welcome": True,
    }
    assert MESSAGE_VERSION == 1
    msg["fields"]["UserID"] = "mutated"
    assert inbound.event.fields["UserID"] == "zhangsan"  # a copy


@pytest.mark.parametrize(
    ("change_type", "code", "wanted"),
    [
        ("add_external_contact", "WC", True),
        ("add_half_external_contact", "WC", True),
        ("add_external_contact", "", False),  # the member has a console welcome, or chat already began
        ("edit_external_contact", "WC", False),
    ],
)
def test_only_arrivals_with_a_welcome_code_go_to_the_welcome_queue(change_type: str, code: str, wanted: bool) -> None:
    fields = event_fields(
        CORP.corp_id, "change_external_contact", change_type, NOW - 2,
        UserID="zhangsan", ExternalUserID="wmEXT1", WelcomeCode=code,
    )
    msg = open_(*request(event_xml(fields))).message(1)
    assert msg.get("welcome", False) is wanted


def test_message_keeps_member_lists() -> None:
    fields = event_fields(
        CORP.corp_id,
        "change_external_chat",
        "update",
        NOW,
        ChatId="wrC",
        UpdateDetail="del_member",
        MemChangeList=["wmA", "wmB"],
    )
    msg = open_(*request(event_xml(fields))).message(0)
    assert msg["fields"]["MemChangeList"] == ["wmA", "wmB"]


class FakeOutbox:
    """Queues and a parking table that fail on demand: ``down`` names what refuses (``"events"``,
    ``"welcome"``, ``"park"``) and, with ``for_tries``, for how many tries before it recovers."""

    def __init__(self, down: set[str] | None = None, for_tries: int | None = None) -> None:
        self.down = down or set()
        self.for_tries = for_tries
        self.tries: list[str] = []
        self.queued: list[tuple[str, str]] = []
        self.parked: list[tuple[str, tuple[str, ...]]] = []

    def _maybe_fail(self, what: str) -> None:
        self.tries.append(what)
        if what in self.down and (self.for_tries is None or self.tries.count(what) <= self.for_tries):
            raise RuntimeError(f"{what} refused")

    def send(self, queue: str, message: dict[str, Any]) -> None:
        self._maybe_fail(queue)
        self.queued.append((queue, message["event_id"]))

    def park(self, message: dict[str, Any], queues: Any) -> None:
        self._maybe_fail("park")
        self.parked.append((message["event_id"], tuple(queues)))


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s


BUDGET = AckBudget.for_deadline(5.0)


def plain_message() -> dict[str, Any]:
    """A del_follow_user: no welcome, one queue."""
    fields = event_fields(CORP.corp_id, "change_external_contact", "del_follow_user", NOW - 2,
                          UserID="zhangsan", ExternalUserID="wmEXT1")
    return open_(*request(event_xml(fields))).message(42)


def durable(message: dict[str, Any], outbox: FakeOutbox, clock: Clock | None = None) -> str:
    clock = clock or Clock()
    return make_durable(message, outbox, clock.t, BUDGET, clock, clock.sleep)


def test_budget_follows_wecoms_deadline() -> None:
    assert (BUDGET.send_s, BUDGET.park_s, BUDGET.hold_s) == (2.0, 4.0, 6.0)
    assert BUDGET.hold_s > 5.0  # held answers must reach WeCom after its deadline: a timeout, retried


def test_an_event_is_queued_with_one_send() -> None:
    message = plain_message()
    outbox = FakeOutbox()
    assert durable(message, outbox) == "queued"
    assert outbox.tries == ["events"] and outbox.queued == [("events", message["event_id"])]


def test_an_arrival_with_a_welcome_code_goes_to_the_welcome_queue_first() -> None:
    message = open_(*request(event_xml(add_contact_fields()))).message(42)
    outbox = FakeOutbox()
    assert durable(message, outbox) == "queued"
    assert [q for q, _ in outbox.queued] == ["welcome", "events"]


def test_a_brief_queue_failure_is_retried_within_the_request() -> None:
    message = plain_message()
    outbox, clock = FakeOutbox({"events"}, for_tries=3), Clock()
    assert durable(message, outbox, clock) == "queued"
    assert outbox.tries == ["events"] * 4 and not outbox.parked
    assert clock.t - 100.0 < BUDGET.send_s


def test_a_queue_outage_parks_the_event_with_the_queues_it_still_needs() -> None:
    message = open_(*request(event_xml(add_contact_fields()))).message(42)
    outbox, clock = FakeOutbox({"events"}), Clock()
    assert durable(message, outbox, clock) == "parked"
    # the welcome went through; only the events queue is owed
    assert outbox.queued == [("welcome", message["event_id"])]
    assert outbox.parked == [(message["event_id"], ("events",))]
    assert BUDGET.send_s - 0.4 <= clock.t - 100.0 <= BUDGET.send_s  # tried SQS through its budget


def test_nothing_durable_raises_after_trying_both() -> None:
    message = open_(*request(event_xml(add_contact_fields()))).message(42)
    outbox, clock = FakeOutbox({"welcome", "events", "park"}), Clock()
    with pytest.raises(NotDurable):
        durable(message, outbox, clock)
    assert "welcome" in outbox.tries and "park" in outbox.tries and not outbox.queued
    assert clock.t - 100.0 <= BUDGET.park_s


def test_a_slow_failure_still_gets_one_try_of_the_parking_table() -> None:
    """The send phase can overrun its budget (a try that timed out): the fallback is still tried once."""
    message = plain_message()
    clock = Clock()

    class Slow(FakeOutbox):
        def send(self, queue: str, message: dict[str, Any]) -> None:
            clock.t += 4.5  # one try that hangs past the parking budget
            super().send(queue, message)

    outbox = Slow({"events"})
    assert durable(message, outbox, clock) == "parked"
    assert outbox.tries == ["events", "park"]
