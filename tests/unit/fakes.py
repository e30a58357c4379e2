"""In-memory fakes of the service ports, for unit tests (no I/O).

``FakeStore`` mirrors ``scrm.customers.repository.DynamoStore`` write for write: every DynamoDB
``UpdateItem`` there becomes "check the same condition against the stored dict, then apply the same
actions", so a handler test against the fake says what the real store would hold:

* data refreshed from WeCom (``synced_at_ms``) is written only when strictly newer than what is stored;
* status writes (``version``) are applied when not older (``>=``) than the stored version;
* ``if_not_exists`` defaults (``F.status | "active"``) keep an existing value, even a stored ``None``
  (pynamodb writes ``set(None)`` as a DynamoDB NULL, which *exists*);
* a conditional update of a missing item creates it.

``FakeDirectory`` / ``FakeWeCom`` play the WeCom reads: data per corp, every call recorded, ``None``
for ids WeCom does not know.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scrm.customers.customer import CustomerProfile, FollowInfo
from scrm.customers.employee import Employee, EmployeeStatus
from scrm.customers.follow import FollowStatus
from scrm.customers.group import GroupChat, GroupStatus
from scrm.customers.tags import TagGroup

from devstack.wecom_player import event_xml  # noqa: F401 - re-exported for the unit tests

Item = dict[str, Any]

CORP = "wwcorp0001"  # the corp of the shared fixtures


def _newer(item: Item, attr: str, value: int) -> bool:
    """``attr.does_not_exist() | (attr < value)``; a NULL attribute exists and compares false."""
    if attr not in item:
        return True
    stored = item[attr]
    return isinstance(stored, int | float) and not isinstance(stored, bool) and stored < value


def _not_older(item: Item, attr: str, value: int) -> bool:
    """``attr.does_not_exist() | (attr <= value)``."""
    if attr not in item:
        return True
    stored = item[attr]
    return isinstance(stored, int | float) and not isinstance(stored, bool) and stored <= value


def _if_not_exists(item: Item, attr: str, default: Any) -> Any:
    return item.get(attr, default)  # a stored None (DynamoDB NULL) exists and is kept


class FakeStore:
    """Implements every method of ``scrm.customers.ports.Store`` in memory."""

    def __init__(self) -> None:
        self.customers: dict[tuple[str, str], Item] = {}
        self.follows: dict[tuple[str, str, str], Item] = {}
        self.timeline: dict[tuple[str, str, int, str], Item] = {}
        self.tags: dict[tuple[str, str], Item] = {}  # (corp, "group#<id>" | "tag#<id>")
        self.groups: dict[tuple[str, str], Item] = {}
        self.members: dict[tuple[str, str, str], Item] = {}
        self.employees: dict[tuple[str, str], Item] = {}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _call(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))

    def calls_to(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in self.calls if n == name]

    # customers --------------------------------------------------------------------------------
    def save_customer(self, corp_id: str, profile: CustomerProfile, synced_at_ms: int) -> None:
        self._call("save_customer", corp_id, profile, synced_at_ms)
        item = self.customers.get((corp_id, profile.external_userid), {})
        if not _newer(item, "synced_at_ms", synced_at_ms):
            return
        item.update(
            corp_id=corp_id,
            external_userid=profile.external_userid,
            name=profile.name or None,
            type=profile.type,
            gender=profile.gender,
            avatar=profile.avatar or None,
            unionid=profile.unionid or None,
            corp_name=profile.corp_name or None,
            position=profile.position or None,
            synced_at_ms=synced_at_ms,
        )
        self.customers[(corp_id, profile.external_userid)] = item

    def note_transfer_fail(
        self, corp_id: str, external_userid: str, takeover_userid: str, reason: str, create_time: int
    ) -> None:
        self._call("note_transfer_fail", corp_id, external_userid, takeover_userid, reason, create_time)
        item = self.customers.get((corp_id, external_userid), {})
        last = item.get("last_transfer_fail")
        if "last_transfer_fail" in item and not (
            isinstance(last, dict)
            and isinstance(last.get("create_time"), int)
            and last["create_time"] <= create_time
        ):
            return
        item.update(
            corp_id=corp_id,
            external_userid=external_userid,
            last_transfer_fail={
                "takeover_userid": takeover_userid,
                "reason": reason,
                "create_time": create_time,
            },
        )
        self.customers[(corp_id, external_userid)] = item

    # follow relations -------------------------------------------------------------------------
    def sync_follow(
        self, corp_id: str, external_userid: str, info: FollowInfo, synced_at_ms: int, name: str = ""
    ) -> bool:
        self._call("sync_follow", corp_id, external_userid, info, synced_at_ms)
        key = (corp_id, external_userid, info.userid)
        item = self.follows.get(key, {})
        if not _newer(item, "synced_at_ms", synced_at_ms):
            return False
        if name:
            item["name"] = name
        item.update(
            corp_id=corp_id,
            external_userid=external_userid,
            userid=info.userid,
            employee_pk=f"{corp_id}#{info.userid}",
            add_sk=f"{info.add_time:010d}#{external_userid}",
            remark=info.remark or None,
            description=info.description or None,
            add_time=info.add_time,
            add_way=info.add_way,
            state=info.state or None,
            oper_userid=info.oper_userid or None,
            remark_corp_name=info.remark_corp_name or None,
            remark_mobiles=list(info.remark_mobiles) or None,
            tags=[
                {"tag_id": t.tag_id, "tag_name": t.tag_name, "group_name": t.group_name, "type": t.type}
                for t in info.tags
            ],
            tag_ids={t.tag_id for t in info.tags} or None,
            synced_at_ms=synced_at_ms,
            status=_if_not_exists(item, "status", FollowStatus.ACTIVE.value),
            status_version=_if_not_exists(item, "status_version", 0),
        )
        self.follows[key] = item
        return True

    def set_follow_status(
        self,
        corp_id: str,
        external_userid: str,
        userid: str,
        status: FollowStatus,
        version: int,
        extra: dict[str, Any],
    ) -> bool:
        self._call("set_follow_status", corp_id, external_userid, userid, status, version, dict(extra))
        key = (corp_id, external_userid, userid)
        item = self.follows.get(key, {})
        if not _not_older(item, "status_version", version):
            return False
        create_time = version // 10
        item.update(
            corp_id=corp_id,
            external_userid=external_userid,
            userid=userid,
            employee_pk=f"{corp_id}#{userid}",
            add_sk=_if_not_exists(item, "add_sk", f"{create_time:010d}#{external_userid}"),
            status=status.value,
            status_version=version,
            status_at=create_time,
        )
        if "half_added" in extra:
            item["half_added"] = bool(extra["half_added"])
        if extra.get("state"):
            item["state"] = _if_not_exists(item, "state", extra["state"])
        self.follows[key] = item
        return True

    # timeline ---------------------------------------------------------------------------------
    def add_timeline(
        self, corp_id: str, subject: str, create_time: int, event_id: str, entry: dict[str, Any]
    ) -> None:
        self._call("add_timeline", corp_id, subject, create_time, event_id, copy.deepcopy(entry))
        # A plain put (overwrites); the entry is a JSONAttribute, so it must survive a JSON round trip.
        self.timeline[(corp_id, subject, create_time, event_id)] = {
            "corp_id": corp_id,
            "create_time": create_time,
            "event": str(entry.get("event", "")),
            "change_type": str(entry.get("change_type", "")) or None,
            "entry": json.loads(json.dumps(entry)),
        }

    # tags -------------------------------------------------------------------------------------
    def save_tag_groups(self, corp_id: str, groups: Sequence[TagGroup], synced_at_ms: int) -> None:
        self._call("save_tag_groups", corp_id, tuple(groups), synced_at_ms)
        for g in groups:
            item = self.tags.get((corp_id, f"group#{g.group_id}"), {})
            if _newer(item, "synced_at_ms", synced_at_ms):
                item.update(
                    corp_id=corp_id,
                    kind="group",
                    id=g.group_id,
                    name=g.name,
                    order=g.order,
                    create_time=g.create_time,
                    strategy_id=g.strategy_id or None,
                    synced_at_ms=synced_at_ms,
                )
                self.tags[(corp_id, f"group#{g.group_id}")] = item
            for t in g.tags:
                titem = self.tags.get((corp_id, f"tag#{t.tag_id}"), {})
                if _newer(titem, "synced_at_ms", synced_at_ms):
                    titem.update(
                        corp_id=corp_id,
                        kind="tag",
                        id=t.tag_id,
                        group_id=g.group_id,
                        name=t.name,
                        order=t.order,
                        create_time=t.create_time,
                        synced_at_ms=synced_at_ms,
                    )
                    self.tags[(corp_id, f"tag#{t.tag_id}")] = titem

    def delete_tag(self, corp_id: str, tag_id: str, is_group: bool, version: int) -> bool:
        self._call("delete_tag", corp_id, tag_id, is_group, version)
        targets = [f"group#{tag_id}"] if is_group else [f"tag#{tag_id}"]
        if is_group:
            targets += [
                f"tag#{item['id']}"
                for (corp, _sk), item in list(self.tags.items())
                if corp == corp_id and item.get("group_id") == tag_id
            ]
        applied = False
        for sk in targets:
            item = self.tags.get((corp_id, sk), {})
            if not _not_older(item, "deleted_version", version):
                continue
            item.update(
                corp_id=corp_id,
                kind="group" if sk.startswith("group#") else "tag",
                id=sk.split("#", 1)[1],
                deleted=True,
                deleted_version=version,
            )
            self.tags[(corp_id, sk)] = item
            applied = True
        return applied

    # groups -----------------------------------------------------------------------------------
    def save_group(self, corp_id: str, group: GroupChat, synced_at_ms: int) -> None:
        self._call("save_group", corp_id, group, synced_at_ms)
        item = self.groups.get((corp_id, group.chat_id), {})
        if not _newer(item, "synced_at_ms", synced_at_ms):
            return  # a newer read already wrote the member list
        item.update(
            corp_id=corp_id,
            chat_id=group.chat_id,
            name=group.name or None,
            owner=group.owner or None,
            owner_pk=f"{corp_id}#{group.owner}" if group.owner else None,
            create_sk=f"{group.create_time:010d}#{group.chat_id}",
            create_time=group.create_time,
            notice=group.notice or None,
            member_version=group.member_version or None,
            member_count=len(group.members),
            admins=set(group.admins) or None,
            status=_if_not_exists(item, "status", GroupStatus.ACTIVE.value),
            status_version=_if_not_exists(item, "status_version", 0),
            synced_at_ms=synced_at_ms,
        )
        self.groups[(corp_id, group.chat_id)] = item
        current = {m.member_id for m in group.members}
        for m in group.members:
            mkey = (corp_id, group.chat_id, m.member_id)
            mitem = self.members.get(mkey, {})
            if not _newer(mitem, "synced_at_ms", synced_at_ms):
                continue
            mitem.update(
                corp_id=corp_id,
                chat_id=group.chat_id,
                member_id=m.member_id,
                type=m.type.value,
                status="member",
                join_time=m.join_time,
                join_scene=m.join_scene,
                invitor=m.invitor or None,
                group_nickname=m.group_nickname or None,
                name=m.name or None,
                synced_at_ms=synced_at_ms,
            )
            mitem.pop("left_seen_ms", None)
            self.members[mkey] = mitem
        for (corp, chat, member_id), old in list(self.members.items()):
            if corp != corp_id or chat != group.chat_id or old.get("status") != "member":
                continue
            if member_id not in current and _newer(old, "synced_at_ms", synced_at_ms):
                old.update(status="left", left_seen_ms=synced_at_ms, synced_at_ms=synced_at_ms)

    def set_group_status(self, corp_id: str, chat_id: str, status: GroupStatus, version: int) -> bool:
        self._call("set_group_status", corp_id, chat_id, status, version)
        item = self.groups.get((corp_id, chat_id), {})
        if not _not_older(item, "status_version", version):
            return False
        item.update(corp_id=corp_id, chat_id=chat_id, status=status.value, status_version=version)
        self.groups[(corp_id, chat_id)] = item
        return True

    # employees --------------------------------------------------------------------------------
    def save_employee(self, corp_id: str, employee: Employee, synced_at_ms: int) -> None:
        self._call("save_employee", corp_id, employee, synced_at_ms)
        item = self.employees.get((corp_id, employee.userid), {})
        if not _newer(item, "synced_at_ms", synced_at_ms):
            return
        item.update(
            corp_id=corp_id,
            userid=employee.userid,
            name=employee.name or None,
            departments=list(employee.departments) or None,
            position=employee.position or None,
            wecom_status=employee.wecom_status,
            status=_if_not_exists(item, "status", EmployeeStatus.ACTIVE.value),
            status_version=_if_not_exists(item, "status_version", 0),
            synced_at_ms=synced_at_ms,
        )
        self.employees[(corp_id, employee.userid)] = item

    def set_employee_status(
        self, corp_id: str, userid: str, status: EmployeeStatus, version: int, renamed_to: str = ""
    ) -> bool:
        self._call("set_employee_status", corp_id, userid, status, version, renamed_to)
        item = self.employees.get((corp_id, userid), {})
        if not _not_older(item, "status_version", version):
            return False
        item.update(corp_id=corp_id, userid=userid, status=status.value, status_version=version)
        if renamed_to:
            item["renamed_to"] = renamed_to
        else:
            item.pop("renamed_to", None)
        self.employees[(corp_id, userid)] = item
        return True

    # reads for assertions ---------------------------------------------------------------------
    def follow(self, corp_id: str, external_userid: str, userid: str) -> Item | None:
        return self.follows.get((corp_id, external_userid, userid))

    def customer(self, corp_id: str, external_userid: str) -> Item | None:
        return self.customers.get((corp_id, external_userid))

    def group(self, corp_id: str, chat_id: str) -> Item | None:
        return self.groups.get((corp_id, chat_id))

    def member(self, corp_id: str, chat_id: str, member_id: str) -> Item | None:
        return self.members.get((corp_id, chat_id, member_id))

    def tag(self, corp_id: str, tag_id: str) -> Item | None:
        return self.tags.get((corp_id, f"tag#{tag_id}"))

    def tag_group(self, corp_id: str, group_id: str) -> Item | None:
        return self.tags.get((corp_id, f"group#{group_id}"))

    def employee(self, corp_id: str, userid: str) -> Item | None:
        return self.employees.get((corp_id, userid))

    def timeline_of(self, corp_id: str, subject: str) -> list[Item]:
        """Oldest first, as a query on pk = corp#subject, sk = create_time#event_id would return them."""
        keys = sorted(k for k in self.timeline if k[0] == corp_id and k[1] == subject)
        return [{"event_id": k[3], **self.timeline[k]} for k in keys]

    def subjects(self, corp_id: str) -> set[str]:
        return {k[1] for k in self.timeline if k[0] == corp_id}


@dataclass
class FakeWeCom:
    """WeCom's reads for one corp. Mutate the dicts (or use the helpers) to change what WeCom says."""

    corp_id: str
    customers: dict[str, tuple[CustomerProfile, list[FollowInfo]]] = field(default_factory=dict)
    tag_groups: dict[str, TagGroup] = field(default_factory=dict)
    group_chats: dict[str, GroupChat] = field(default_factory=dict)
    users: dict[str, Employee] = field(default_factory=dict)
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    # setup ------------------------------------------------------------------------------------
    def add_customer(self, profile: CustomerProfile, *follows: FollowInfo) -> None:
        self.customers[profile.external_userid] = (profile, list(follows))

    def add_tag_group(self, group: TagGroup) -> None:
        self.tag_groups[group.group_id] = group

    def add_group_chat(self, chat: GroupChat) -> None:
        self.group_chats[chat.chat_id] = chat

    def add_user(self, employee: Employee) -> None:
        self.users[employee.userid] = employee

    def calls_to(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in self.calls if n == name]

    # the WeCom port ---------------------------------------------------------------------------
    def get_customer(self, external_userid: str) -> tuple[CustomerProfile, list[FollowInfo]] | None:
        self.calls.append(("get_customer", (external_userid,)))
        found = self.customers.get(external_userid)
        return None if found is None else (found[0], list(found[1]))

    def get_tag_groups(self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()) -> list[TagGroup]:
        """get_corp_tag_list: no filter gives all; group_id wins over tag_id; tag_id keeps only those tags."""
        self.calls.append(("get_tag_groups", (tuple(tag_ids), tuple(group_ids))))
        if group_ids:
            return [self.tag_groups[g] for g in group_ids if g in self.tag_groups]
        if tag_ids:
            wanted = set(tag_ids)
            out = []
            for g in self.tag_groups.values():
                tags = tuple(t for t in g.tags if t.tag_id in wanted)
                if tags:
                    out.append(
                        TagGroup(
                            g.group_id, g.name, g.order, g.create_time, tags=tags, strategy_id=g.strategy_id
                        )
                    )
            return out
        return list(self.tag_groups.values())

    def get_group_chat(self, chat_id: str) -> GroupChat | None:
        self.calls.append(("get_group_chat", (chat_id,)))
        return self.group_chats.get(chat_id)

    def get_user(self, userid: str) -> Employee | None:
        self.calls.append(("get_user", (userid,)))
        return self.users.get(userid)


class FakeDirectory:
    """``WeComDirectory``: one ``FakeWeCom`` per corp, created on first use."""

    def __init__(self) -> None:
        self.corps: dict[str, FakeWeCom] = {}
        self.calls: list[str] = []

    def corp(self, corp_id: str) -> FakeWeCom:
        return self.corps.setdefault(corp_id, FakeWeCom(corp_id))

    def for_corp(self, corp_id: str) -> FakeWeCom:
        self.calls.append(corp_id)
        return self.corp(corp_id)


class StepClock:
    """A clock that moves one whole second per read, so each refresh is strictly newer than the last."""

    def __init__(self, start: float = 1_800_000_000.0, step: float = 1.0) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> float:
        now = self.now
        self.now += self.step
        return now


def event_fields(
    corp_id: str, event: str, change_type: str | None, create_time: int, **extra: Any
) -> dict[str, Any]:
    """A flat field dict as ``parse_xml`` gives it (all text)."""
    fields: dict[str, Any] = {
        "ToUserName": corp_id,
        "FromUserName": "sys",
        "CreateTime": str(create_time),
        "MsgType": "event",
        "Event": event,
    }
    if change_type is not None:
        fields["ChangeType"] = change_type
    fields.update({k: v if isinstance(v, list | dict) else str(v) for k, v in extra.items()})
    return fields
