"""JS-SDK tickets on WeCom's side (96909): the corp's ``jsapi_ticket`` (for ``wx.config``) and an app's
(``ticket/get?type=agent_config``, for ``wx.agentConfig``).

- Valid ``expires_in`` seconds, 7200 (96909: "正常情况下 jsapi_ticket 的有效期为 7200 秒").
- Fetches are capped per hour: a corp at most 400, one app at most 100 (96909: "一小时内，一个企业最多可获取
  400 次，且单个应用不能超过 100 次"), counted per kind of ticket on the corp's clock over the last hour.
  Beyond that the call answers 45009, WeCom's frequency-limit code (the page does not name the code).
- Sandbox choices where the page is silent (docs/sandbox.md): every fetch issues a new ticket and the
  earlier ones stay valid until their own expiry (an app that caches one ticket and one that refetches both
  work); a refused fetch (45009) does not count.

Every ticket issued is kept with its kind, app and expiry, so that the sandbox's stand-in for the WeCom
client (issue 19) can check a page's signatures as WeCom would.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field

TICKET_TTL_S = 7200
CORP_PER_HOUR = 400
APP_PER_HOUR = 100
KINDS = ("jsapi", "agent_config")
_HOUR_S = 3600


@dataclass(frozen=True)
class Ticket:
    kind: str
    agent_id: int
    expires_at: float


@dataclass
class TicketState:
    issued: dict[str, Ticket] = field(default_factory=dict)
    fetches: list[tuple[float, str, int]] = field(default_factory=list)  # (when, kind, agent_id)


class OverLimit(Exception):
    """The hour's fetches of this kind are spent, for the corp or for the app."""


def issue(state: TicketState, kind: str, agent_id: int, now: float, rng: random.Random | None = None) -> tuple[str, int]:
    """A new ticket of ``kind`` for the app, or OverLimit; tickets long expired are dropped."""
    state.fetches = [f for f in state.fetches if f[0] > now - _HOUR_S]
    state.issued = {t: v for t, v in state.issued.items() if v.expires_at > now - 86_400}
    mine = [f for f in state.fetches if f[1] == kind]
    if len(mine) >= CORP_PER_HOUR:
        raise OverLimit(f"{kind} tickets: {CORP_PER_HOUR} a corp per hour")
    if sum(1 for f in mine if f[2] == agent_id) >= APP_PER_HOUR:
        raise OverLimit(f"{kind} tickets: {APP_PER_HOUR} an app per hour")
    ticket = (rng.randbytes(32).hex() if rng is not None else secrets.token_hex(32))
    state.fetches.append((now, kind, agent_id))
    state.issued[ticket] = Ticket(kind, agent_id, now + TICKET_TTL_S)
    return ticket, TICKET_TTL_S


def valid(state: TicketState, ticket: str, kind: str, now: float) -> Ticket | None:
    """The ticket if the corp issued it for that kind and it has not expired."""
    found = state.issued.get(ticket)
    return found if found is not None and found.kind == kind and found.expires_at > now else None
