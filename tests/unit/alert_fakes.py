"""In-memory fakes for the churn-alert services (no I/O).

``FakeAlertRepo`` keeps ``DynamoAlerts``' contract: records are created once (a repeat gets the stored
one), state moves only from the state named, a slot is taken together with new → sending (pacing by the
same pure ``Pace``), deferring raises the pending count with the state change, and a digest marker is
written once with its slot. ``FakeMessages`` plays message/send and records every card sent.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from scrm.alerts.pacing import Caps, Pace
from scrm.kernel.wecom_error import WeComError

Item = dict[str, Any]


class FakeAlertRepo:
    def __init__(self) -> None:
        self.settings_by_corp: dict[str, Item] = {}
        self.items: dict[tuple[str, str], Item] = {}  # (corp#recipient, sk)
        self.paces: dict[tuple[str, str], Pace] = {}
        self.pending_n: dict[tuple[str, str], int] = {}

    def settings(self, corp_id: str) -> Item | None:
        return copy.deepcopy(self.settings_by_corp.get(corp_id))

    def save_settings(self, corp_id: str, values: Item) -> None:
        self.settings_by_corp[corp_id] = copy.deepcopy(values)

    def record(self, corp_id: str, recipient: str, sk: str) -> Item | None:
        return copy.deepcopy(self.items.get((f"{corp_id}#{recipient}", sk)))

    def create(self, corp_id: str, recipient: str, sk: str, fields: Item) -> tuple[bool, Item]:
        key = (f"{corp_id}#{recipient}", sk)
        if key in self.items:
            return False, copy.deepcopy(self.items[key])
        day = sk.split("#", 1)[0]
        item = {"sk": sk, "state": "new", "recipient": recipient, "day": day,
                **{k: v for k, v in fields.items() if k != "now"}}  # fmt: skip
        self.items[key] = item
        return True, copy.deepcopy(item)

    def mark(self, corp_id: str, recipient: str, sk: str, state: str, was: str, now: float, **extra: str) -> bool:
        item = self.items.get((f"{corp_id}#{recipient}", sk))
        if item is None or item["state"] != was:
            return False
        item.update(state=state, **{k: v for k, v in extra.items() if v})
        return True

    def claim(self, corp_id: str, recipient: str, sk: str, now: float, lease_s: int) -> bool:
        item = self.items.get((f"{corp_id}#{recipient}", sk))
        if item is None or item["state"] != "sending":
            return False
        if item.get("claim") and now - int(item.get("claimed_at") or 0) < lease_s:
            return False
        item.update(claim=f"c{now}", claimed_at=int(now))
        return True

    def take_slot(self, corp_id: str, recipient: str, sk: str, now: float, caps: Caps, day: str, day_cap: int) -> str:
        item = self.items[(f"{corp_id}#{recipient}", sk)]
        if item["state"] != "new":
            return str(item["state"])
        after = self.paces.get((corp_id, recipient), Pace()).take(now, caps, day, day_cap)
        if after is None:
            return "full"
        self.paces[(corp_id, recipient)] = after
        item["state"] = "sending"
        return "sending"

    def defer(self, corp_id: str, recipient: str, sk: str, now: float) -> bool:
        if not self.mark(corp_id, recipient, sk, "deferred", "new", now):
            return False
        self.pending_n[(corp_id, recipient)] = self.pending_n.get((corp_id, recipient), 0) + 1
        return True

    def pace(self, corp_id: str, recipient: str) -> Pace:
        return self.paces.get((corp_id, recipient), Pace())

    def pending(self, corp_id: str) -> list[tuple[str, int]]:
        return sorted((r, n) for (c, r), n in self.pending_n.items() if c == corp_id)

    def clear_pending(self, corp_id: str, recipient: str, seen: int) -> bool:
        if self.pending_n.get((corp_id, recipient)) != seen:
            return False
        del self.pending_n[(corp_id, recipient)]
        return True

    def deferred(self, corp_id: str, recipient: str, first_day: str, last_day: str, limit: int) -> list[Item]:
        rows = [copy.deepcopy(v) for (pk, sk), v in sorted(self.items.items())
                if pk == f"{corp_id}#{recipient}" and f"{first_day}#" <= sk <= f"{last_day}#\uffff"
                and v.get("state") == "deferred"]  # fmt: skip
        return rows[:limit]

    def digest_marker(self, corp_id: str, recipient: str, day: str) -> Item | None:
        return self.record(corp_id, recipient, f"digest#{day}")

    def start_digest(
        self, corp_id: str, recipient: str, day: str, now: float, caps: Caps, alert_sks: list[str], card: Item
    ) -> bool:
        key = (f"{corp_id}#{recipient}", f"digest#{day}")
        if key in self.items:
            return False
        after = self.paces.get((corp_id, recipient), Pace()).take(now, caps, day)
        if after is None:
            return False
        self.paces[(corp_id, recipient)] = after
        self.items[key] = {"sk": key[1], "state": "sending", "alert_sks": list(alert_sks), "card": copy.deepcopy(card)}
        return True

    def on_day(self, corp_id: str, day: str, recipient: str = "", limit: int = 100, after: str = "") -> list[Item]:
        """As by_day orders them: create time, event id, recipient; those after ``after``."""
        found = {f"{sk.split('#', 1)[1]}#{pk.split('#', 1)[1]}": v for (pk, sk), v in self.items.items()
                 if pk.startswith(f"{corp_id}#") and sk.startswith(f"{day}#")
                 and (not recipient or pk == f"{corp_id}#{recipient}")}  # fmt: skip
        return [copy.deepcopy(found[k]) for k in sorted(found) if k > after][:limit]

    def states(self, corp_id: str, recipient: str) -> list[str]:
        return [v["state"] for (pk, sk), v in sorted(self.items.items())
                if pk == f"{corp_id}#{recipient}" and not sk.startswith("digest#")]  # fmt: skip


class FakeMessages:
    """message/send for every corp: records (agent, touser, msgtype, content) of what was delivered; ``fail``
    scripts errors (an errcode, raised once each, in order). Members in ``unlicensed`` / ``invalid`` get
    nothing and are listed in the answer's unlicenseduser / invaliduser, with errcode 0 (90236)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[str], str, Item]] = []
        self.fail: list[int] = []
        self.unlicensed: set[str] = set()
        self.invalid: set[str] = set()

    def __call__(self, corp_id: str) -> FakeMessages:
        return self

    def send_app_message(self, agent_id: str, touser: Sequence[str], msgtype: str, content: Item) -> Item:
        if self.fail:
            raise WeComError(self.fail.pop(0), "scripted", "message/send")
        to = [u for u in touser if u not in self.unlicensed | self.invalid]
        if to:
            self.sent.append((agent_id, to, msgtype, copy.deepcopy(content)))
        return {"msgid": f"m{len(self.sent)}", "invaliduser": "|".join(u for u in touser if u in self.invalid),
                "invalidparty": "", "invalidtag": "",
                "unlicenseduser": "|".join(u for u in touser if u in self.unlicensed)}  # fmt: skip

    def to(self, userid: str) -> list[Item]:
        return [c for _, users, _, c in self.sent if userid in users]


class FakeReads:
    """The store's read views, from plain dicts a test fills."""

    def __init__(self) -> None:
        self.follows: dict[tuple[str, str, str], Item] = {}
        self.customers: dict[tuple[str, str], Item] = {}
        self.employees: dict[tuple[str, str], Item] = {}
        self.library: dict[str, list[Item]] = {}

    def follow(self, corp_id: str, external_userid: str, userid: str) -> Item | None:
        return copy.deepcopy(self.follows.get((corp_id, external_userid, userid)))

    def customer(self, corp_id: str, external_userid: str) -> Item | None:
        return copy.deepcopy(self.customers.get((corp_id, external_userid)))

    def employee(self, corp_id: str, userid: str) -> Item | None:
        return copy.deepcopy(self.employees.get((corp_id, userid)))

    def tag_library(self, corp_id: str) -> list[Item]:
        return copy.deepcopy(self.library.get(corp_id, []))


class FakeCodes:
    def __init__(self) -> None:
        self.data: dict[tuple[str, str], Item] = {}

    def cached(self, corp_id: str, sk: str) -> Item | None:
        return copy.deepcopy(self.data.get((corp_id, sk)))


def settings_fields(body: dict[str, Any]) -> dict[str, Any]:
    """A PUT /admin/alert-settings body as the admin API takes it: its model's checks, then its fields."""
    from admin.schemas.alerts import AlertSettings as Model
    from admin.schemas.base import validated

    return validated(Model, body).fields()
