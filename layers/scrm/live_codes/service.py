"""What the admin API and the CLI do with channel codes, group codes and the corp's default welcome.

WeCom first, then our copy: a code whose WeCom call fails is not stored, and if storing fails after WeCom
accepted, the contact way (or join way) is deleted again, so no half-created code is left on either side.
Input is checked before any call (staff and tags against the corp's synced directory, limits against
WeCom's), so most mistakes come back as a 400 naming the field, not as a WeCom error code.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrm.acquisition.channel_stats import StatRow, day_range, report, to_csv
from scrm.acquisition.ports import ChannelStatsRepo
from scrm.customers.ports import Directory
from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.china_time import CHINA, local_day
from scrm.kernel.errors import Conflict, DomainError, InvalidInput, NotFound, WeComRefused
from scrm.kernel.fence import Contended, Vanished, VersionedWrite
from scrm.kernel.wecom_error import WeComError
from scrm.live_codes.channel_code import ChannelCode, ChannelCodeSpec, ContactWay, live, parse_spec
from scrm.live_codes.group_code import (
    group_spec_from_dict,
    join_way_body,
    parse_group_spec,
    welcome_template_body,
)
from scrm.live_codes.keys import DEFAULT_WELCOME, GROUP, WriteLost, sort_key
from scrm.live_codes.ports import LiveCodeRepo, LiveCodeWeCom
from scrm.welcome.message import parse_welcome

# WeCom's answers to contact-way and join-way calls, as the admin API reports them.
WECOM_FIELD_ERRORS = {
    60111: ("staff", "WeCom does not know a member"),
    41041: ("staff", "more than 100 members on one contact way"),
    41054: ("staff", "a member is not activated or not verified in WeCom"),
    40050: ("chat_ids", "WeCom does not know a group"),
    40058: ("", "WeCom rejected a value"),
}
STATS_TABLES = ("by_day", "by_staff", "rows")


def _from_wecom(exc: WeComError) -> DomainError:
    """WeCom's refusal, naming the input field at fault when the code points at one."""
    code = exc.errcode or 0
    if code in WECOM_FIELD_ERRORS:
        field, what = WECOM_FIELD_ERRORS[code]
        return InvalidInput(field, f"{what}: {exc.errmsg.split(',')[0]} (WeCom {code})")
    return WeComRefused(exc.errcode, exc.errmsg)


MARK_TRIES = 5  # concurrent writers to one code are the admin and its own consumer: a few rounds settle it


@dataclass(eq=False)
class LiveCodes:
    codes: LiveCodeRepo
    stats: ChannelStatsRepo
    directory: Directory
    wecom: Callable[[str], LiveCodeWeCom]
    clock: Callable[[], float] = time.time

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _ms(self) -> int:
        return int(self.clock() * 1000)

    # checks against the corp's directory --------------------------------------------------------
    def _check_spec_staff(self, corp_id: str, spec: ChannelCodeSpec) -> None:
        """Every member the code may lead to, checked in one read; the error names the list at fault."""
        known = self.directory.known_employees(corp_id, spec.all_staff())
        for field, userids in spec.staff_fields():
            missing = [u for u in userids if u not in known]
            if missing:
                raise InvalidInput(field, f"unknown member {missing[0]!r} (not among the corp's synced employees; run a sync if it "
                    "is new)")

    def _check_tags(self, corp_id: str, tags: Sequence[str]) -> None:
        if not tags:
            return
        known = self.directory.known_tags(corp_id)
        missing = [t for t in tags if t not in known]
        if missing:
            raise InvalidInput("tags", f"unknown tag {missing[0]!r} (not in the corp's tag library)")

    def _existing(self, corp_id: str, code_id: str) -> tuple[dict[str, Any], int]:
        """A group code's item and version, if it exists and is not deleted."""
        found = self.codes.get(corp_id, sort_key(GROUP, code_id))
        if found is None or found[0].get("status") == "deleted":
            raise NotFound(f"no group code {code_id}", "code_id")
        return found

    # channel codes ------------------------------------------------------------------------------
    def _versioned(self, corp_id: str) -> VersionedWrite[ChannelCode]:
        """A write that lands on the newest version (a transition applied again after a lost write)."""
        return VersionedWrite(
            lambda c: self.codes.save_channel(corp_id, c), lambda c: self.codes.channel(corp_id, c.state), MARK_TRIES
        )

    def create_channel(self, corp_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        spec = parse_spec(body)
        self._check_spec_staff(corp_id, spec)
        self._check_tags(corp_id, spec.tags)
        if self.codes.channel(corp_id, spec.state) is not None:
            raise Conflict(f"a code with state {spec.state!r} exists", "state")

        def keep(way: ContactWay, config_id: str, qr_code: str) -> ChannelCode | None:
            made = ChannelCode.created(spec, way, config_id, qr_code, self._ms())
            return made if self.codes.add_channel(corp_id, made) else None

        return self._first_way(corp_id, spec, keep, Conflict(f"a code with state {spec.state!r} exists", "state")).as_dict()

    def restore_channel(self, corp_id: str, code_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """A deleted code back on a new contact way, with ``body`` as a create's (name and staff required):
        its state, relations and statistics carry on. A store imported again after its delete needs it,
        since its state is ``store_<store id>`` and the deleted code keeps that state for its statistics."""
        code = self.codes.channel(corp_id, code_id)
        if code is None:
            raise NotFound(f"no channel code {code_id}", "code_id")
        if not code.deleted:
            raise Conflict(f"the code {code_id} is not deleted", "code_id")
        spec = parse_spec({**body, "state": code_id})
        self._check_spec_staff(corp_id, spec)
        self._check_tags(corp_id, spec.tags)

        def keep(way: ContactWay, config_id: str, qr_code: str) -> ChannelCode | None:
            code.restore(spec, way, config_id, qr_code, self._ms())
            return code if self.codes.save_channel(corp_id, code) else None

        # another restore (or a late write) got there first: one contact way stays, not two
        lost = Conflict("the code changed while it was restored; read it again and retry")
        return self._first_way(corp_id, spec, keep, lost).as_dict()

    def _first_way(self, corp_id: str, spec: ChannelCodeSpec,
                   keep: Callable[[ContactWay, str, str], ChannelCode | None], lost: DomainError) -> ChannelCode:  # fmt: skip
        """Make the code's contact way in WeCom, then ``keep`` it (our conditional write: the code kept, or None
        when it lost); a write that fails or loses (``lost`` raised) takes the way back out of WeCom, so no way
        is left that no code holds."""
        way = ChannelCode.first_way(spec, spec.staff_at(self._now(), {}))
        gw = self.wecom(corp_id)
        try:
            config_id, qr_code = gw.add_contact_way(way.wecom_type, way.fields)
        except WeComError as exc:
            raise _from_wecom(exc) from None
        try:
            kept = keep(way, config_id, qr_code)
        except BaseException:
            self._undo(lambda: gw.del_contact_way(config_id))
            raise
        if kept is None:
            self._undo(lambda: gw.del_contact_way(config_id))
            raise lost
        return kept

    @staticmethod
    def _undo(call: Callable[[], None]) -> None:
        # The caller's own error is the one to report; an orphan way left behind only costs quota.
        with contextlib.suppress(Exception):
            call()

    def update_channel(self, corp_id: str, code_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        code = live(self.codes.channel(corp_id, code_id), code_id)
        spec = parse_spec(body, code.spec)
        self._check_spec_staff(corp_id, spec)
        self._check_tags(corp_id, spec.tags)
        now = self._now()
        adds = self.stats.adds_on(corp_id, code_id, local_day(now)) if spec.daily_cap else {}
        edited = code.edit(spec, spec.staff_at(now, adds), self._ms())
        try:
            self.wecom(corp_id).update_contact_way(edited.update.config_id, edited.update.fields)
        except WeComError as exc:
            raise _from_wecom(exc) from None
        if not self.codes.save_channel(corp_id, code):
            raise Conflict("the code changed while this edit ran; read it again and retry")
        return code.as_dict()

    def delete_channel(self, corp_id: str, code_id: str) -> dict[str, Any]:
        """The contact way goes; our record stays as ``deleted`` for its statistics and late events. The
        contact way is gone from WeCom by then, so a concurrent write (the consumer switching its staff)
        must not undo the delete: the mark is laid again on the newer version."""
        code = live(self.codes.channel(corp_id, code_id), code_id)
        gw = self.wecom(corp_id)
        self._delete_in_wecom(lambda: gw.del_contact_way(code.config_id))
        try:
            self._versioned(corp_id).write(code, lambda c: c.delete(self._ms()))
        except Contended:
            raise Conflict("the code kept changing while it was deleted in WeCom; delete it again") from None
        except Vanished:
            raise NotFound(f"no channel code {code_id}", "code_id") from None
        return {"deleted": code_id}

    @staticmethod
    def _delete_in_wecom(call: Callable[[], None]) -> None:
        try:
            call()
        except WeComError as exc:
            if not errcodes.is_deleted(exc.errcode):  # 41044 / 40037: gone in WeCom already: finish our side
                raise _from_wecom(exc) from None

    def _mark_deleted(self, corp_id: str, code_id: str, data: dict[str, Any], version: int) -> dict[str, Any]:
        """A group code kept, as ``deleted``: its statistics stay readable and late events still find it. The
        code is gone from WeCom by now, so a concurrent write (the code moving on to its next chat as a
        member joins) must not undo the delete: the mark is laid again on the newer version."""
        for _ in range(MARK_TRIES):
            stamped = {**data, "status": "deleted", "updated_at_ms": self._ms()}
            try:
                self.codes.replace(corp_id, sort_key(GROUP, code_id), stamped, version)
                return {"deleted": code_id}
            except WriteLost:
                data, version = self._existing(corp_id, code_id)
        raise Conflict("the code kept changing while it was deleted in WeCom; delete it again")

    @staticmethod
    def _listed(rows: list[dict[str, Any]], params: Mapping[str, str | None]) -> list[dict[str, Any]]:
        """``status`` (active by default, deleted, all), ``q`` (in the name, case-insensitive), ``group``
        (exact). A corp's codes are one partition: read whole, filtered here."""
        status = params.get("status") or "active"
        if status not in ("active", "deleted", "all"):
            raise InvalidInput("status", "status: must be active, deleted or all")
        group, q = params.get("group"), (params.get("q") or "").lower()
        return [
            d
            for d in rows
            if (status == "all" or d.get("status") == status)
            and (group is None or d.get("group") == group)
            and (not q or q in str(d.get("name", "")).lower())
        ]

    def get_channel(self, corp_id: str, code_id: str) -> dict[str, Any]:
        code = self.codes.channel(corp_id, code_id)
        if code is None:
            raise NotFound(f"no channel code {code_id}", "code_id")
        return code.to_item()

    def list_channel(self, corp_id: str, params: Mapping[str, str | None]) -> dict[str, Any]:
        rows = self._listed([c.to_item() for c in self.codes.channels(corp_id)], params)
        rows.sort(key=lambda d: (d.get("group") or "", d.get("name") or ""))
        groups = sorted({d.get("group") or "" for d in rows})
        return {"items": [{"code_id": d["state"], **d} for d in rows], "groups": groups}

    def channel_stats(self, corp_id: str, code_id: str, params: Mapping[str, str | None]) -> dict[str, Any] | str:
        """JSON (totals, by_day, by_staff, rows) or, with ``format=csv``, one table as CSV."""
        self.get_channel(corp_id, code_id)
        first, last = day_range(params, self._now().astimezone(CHINA))
        fmt, table = params.get("format") or "json", params.get("table") or "by_day"
        if fmt not in ("json", "csv"):
            raise InvalidInput("format", "format: must be json or csv")
        if table not in STATS_TABLES:
            raise InvalidInput("table", f"table: must be one of {', '.join(STATS_TABLES)}")
        result = report([StatRow.of(r) for r in self.stats.rows(corp_id, code_id, first, last)])
        if fmt == "csv":
            return to_csv(result[table])
        return {"code_id": code_id, "from": first, "to": last, **result}

    # the corp's default welcome ------------------------------------------------------------------
    def default_welcome(self, corp_id: str) -> dict[str, Any]:
        found = self.codes.get(corp_id, DEFAULT_WELCOME)
        return {"welcome": found[0].get("welcome") if found else None}

    def set_default_welcome(self, corp_id: str, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """``given``: the welcome's text and attachments (the admin API's model checked their types), or
        None to clear it."""
        welcome = parse_welcome(given)
        found = self.codes.get(corp_id, DEFAULT_WELCOME)
        data = {"welcome": welcome.as_dict() if welcome else None, "status": "active", "updated_at_ms": self._ms()}
        try:
            self.codes.replace(corp_id, DEFAULT_WELCOME, data, found[1] if found else 0)
        except WriteLost:
            raise Conflict("the default welcome changed meanwhile; retry") from None
        return {"welcome": data["welcome"]}

    # group codes ---------------------------------------------------------------------------------
    def _check_chats(self, corp_id: str, chat_ids: Sequence[str]) -> None:
        known = self.directory.known_groups(corp_id, chat_ids)
        missing = [c for c in chat_ids if c not in known]
        if missing:
            raise InvalidInput("chat_ids", f"unknown group {missing[0]!r} (not among the corp's synced groups)")

    def create_group(self, corp_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        spec = parse_group_spec(body)
        self._check_chats(corp_id, spec.chat_ids)
        if self.codes.get(corp_id, sort_key(GROUP, spec.state)) is not None:
            raise Conflict(f"a group code with state {spec.state!r} exists", "state")
        gw = self.wecom(corp_id)
        undo: list[Callable[[], None]] = []
        try:
            config_id = gw.add_join_way(join_way_body(spec, list(spec.chat_ids)))
            undo.append(lambda: gw.del_join_way(config_id))
            qr_code = str(gw.get_join_way(config_id).get("qr_code") or "")
            template_id = ""
            if spec.welcome is not None:
                template_id = gw.add_group_welcome_template(welcome_template_body(spec.welcome))
                undo.append(lambda: gw.del_group_welcome_template(template_id))
            now = self._ms()
            data = {
                "code_id": spec.state,
                **spec.as_dict(),
                "config_id": config_id,
                "qr_code": qr_code,
                "welcome_template_id": template_id,
                "full_chats": [],
                "active_chats": list(spec.chat_ids),
                "status": "active",
                "created_at_ms": now,
                "updated_at_ms": now,
            }
            self.codes.create(corp_id, sort_key(GROUP, spec.state), data)
        except BaseException as exc:
            for step in reversed(undo):
                self._undo(step)
            if isinstance(exc, WeComError):
                raise _from_wecom(exc) from None
            if isinstance(exc, WriteLost):
                raise Conflict(f"a group code with state {spec.state!r} exists", "state") from None
            raise
        return data

    def update_group(self, corp_id: str, code_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        data, version = self._existing(corp_id, code_id)
        spec = parse_group_spec(body, group_spec_from_dict(data))
        self._check_chats(corp_id, spec.chat_ids)
        full = [c for c in data.get("full_chats") or [] if c in spec.chat_ids]
        active = [c for c in spec.chat_ids if c not in full] or list(spec.chat_ids)
        gw = self.wecom(corp_id)
        template_id = str(data.get("welcome_template_id") or "")
        try:
            gw.update_join_way(str(data["config_id"]), join_way_body(spec, active))
            if spec.welcome is not None and template_id:
                gw.edit_group_welcome_template(template_id, welcome_template_body(spec.welcome))
            elif spec.welcome is not None:
                template_id = gw.add_group_welcome_template(welcome_template_body(spec.welcome))
            elif template_id:
                gw.del_group_welcome_template(template_id)
                template_id = ""
        except WeComError as exc:
            raise _from_wecom(exc) from None
        new = {
            **data,
            **spec.as_dict(),
            "welcome_template_id": template_id,
            "full_chats": full,
            "active_chats": active,
            "updated_at_ms": self._ms(),
        }
        try:
            self.codes.replace(corp_id, sort_key(GROUP, code_id), new, version)
        except WriteLost:
            raise Conflict("the code changed while this edit ran; read it again and retry") from None
        return new

    def delete_group(self, corp_id: str, code_id: str) -> dict[str, Any]:
        data, version = self._existing(corp_id, code_id)
        gw = self.wecom(corp_id)
        self._delete_in_wecom(lambda: gw.del_join_way(str(data.get("config_id") or "")))
        if data.get("welcome_template_id"):
            self._delete_in_wecom(lambda: gw.del_group_welcome_template(str(data["welcome_template_id"])))
        return self._mark_deleted(corp_id, code_id, data, version)

    def get_group(self, corp_id: str, code_id: str) -> dict[str, Any]:
        found = self.codes.get(corp_id, sort_key(GROUP, code_id))
        if found is None:
            raise NotFound(f"no group code {code_id}", "code_id")
        return found[0]

    def list_group(self, corp_id: str, params: Mapping[str, str | None]) -> dict[str, Any]:
        rows = self._listed(self.codes.list(corp_id, GROUP), {**params, "group": None})
        rows.sort(key=lambda d: d.get("name") or "")
        return {"items": rows}
