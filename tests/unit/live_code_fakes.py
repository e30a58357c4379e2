"""In-memory fakes for the live-code services (no I/O).

``FakeLiveCodeRepo`` keeps ``DynamoLiveCodes``' contract: ``create`` raises ``WriteLost`` when the key
exists, ``replace`` raises ``WriteLost`` unless the stored version is the one given (0: must not exist), and
``get``/``cached`` hand out copies. ``FakeChannelStats`` counts a missed welcome once per marker, as the
transaction on the marker item does. ``FakeLiveCodeWeCom`` plays every WeCom call of the live-code ports,
records them, and raises what a test scripts for a method. ``FakeClock`` is a settable clock whose
``sleep`` moves it.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from scrm.domain.customer import CustomerProfile, FollowInfo
from scrm.live_codes.channel_code import ChannelCode
from scrm.live_codes.keys import CHANNEL, WriteLost

CHANNEL_PREFIX = f"{CHANNEL}#"

Item = dict[str, Any]
Call = tuple[str, tuple[Any, ...]]


class FakeClock:
    """``clock()`` reads ``now``; ``sleep(s)`` moves it forward by ``s`` and records the pause."""

    def __init__(self, now: float | datetime = 1_704_067_200.0) -> None:  # 2024-01-01 00:00 UTC, a Monday
        self.now = now.timestamp() if isinstance(now, datetime) else float(now)
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def set(self, at: datetime) -> None:
        self.now = at.timestamp()


class FakeLiveCodeRepo:
    """``scrm.live_codes.ports.LiveCodeRepo`` in memory.

    Channel codes are kept as ``ChannelCode`` aggregates by (corp, code id), with their version; group codes
    and the default welcome as items by (corp, sort key). The item-level methods (the welcome and
    acquisition paths) read and write channel codes through the aggregate's stored form, as DynamoLiveCodes
    keeps one item either way. ``create_error``: raised by the next ``create`` or ``add_channel`` (then
    cleared). ``before_write``: callables run, one per write (first in, first out), before the version
    check: a test puts a concurrent writer there.
    """

    def __init__(self) -> None:
        self.channel_codes: dict[tuple[str, str], ChannelCode] = {}
        self.items: dict[tuple[str, str], tuple[Item, int]] = {}  # group codes, the default welcome
        self.calls: list[Call] = []
        self.create_error: BaseException | None = None
        self.before_write: list[Callable[[], None]] = []

    def calls_to(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in self.calls if n == name]

    # setup / assertions -------------------------------------------------------------------------
    def put_channel(self, corp_id: str, code: ChannelCode, version: int = 1) -> None:
        self.channel_codes[(corp_id, code.state)] = dataclasses.replace(copy.deepcopy(code), version=version)

    def put(self, corp_id: str, sk: str, data: Item, version: int = 1) -> None:
        if sk.startswith(CHANNEL_PREFIX):
            self.put_channel(corp_id, ChannelCode.from_item(data), version)
        else:
            self.items[(corp_id, sk)] = (copy.deepcopy(data), version)

    def code(self, corp_id: str, code_id: str) -> ChannelCode | None:
        """The stored channel code (a copy)."""
        return copy.deepcopy(self.channel_codes.get((corp_id, code_id)))

    def stored(self) -> list[tuple[str, str]]:
        """(corp, sort key) of everything stored."""
        return sorted([*((c, CHANNEL_PREFIX + i) for c, i in self.channel_codes), *self.items])

    def data(self, corp_id: str, sk: str) -> Item | None:
        found = self._found(corp_id, sk)
        return None if found is None else found[0]

    def version(self, corp_id: str, sk: str) -> int:
        found = self._found(corp_id, sk)
        return 0 if found is None else found[1]

    def _found(self, corp_id: str, sk: str) -> tuple[Item, int] | None:
        if sk.startswith(CHANNEL_PREFIX):
            code = self.channel_codes.get((corp_id, sk[len(CHANNEL_PREFIX) :]))
            return None if code is None else (code.to_item(), code.version)
        found = self.items.get((corp_id, sk))
        return None if found is None else (copy.deepcopy(found[0]), found[1])

    def _before_write(self) -> None:
        if self.before_write:
            self.before_write.pop(0)()

    def _raise_create_error(self) -> None:
        if self.create_error is not None:
            err, self.create_error = self.create_error, None
            raise err

    # the port: channel codes as aggregates ----------------------------------------------------------
    def channel(self, corp_id: str, code_id: str) -> ChannelCode | None:
        self.calls.append(("channel", (corp_id, code_id)))
        return self.code(corp_id, code_id)

    def channels(self, corp_id: str) -> list[ChannelCode]:
        self.calls.append(("channels", (corp_id,)))
        return [copy.deepcopy(c) for (corp, _), c in sorted(self.channel_codes.items()) if corp == corp_id]

    def add_channel(self, corp_id: str, code: ChannelCode) -> bool:
        self.calls.append(("add_channel", (corp_id, code.state)))
        self._raise_create_error()
        self._before_write()
        if (corp_id, code.state) in self.channel_codes:
            return False
        self.put_channel(corp_id, code, 1)
        code.version = 1
        return True

    def save_channel(self, corp_id: str, code: ChannelCode) -> bool:
        self.calls.append(("save_channel", (corp_id, code.state, code.version)))
        self._before_write()
        stored = self.channel_codes.get((corp_id, code.state))
        if (stored.version if stored else 0) != code.version:
            return False
        self.put_channel(corp_id, code, code.version + 1)
        code.version += 1
        return True

    # the port: items ------------------------------------------------------------------------------
    def get(self, corp_id: str, sk: str, consistent: bool = True) -> tuple[Item, int] | None:
        self.calls.append(("get", (corp_id, sk)))
        return self._found(corp_id, sk)

    def cached(self, corp_id: str, sk: str) -> Item | None:
        self.calls.append(("cached", (corp_id, sk)))
        return self.data(corp_id, sk)

    def list(self, corp_id: str, kind: str) -> list[Item]:
        self.calls.append(("list", (corp_id, kind)))
        return [data for corp, sk in self.stored() if corp == corp_id and sk.startswith(f"{kind}#")
                for data in [self.data(corp, sk)] if data is not None]  # fmt: skip

    def create(self, corp_id: str, sk: str, data: Item) -> None:
        self.calls.append(("create", (corp_id, sk, copy.deepcopy(data))))
        self._raise_create_error()
        self._before_write()
        if self._found(corp_id, sk) is not None:
            raise WriteLost(sk)
        self.put(corp_id, sk, data, 1)

    def replace(self, corp_id: str, sk: str, data: Item, version: int) -> int:
        self.calls.append(("replace", (corp_id, sk, copy.deepcopy(data), version)))
        self._before_write()
        if self.version(corp_id, sk) != version:
            raise WriteLost(sk)
        self.put(corp_id, sk, data, version + 1)
        return version + 1


class FakeChannelStats:
    """``scrm.services.ports.ChannelStatsRepo`` in memory (only what the live-code services read and write)."""

    def __init__(self) -> None:
        self.adds: dict[tuple[str, str, str], dict[str, int]] = {}  # (corp, state, day) -> userid -> adds
        self.missed_markers: set[tuple[str, str, str]] = set()  # (corp, external_userid, marker)
        self.welcomed_markers: set[tuple[str, str, str]] = set()
        self.missed: dict[tuple[str, str, str, str], int] = {}  # (corp, state, day, userid) -> count
        self.stat_rows: dict[tuple[str, str], list[Item]] = {}  # (corp, state) -> rows
        self.calls: list[Call] = []

    def calls_to(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in self.calls if n == name]

    def record_missed_welcome(
        self, corp_id: str, state: str, external_userid: str, userid: str, day: str, marker: str
    ) -> bool:
        self.calls.append(("record_missed_welcome", (corp_id, state, external_userid, userid, day, marker)))
        key = (corp_id, external_userid, marker)
        if key in self.missed_markers:
            return False
        self.missed_markers.add(key)
        counter = (corp_id, state, day, userid)
        self.missed[counter] = self.missed.get(counter, 0) + 1
        return True

    def record_welcomed(self, markers: Sequence[tuple[str, str, str]]) -> None:
        self.calls.append(("record_welcomed", tuple(markers)))
        self.welcomed_markers.update(markers)

    def welcomed(self, corp_id: str, external_userid: str, marker: str) -> bool:
        self.calls.append(("welcomed", (corp_id, external_userid, marker)))
        return (corp_id, external_userid, marker) in self.welcomed_markers

    def adds_on(self, corp_id: str, state: str, day: str) -> dict[str, int]:
        self.calls.append(("adds_on", (corp_id, state, day)))
        return dict(self.adds.get((corp_id, state, day), {}))

    def rows(self, corp_id: str, state: str, first_day: str, last_day: str) -> list[Item]:
        self.calls.append(("rows", (corp_id, state, first_day, last_day)))
        return [dict(r) for r in self.stat_rows.get((corp_id, state), []) if first_day <= r["day"] <= last_day]

    def record_add(self, corp_id: str, state: str, external_userid: str, userid: str, added_at: int, day: str) -> bool:
        raise AssertionError("not used by these services")

    def record_loss(self, corp_id: str, external_userid: str, userid: str, by: str, at: int) -> bool:
        raise AssertionError("not used by these services")


class FakeLiveCodeWeCom:
    """The live-code and welcome WeCom calls for one corp.

    ``script[method]`` is a list of outcomes consumed one per call: an exception is raised, anything else
    (``None``) lets the call succeed. When a method's list is empty the call succeeds.
    """

    def __init__(self, corp_id: str = "wwcorp0001") -> None:
        self.corp_id = corp_id
        self.calls: list[Call] = []
        self.script: dict[str, list[BaseException | None]] = {}
        self.customers: dict[str, CustomerProfile] = {}
        self.next_id = 0

    def fail(self, method: str, *outcomes: BaseException | None) -> None:
        self.script.setdefault(method, []).extend(outcomes)

    def calls_to(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in self.calls if n == name]

    def _call(self, name: str, *args: Any) -> None:
        self.calls.append((name, tuple(copy.deepcopy(a) for a in args)))
        pending = self.script.get(name)
        if pending:
            outcome = pending.pop(0)
            if outcome is not None:
                raise outcome

    def _id(self, prefix: str) -> str:
        self.next_id += 1
        return f"{prefix}{self.next_id}"

    # contact ways -------------------------------------------------------------------------------
    def add_contact_way(self, wecom_type: int, fields: dict[str, Any]) -> tuple[str, str]:
        self._call("add_contact_way", wecom_type, fields)
        config_id = self._id("cfg")
        return config_id, f"https://wework.qpic.cn/qr/{config_id}.png"

    def update_contact_way(self, config_id: str, fields: dict[str, Any]) -> None:
        self._call("update_contact_way", config_id, fields)

    def del_contact_way(self, config_id: str) -> None:
        self._call("del_contact_way", config_id)

    # join ways and templates --------------------------------------------------------------------
    def add_join_way(self, fields: dict[str, Any]) -> str:
        self._call("add_join_way", fields)
        return self._id("join")

    def get_join_way(self, config_id: str) -> dict[str, Any]:
        self._call("get_join_way", config_id)
        return {"config_id": config_id, "qr_code": f"https://wework.qpic.cn/join/{config_id}.png"}

    def update_join_way(self, config_id: str, fields: dict[str, Any]) -> None:
        self._call("update_join_way", config_id, fields)

    def del_join_way(self, config_id: str) -> None:
        self._call("del_join_way", config_id)

    def add_group_welcome_template(self, fields: dict[str, Any]) -> str:
        self._call("add_group_welcome_template", fields)
        return self._id("tpl")

    def edit_group_welcome_template(self, template_id: str, fields: dict[str, Any]) -> None:
        self._call("edit_group_welcome_template", template_id, fields)

    def del_group_welcome_template(self, template_id: str) -> None:
        self._call("del_group_welcome_template", template_id)

    def mark_tag(self, userid: str, external_userid: str, add: Sequence[str], remove: Sequence[str]) -> None:
        self._call("mark_tag", userid, external_userid, list(add), list(remove))

    def remark(self, userid: str, external_userid: str, fields: dict[str, Any]) -> None:
        self._call("remark", userid, external_userid, fields)

    # the welcome path ---------------------------------------------------------------------------
    def get_customer(self, external_userid: str) -> tuple[CustomerProfile, list[FollowInfo]] | None:
        self._call("get_customer", external_userid)
        profile = self.customers.get(external_userid)
        return None if profile is None else (profile, [])

    def send_welcome(self, welcome_code: str, payload: dict[str, Any]) -> None:
        self._call("send_welcome", welcome_code, payload)


class FakeGateways:
    """``corp_id -> FakeLiveCodeWeCom``, as the services take it; remembers which corps were asked for."""

    def __init__(self) -> None:
        self.corps: dict[str, FakeLiveCodeWeCom] = {}
        self.asked: list[str] = []

    def corp(self, corp_id: str) -> FakeLiveCodeWeCom:
        return self.corps.setdefault(corp_id, FakeLiveCodeWeCom(corp_id))

    def __call__(self, corp_id: str) -> FakeLiveCodeWeCom:
        self.asked.append(corp_id)
        return self.corp(corp_id)


class FakeCodeDirectory:
    """``scrm.services.ports.Directory``: the corp's synced employees, tags and groups."""

    def __init__(
        self, employees: Sequence[str] = (), tags: Sequence[str] = (), groups: Sequence[str] = ()
    ) -> None:
        self.employees = set(employees)
        self.tags = set(tags)
        self.groups = set(groups)
        self.calls: list[Call] = []

    def known_employees(self, corp_id: str, userids: Sequence[str]) -> set[str]:
        self.calls.append(("known_employees", (corp_id, tuple(userids))))
        return {u for u in userids if u in self.employees}

    def departed_employees(self, corp_id: str) -> list[str]:
        self.calls.append(("departed_employees", (corp_id,)))
        return []

    def known_tags(self, corp_id: str) -> set[str]:
        self.calls.append(("known_tags", (corp_id,)))
        return set(self.tags)

    def known_groups(self, corp_id: str, chat_ids: Sequence[str]) -> set[str]:
        self.calls.append(("known_groups", (corp_id, tuple(chat_ids))))
        return {c for c in chat_ids if c in self.groups}
