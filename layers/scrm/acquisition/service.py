"""What the event consumer does for a customer who arrived through a live code, or left after one.

On an add with a known state: the code's tags (mark_tag) and remark / description (with the customer's
name) go to WeCom, the relation we store is WeCom's read plus those writes (WeCom sends no callback for
API writes, and a second read would cost a call per scan), and the add is counted once. A member who
reaches the daily cap is switched out at once. On a deletion the loss is counted on the day the customer
came. On a group's member change, a group code moves on from a group that reached its threshold.

The welcome message is not here: it has its own queue and consumer (welcome/sender.py), so it
never waits behind this work.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scrm.acquisition.ports import ChannelStatsRepo
from scrm.customers.customer import FollowInfo, TagRef
from scrm.kernel.china_time import local_day
from scrm.kernel.wecom_error import WeComError
from scrm.live_codes.channel_code import ChannelCode, code_from_dict, spec_from_dict
from scrm.live_codes.group_code import group_spec_from_dict, join_way_body
from scrm.live_codes.keys import CHANNEL, GROUP, retry_on_conflict, sort_key
from scrm.live_codes.ports import LiveCodeRepo, LiveCodeWeCom
from scrm.live_codes.staffing import CodeStaffing
from scrm.welcome.message import render

log = logging.getLogger("scrm.codes")
REMARK_MAX, DESCRIPTION_MAX = 20, 150
# WeCom answers that no retry will change (a tag deleted since the code was saved, the relation gone, no
# permission, a value refused): the arrival is stored without that action instead of failing for good.
PERMANENT = frozenset({40068, 84061, 40096, 60011, 40003, 40058, 41054})


class Acquisition:
    def __init__(
        self,
        codes: LiveCodeRepo,
        stats: ChannelStatsRepo,
        staffing: CodeStaffing,
        wecom: Callable[[str], LiveCodeWeCom],
    ) -> None:
        self.codes = codes
        self.stats = stats
        self.staffing = staffing
        self.wecom = wecom

    def code(self, corp_id: str, state: str) -> ChannelCode | None:
        data = self.codes.cached(corp_id, sort_key(CHANNEL, state)) if state else None
        return code_from_dict(data) if data else None

    def apply_actions(
        self, corp_id: str, external_userid: str, code: ChannelCode, name: str, info: FollowInfo
    ) -> tuple[FollowInfo, list[str]]:
        """Tags and remark from the code, written to WeCom; returns the relation as WeCom now has it."""
        if code.status != "active":
            return info, []
        effects: list[str] = []
        gw = self.wecom(corp_id)
        spec = code.spec
        held = {t.tag_id for t in info.tags}
        missing = [t for t in spec.tags if t not in held]
        if missing and self._tried(lambda: gw.mark_tag(info.userid, external_userid, missing, []), "mark_tag", effects):
            info = dataclasses.replace(info, tags=(*info.tags, *(TagRef(t) for t in missing)))
            effects.append(f"channel:tagged:{len(missing)}")
        fields: dict[str, Any] = {}
        if spec.remark_template:
            fields["remark"] = render(spec.remark_template, name, REMARK_MAX)
        if spec.description_template:
            fields["description"] = render(spec.description_template, name, DESCRIPTION_MAX)
        changed = fields and any(getattr(info, k) != v for k, v in fields.items())
        if changed and self._tried(lambda: gw.remark(info.userid, external_userid, fields), "remark", effects):
            info = dataclasses.replace(info, **fields)
            effects.append("channel:remarked")
        return info, effects

    @staticmethod
    def _tried(call: Callable[[], None], what: str, effects: list[str]) -> bool:
        """True if WeCom took it; False for a permanent refusal (noted); anything else goes up, and SQS
        retries the event (every step of it is idempotent)."""
        try:
            call()
            return True
        except WeComError as exc:
            if exc.errcode not in PERMANENT:
                raise
            log.warning("channel action refused", extra={"action": what, "errcode": exc.errcode})
            effects.append(f"channel:{what}_refused:{exc.errcode}")
            return False

    def count_add(self, corp_id: str, state: str, external_userid: str, userid: str, create_time: int) -> list[str]:
        code = self.code(corp_id, state)
        if code is None:
            return ["channel:unknown_state"]
        day = local_day(datetime.fromtimestamp(create_time, UTC))
        if not self.stats.record_add(corp_id, state, external_userid, userid, create_time, day):
            return ["channel:counted_before"]
        effects = ["channel:counted"]
        if code.spec.daily_cap:
            try:
                if self.staffing.refresh(corp_id, state):
                    effects.append("channel:staff_switched")
            except Exception:  # counted already; the per-minute job switches the staff if this failed
                log.exception("cap check failed; the per-minute job will retry it", extra={"state": state})
                effects.append("channel:staff_switch_deferred")
        return effects

    def count_loss(self, corp_id: str, external_userid: str, userid: str, by: str, create_time: int) -> list[str]:
        return ["channel:lost"] if self.stats.record_loss(corp_id, external_userid, userid, by, create_time) else []

    def group_size(self, corp_id: str, chat_id: str, members: int) -> list[str]:
        """Move a group code on from ``chat_id`` once it reached the threshold (or back to it when
        members left). Group codes are few per corp: one cached partition read finds the ones involved."""
        effects: list[str] = []
        for data in self.codes.list(corp_id, GROUP):
            if data.get("status") != "active" or chat_id not in (data.get("chat_ids") or []):
                continue
            state = data["state"]
            if retry_on_conflict(lambda s=state: self._move_on(corp_id, s, chat_id, members), False):
                effects.append(f"group_code:switched:{state}")
        return effects

    def _move_on(self, corp_id: str, state: str, chat_id: str, members: int) -> bool:
        found = self.codes.get(corp_id, sort_key(GROUP, state))
        if found is None:
            return False
        data, version = found
        spec = group_spec_from_dict(data)
        full = set(data.get("full_chats") or [])
        is_full = members >= spec.threshold
        if is_full == (chat_id in full):
            return False
        full = full | {chat_id} if is_full else full - {chat_id}
        active = [c for c in spec.chat_ids if c not in full] or list(spec.chat_ids)
        if active != list(data.get("active_chats") or spec.chat_ids):
            self.wecom(corp_id).update_join_way(str(data["config_id"]), join_way_body(spec, active))
        self.codes.replace(
            corp_id,
            sort_key(GROUP, state),
            {**data, "full_chats": sorted(full), "active_chats": active},
            version,
        )
        log.info("group code moved on", extra={"state": state, "active": len(active)})
        return True

    def employee_left(self, corp_id: str, userid: str) -> list[str]:
        """A member who left (delete_user) is taken off every active channel code: WeCom would refuse
        the code's next staff change while it names them. A slot left without staff is dropped; a code
        left without default staff falls back to its backups; a code with nobody left keeps the member
        and is logged for the admin."""
        effects: list[str] = []
        for data in self.codes.list(corp_id, CHANNEL):
            if data.get("status") != "active" or userid not in code_from_dict(data).spec.all_staff():
                continue
            removed = retry_on_conflict(lambda s=data["state"]: self._drop_member(corp_id, s, userid), False)
            effects.append(f"channel:{'member_removed' if removed else 'member_kept'}:{data['state']}")
        return effects

    def _drop_member(self, corp_id: str, state: str, userid: str) -> bool:
        found = self.codes.get(corp_id, sort_key(CHANNEL, state))
        if found is None:
            return False
        data, version = found
        spec = spec_from_dict(data)

        def without(userids: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(u for u in userids if u != userid)

        slots = tuple(s for s in (dataclasses.replace(s, staff=without(s.staff)) for s in spec.schedule) if s.staff)
        staff = without(spec.staff) or without(spec.backup)
        if not staff:
            log.warning("a code's last member left; the admin must give it staff", extra={"state": state})
            return False
        new = dataclasses.replace(spec, staff=staff, schedule=slots, backup=without(spec.backup))
        self.codes.replace(corp_id, sort_key(CHANNEL, state), {**data, **new.as_dict()}, version)
        try:
            self.staffing.refresh(corp_id, state)
        except Exception:  # stored already; the per-minute job brings WeCom in line
            log.exception("staff change after a member left failed; the per-minute job will retry it")
        return True

