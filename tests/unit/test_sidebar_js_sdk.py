"""The JS-SDK's signature (96909's worked example), the page URL it is for, and the ticket keeper: one fetch
for many callers at once, a refused fetch leaving the lock free, a ticket near its end fetched again."""

from __future__ import annotations

import threading
import time

import pytest
from scrm.kernel.errors import InvalidInput
from scrm.kernel.wecom_error import WeComError
from scrm.sidebar.js_sdk import page_url, sign, signature
from scrm.sidebar.tickets import TicketKeeper

from tests.unit.test_wecom_client_tokens import MemoryTokens

DOC_TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"


def test_the_signature_is_the_one_wecoms_page_works_out():
    assert signature(DOC_TICKET, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value") == (
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed")


def test_a_page_url_loses_its_fragment_and_must_be_http():
    assert page_url("https://scrm.example.com/sidebar/?a=1#/portrait") == "https://scrm.example.com/sidebar/?a=1"
    for bad in ("", "ftp://x", "javascript:alert(1)", "https://x/" + "a" * 2048):
        with pytest.raises(InvalidInput) as err:
            page_url(bad)
        assert err.value.field == "url"
    signed = sign(DOC_TICKET, "http://mp.weixin.qq.com?params=value#x", clock=lambda: 1414587457.9,
                  nonce=lambda: "Wm3WZYTPz0wzccnW")  # fmt: skip
    assert signed.as_dict() == {"timestamp": 1414587457, "nonceStr": "Wm3WZYTPz0wzccnW",
                                "signature": "0f9de62fce790f9a083d5c99e95740ceb90c27ed"}  # fmt: skip


class Fetches:
    def __init__(self, delay_s: float = 0.05, fail: int = 0) -> None:
        self.n, self.delay_s, self.fail, self.mutex = 0, delay_s, fail, threading.Lock()

    def __call__(self) -> tuple[str, int]:
        with self.mutex:
            self.n += 1
            n = self.n
        time.sleep(self.delay_s)
        if n <= self.fail:
            raise WeComError(45009, "api freq out of limit", "get_jsapi_ticket")
        return f"ticket-{n}", 7200


def test_fifty_callers_at_once_make_one_fetch():
    keeper, fetch = TicketKeeper(MemoryTokens(time.time), sleep=lambda s: time.sleep(0.01)), Fetches()
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(keeper.ticket("wwx#jsapi_ticket", fetch))) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fetch.n == 1 and got == ["ticket-1"] * 50


def test_a_refused_fetch_frees_the_lock_and_a_ticket_near_its_end_is_fetched_again():
    now = [1_000.0]
    store = MemoryTokens(lambda: now[0])
    keeper, fetch = TicketKeeper(store, clock=lambda: now[0], sleep=lambda s: None), Fetches(delay_s=0, fail=1)
    with pytest.raises(WeComError):
        keeper.ticket("k", fetch)
    assert keeper.ticket("k", fetch) == "ticket-2"  # not locked out for LOCK_S by the failure
    now[0] += 7200 - 299  # within the refresh margin (300 s): fetched again, once
    assert keeper.ticket("k", fetch) == "ticket-3" and keeper.ticket("k", fetch) == "ticket-3"
    keeper.forget("k", "ticket-3")  # WeCom refused it in a page: the next caller fetches
    assert keeper.ticket("k", fetch) == "ticket-4" and fetch.n == 4


def test_while_another_caller_fetches_the_old_ticket_serves():
    now = [1_000.0]
    store = MemoryTokens(lambda: now[0])
    store.store("k", "old", now[0] + 200)  # inside the margin: due for a fetch
    assert store.try_lock("k", 10)  # another instance is fetching
    keeper = TicketKeeper(store, clock=lambda: now[0], sleep=lambda s: None)
    assert keeper.ticket("k", Fetches()) == "old"
