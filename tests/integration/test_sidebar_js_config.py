"""The sidebar's JS-SDK configuration against the sandbox and the stack's tokens table: 50 page loads at once
(50 instances: their own clients, one shared table) fetch each ticket once; the signatures are those of the
tickets stored, for the page's URL without its fragment; a ticket dropped is fetched once again."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from scrm.adapters.wecom.client import WeComClient
from scrm.adapters.wecom.gateway import WeComGateway
from scrm.adapters.wecom.token_store import DynamoTokenStorage
from scrm.bootstrap import settings
from scrm.kernel.errors import InvalidInput
from scrm.sidebar.js_config import JsConfig
from scrm.sidebar.tickets import TicketKeeper, app_key, corp_key

pytestmark = pytest.mark.stack
PAGE = "https://scrm.example.com/sidebar/?chat=single"


def _instance(corp) -> JsConfig:
    """One Lambda instance: its own client and lock owner, the shared table."""
    storage = DynamoTokenStorage()
    client = WeComClient(corp["corp_id"], corp["secret"], api_base=settings().wecom_api_base, storage=storage)
    gateway = WeComGateway(client)
    return JsConfig(TicketKeeper(storage), lambda _corp: gateway, lambda _corp: str(corp["agent_id"]))


def _signed(ticket: str, part: dict) -> bool:
    plain = f"jsapi_ticket={ticket}&noncestr={part['nonceStr']}&timestamp={part['timestamp']}&url={PAGE}"
    return hashlib.sha1(plain.encode()).hexdigest() == part["signature"]


def test_fifty_page_loads_fetch_each_ticket_once_and_sign_with_them(sandbox, corp):
    cid = corp["corp_id"]
    instances = [_instance(corp) for _ in range(50)]
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda js: js.config(cid, PAGE + "#/portrait"), instances))
    assert len(sandbox.calls(cid, path="get_jsapi_ticket")) == 1
    assert len(sandbox.calls(cid, path="ticket/get")) == 1
    storage = DynamoTokenStorage()
    corp_ticket = storage.current(corp_key(cid)).token
    app_ticket = storage.current(app_key(instances[0].source(cid).access_token_key)).token
    assert corp_ticket and app_ticket and corp_ticket != app_ticket
    for answer in answers:
        assert answer["config"]["appId"] == cid and _signed(corp_ticket, answer["config"])
        assert answer["agentConfig"]["corpid"] == cid and answer["agentConfig"]["agentid"] == str(corp["agent_id"])
        assert _signed(app_ticket, answer["agentConfig"])

    # A ticket WeCom refused in a page is dropped: the next page load fetches it once more, the other not.
    instances[0].keeper.forget(corp_key(cid), corp_ticket)
    again = instances[1].config(cid, PAGE)
    assert len(sandbox.calls(cid, path="get_jsapi_ticket")) == 2 and len(sandbox.calls(cid, path="ticket/get")) == 1
    assert not _signed(corp_ticket, again["config"]) and _signed(storage.current(corp_key(cid)).token, again["config"])

    with pytest.raises(InvalidInput):
        instances[2].config(cid, "ftp://scrm.example.com/")
    assert len(sandbox.calls(cid, path="get_jsapi_ticket")) == 2  # refused before any ticket is read
