"""What a churn alert says, and the daily digest of the alerts that could not be sent one by one.

WeCom's textcard: title ≤ 128 bytes, description ≤ 512 bytes (it renders a few ``<div class>`` tags),
url ≤ 2048 bytes, btntxt ≤ 4 characters. Every value is cut on a character boundary (never inside a
UTF-8 sequence or an HTML entity: text is cut first, then escaped, and measured escaped).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

TITLE_MAX = 128
DESCRIPTION_MAX = 512
URL_MAX = 2048
DEFAULT_LINK = "https://work.weixin.qq.com/"
ELLIPSIS = "…"
VALUE_MAX = 90  # bytes of one name in a card: a long name must not crowd out the other lines

LOST_BY_CUSTOMER = "lost_by_customer"  # del_follow_user: the customer deleted the employee
DELETED_BY_EMPLOYEE = "deleted_by_employee"  # del_external_contact: an employee deleted the customer


@dataclass(frozen=True)
class AlertFacts:
    """One lost relation, as the store held it after the event."""

    kind: str
    external_userid: str
    userid: str  # the employee of the relation
    name: str = ""
    remark: str = ""
    employee_name: str = ""
    tags: tuple[str, ...] = field(default=())
    channel: str = ""
    days: int | None = None  # days between the add and the loss
    at: str = ""  # China time of the loss, "YYYY-MM-DD HH:MM"

    def summary(self) -> dict[str, Any]:
        return {**asdict(self), "tags": list(self.tags)}

    @classmethod
    def of(cls, d: dict[str, Any]) -> AlertFacts:
        return cls(**{**d, "tags": tuple(d.get("tags") or ())})

    @property
    def who(self) -> str:
        base = self.name or self.external_userid
        return f"{base}（{self.remark}）" if self.remark and self.remark != self.name else base


def cut(text: str, max_bytes: int) -> str:
    """``text`` within ``max_bytes`` of UTF-8, ending in … when cut."""
    if len(text.encode()) <= max_bytes:
        return text
    budget = max_bytes - len(ELLIPSIS.encode())
    out = text.encode()[: max(budget, 0)].decode(errors="ignore")
    return out + ELLIPSIS


def _div(css: str, text: str) -> str:
    return f'<div class="{css}">{html.escape(text, quote=False)}</div>'


def _fit_line(css: str, text: str, budget: int) -> str:
    """The longest prefix of ``text`` whose escaped div fits ``budget`` bytes ("" if not even …)."""
    line = _div(css, text)
    if len(line.encode()) <= budget:
        return line
    lo, hi = 0, len(text)
    while lo < hi:  # longest cut that fits, measured escaped
        mid = (lo + hi + 1) // 2
        if len(_div(css, text[:mid] + ELLIPSIS).encode()) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return _div(css, text[:lo] + ELLIPSIS) if lo else ""


def card_description(lines: Sequence[tuple[str, str]]) -> str:
    """Lines in order, each cut to what is left of the 512 bytes (later lines are dropped, not broken)."""
    out, used = [], 0
    for css, text in lines:
        line = _fit_line(css, text, DESCRIPTION_MAX - used)
        if not line:
            break
        out.append(line)
        used += len(line.encode())
    return "".join(out)


def link(base: str, **params: str) -> str:
    """``base`` (the corp's link_url, or WeCom's site) with our parameters; the alert id in the url makes
    each card unique, so WeCom's duplicate check only ever drops a true repeat."""
    url = base or DEFAULT_LINK
    sep = "&" if "?" in url else "?"
    return cut(url + sep + urlencode(params), URL_MAX)


def alert_card(facts: AlertFacts, alert_id: str, link_base: str = "") -> dict[str, str]:
    if facts.kind == DELETED_BY_EMPLOYEE:
        title = f"员工删除客户：{facts.employee_name or facts.userid} 删除了 {facts.name or facts.external_userid}"
    else:
        title = f"客户流失：{facts.name or facts.external_userid} 删除了你"
    days = "未知" if facts.days is None else f"{facts.days} 天"
    lines = [
        ("gray", facts.at),
        ("normal", f"客户：{cut(facts.who, VALUE_MAX)}"),
        ("normal", f"渠道：{cut(facts.channel, VALUE_MAX) or '无'}"),
        ("highlight", f"添加至流失：{days}"),
    ]
    if facts.kind == DELETED_BY_EMPLOYEE:
        lines.insert(2, ("normal", f"员工：{cut(facts.employee_name or facts.userid, VALUE_MAX)}"))
    lines.append(("normal", f"标签：{'、'.join(facts.tags) or '无'}"))  # last: the longest, cut first
    return {
        "title": cut(title, TITLE_MAX),
        "description": card_description(lines),
        "url": link(link_base, alert=alert_id, customer=facts.external_userid),
        "btntxt": "详情",
    }


def digest_line(facts: AlertFacts) -> str:
    who = cut(facts.employee_name or facts.userid, VALUE_MAX)
    what = "删除了你" if facts.kind == LOST_BY_CUSTOMER else f"被{who}删除"
    extra = f"，{cut(facts.channel, VALUE_MAX)}" if facts.channel else ""
    days = "" if facts.days is None else f"，{facts.days} 天"
    return f"{cut(facts.who, VALUE_MAX)} {what}{extra}{days}"


def digest_card(day: str, items: Sequence[AlertFacts], digest_id: str, link_base: str = "") -> dict[str, str]:
    """One card for a recipient's deferred alerts: the count, then as many lines as fit, then how many
    more; never more than 512 bytes."""
    total = len(items)
    title = cut(f"流失提醒汇总 {day}：{total} 条", TITLE_MAX)
    head = _div("gray", f"以下提醒因消息频率限制未单独发送（共 {total} 条）")
    lines = [_div("normal", digest_line(f)) for f in items]
    # Reserve room for the "and N more" line, then take lines while they fit.
    shown: list[str] = []
    used = len(head.encode())
    for i, line in enumerate(lines):
        more = _div("highlight", f"另有 {total - i - 1} 条") if i < total - 1 else ""
        if used + len(line.encode()) + len(more.encode()) > DESCRIPTION_MAX:
            break
        shown.append(line)
        used += len(line.encode())
    rest = total - len(shown)
    tail = _div("highlight", f"另有 {rest} 条") if rest else ""
    return {
        "title": title,
        "description": head + "".join(shown) + tail,
        "url": link(link_base, digest=digest_id),
        "btntxt": "详情",
    }
