"""Sends the welcome message for one add event, inside the 20 seconds its welcome_code lives.

Which message: the live code's (the slot's own when the customer arrived in a slot that has one); for an
add without a state, or with a state no code of ours has, the corp's default welcome. WeCom's answers:
41051 (already sent, or the customer already chatted) is success; 41096 (another app is sending), -1 and
timeouts are retried until the deadline; 41050 (expired or invalid), or the deadline passing, is a missed
welcome: counted on the code's statistics once, and logged as an alert with a metric an alarm watches.
The consumer never hands a message back to SQS for a later retry: later is too late.

Copies of an event (WeCom's retry after a timeout, SQS's at-least-once delivery, a parked event redriven)
reach this consumer too: the callback route keeps no de-dup record. A copy within the 20 s calls WeCom
again and gets 41051 (already sent), a success; a copy after them finds the code's "welcomed" marker,
written after WeCom took it, and is not counted as a miss.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrm.acquisition.ports import ChannelStatsRepo
from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.china_time import local_day
from scrm.kernel.sources import may_be_channel_code
from scrm.kernel.wecom_error import WeComError
from scrm.live_codes.channel_code import code_from_dict
from scrm.live_codes.keys import CHANNEL, DEFAULT_WELCOME, sort_key
from scrm.live_codes.ports import LiveCodeRepo
from scrm.welcome.message import Welcome, parse_welcome
from scrm.welcome.ports import WelcomeWeCom

log = logging.getLogger("scrm.welcome")

CODE_TTL_S = 20.0
NO_STATE = "_none"  # statistics key for misses of the default welcome


@dataclass(eq=False)
class WelcomeSender:
    codes: LiveCodeRepo
    stats: ChannelStatsRepo
    wecom: Callable[[str], WelcomeWeCom]
    on_missed: Callable[[str, str], None] = lambda corp_id, reason: None
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    margin_s: float = 0.5
    retry_pause_s: float = 0.3

    def welcome_for(self, corp_id: str, state: str, at: datetime) -> tuple[Welcome | None, str]:
        """(message, the statistics key it belongs to)."""
        if may_be_channel_code(state):  # a fission inviter's state is no code: the default welcome
            data = self.codes.cached(corp_id, sort_key(CHANNEL, state))
            if data is not None:
                code = code_from_dict(data)
                return (code.spec.welcome_at(at) if code.status == "active" else None), state
        default = self.codes.cached(corp_id, DEFAULT_WELCOME)
        return (parse_welcome(default.get("welcome")) if default else None), NO_STATE

    def handle(self, message: dict[str, Any], welcomed: list[tuple[str, str, str]] | None = None) -> str:
        """``welcomed``: where a batch collects the codes WeCom took, written together by ``mark_welcomed``
        once the batch's sends are done; without it each is written at once."""
        started = self.clock()
        outcome = self._handle(message, welcomed)
        received = float(message.get("received_at_ms") or 0) / 1000
        log.info(
            "welcome handled",
            extra={
                "outcome": outcome,
                "queue_lag_ms": round((started - received) * 1000) if received else None,
                "handle_ms": round((self.clock() - started) * 1000),
            },
        )
        return outcome

    def mark_welcomed(self, welcomed: list[tuple[str, str, str]]) -> None:
        """After WeCom's answers (never before: the 20 s are the sends'): a failure to write only means a
        late copy of one of these events would count a miss."""
        if not welcomed:
            return
        try:
            self.stats.record_welcomed(welcomed)
        except Exception:
            log.warning("welcomed markers not written", extra={"count": len(welcomed)})

    def _handle(self, message: dict[str, Any], welcomed: list[tuple[str, str, str]] | None = None) -> str:
        fields = message.get("fields") or {}
        corp_id = str(message["corp_id"])
        code = str(fields.get("WelcomeCode") or "")
        ext, userid = str(fields.get("ExternalUserID") or ""), str(fields.get("UserID") or "")
        if not code or not ext:
            return "no_code"
        create_time = int(fields.get("CreateTime") or 0) or int(self.clock())
        # The code was issued no earlier than CreateTime's second: CreateTime + 20 s is a safe deadline.
        deadline = create_time + CODE_TTL_S - self.margin_s
        at = datetime.fromtimestamp(create_time, UTC)
        welcome, key = self.welcome_for(corp_id, str(fields.get("State") or ""), at)
        if welcome is None:
            return "no_welcome"
        if self.clock() >= deadline and self.stats.welcomed(corp_id, ext, code[:64]):
            return "duplicate"
        gw = self.wecom(corp_id)
        name = ""
        if welcome.needs_name and self.clock() < deadline - 2:
            try:
                found = gw.get_customer(ext)
                name = found[0].name if found else ""
            except WeComError:
                name = ""  # a welcome without the name beats no welcome
        payload = welcome.payload(name)
        last: int | None = None
        while self.clock() < deadline:
            try:
                gw.send_welcome(code, payload)
                return self._welcomed((corp_id, ext, code[:64]), welcomed, "sent")
            except WeComError as exc:
                last = exc.errcode
                if errcodes.is_already_done(exc.errcode):  # 41051
                    return self._welcomed((corp_id, ext, code[:64]), welcomed, "already_sent")
                if not errcodes.welcome_retries(exc.errcode):
                    break
            self.sleep(min(self.retry_pause_s, max(0.0, deadline - self.clock())))
        self._missed(corp_id, key, ext, userid, at, code, last)
        return "missed"

    def _welcomed(
        self, marker: tuple[str, str, str], batch: list[tuple[str, str, str]] | None, outcome: str
    ) -> str:
        if batch is None:
            self.mark_welcomed([marker])
        else:
            batch.append(marker)
        return outcome

    def _missed(
        self, corp_id: str, key: str, ext: str, userid: str, at: datetime, code: str, errcode: int | None
    ) -> None:
        reason = "expired" if errcode in (41050, None) else f"wecom_{errcode}"
        counted = self.stats.record_missed_welcome(corp_id, key, ext, userid, local_day(at), code[:64])
        if counted:
            self.on_missed(corp_id, reason)
        log.error(
            "welcome missed",
            extra={"alert": "welcome_missed", "reason": reason, "errcode": errcode, "state": key, "counted": counted},
        )
