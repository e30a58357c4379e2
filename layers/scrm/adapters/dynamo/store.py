"""The Store port on DynamoDB through pynamodb: every write conditional, so retries and reorders are safe."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from scrm.adapters.dynamo.models import (
    CustomerItem,
    EmployeeItem,
    FollowItem,
    GroupItem,
    GroupMemberItem,
    TagItem,
    TimelineItem,
)
from scrm.domain.customer import CustomerProfile, FollowInfo
from scrm.domain.employee import Employee, EmployeeStatus
from scrm.domain.follow import FollowStatus
from scrm.domain.group import GroupChat, GroupStatus
from scrm.domain.tags import TagGroup


def _conditional_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def _update(item: Any, actions: list[Any], condition: Any) -> bool:
    """Apply if the condition holds; False (not an error) when a newer write got there first."""
    try:
        item.update(actions=actions, condition=condition)
        return True
    except UpdateError as exc:
        if _conditional_failed(exc):
            return False
        raise


def _newer(attr: Any, value: int) -> Any:
    return attr.does_not_exist() | (attr < value)


def _not_older(attr: Any, value: int) -> Any:
    return attr.does_not_exist() | (attr <= value)


class DynamoStore:
    # customers --------------------------------------------------------------------------------
    def save_customer(self, corp_id: str, profile: CustomerProfile, synced_at_ms: int) -> None:
        C = CustomerItem
        item = C(f"{corp_id}#{profile.external_userid}")
        _update(
            item,
            [
                C.corp_id.set(corp_id),
                C.external_userid.set(profile.external_userid),
                C.name.set(profile.name or None),
                C.type.set(profile.type),
                C.gender.set(profile.gender),
                C.avatar.set(profile.avatar or None),
                C.unionid.set(profile.unionid or None),
                C.corp_name.set(profile.corp_name or None),
                C.position.set(profile.position or None),
                C.synced_at_ms.set(synced_at_ms),
            ],
            _newer(C.synced_at_ms, synced_at_ms),
        )

    def note_transfer_fail(
        self, corp_id: str, external_userid: str, takeover_userid: str, reason: str, create_time: int
    ) -> None:
        C = CustomerItem
        item = C(f"{corp_id}#{external_userid}")
        note = {"takeover_userid": takeover_userid, "reason": reason, "create_time": create_time}
        _update(
            item,
            [C.corp_id.set(corp_id), C.external_userid.set(external_userid), C.last_transfer_fail.set(note)],
            C.last_transfer_fail.does_not_exist() | (C.last_transfer_fail["create_time"] <= create_time),
        )

    # follow relations -------------------------------------------------------------------------
    def sync_follow(self, corp_id: str, external_userid: str, info: FollowInfo, synced_at_ms: int) -> None:
        F = FollowItem
        item = F(f"{corp_id}#{external_userid}", info.userid)
        tags = [
            {"tag_id": t.tag_id, "tag_name": t.tag_name, "group_name": t.group_name, "type": t.type}
            for t in info.tags
        ]
        actions = [
            F.corp_id.set(corp_id),
            F.external_userid.set(external_userid),
            F.userid.set(info.userid),
            F.employee_pk.set(f"{corp_id}#{info.userid}"),
            F.add_sk.set(f"{info.add_time:010d}#{external_userid}"),
            F.remark.set(info.remark or None),
            F.description.set(info.description or None),
            F.add_time.set(info.add_time),
            F.add_way.set(info.add_way),
            F.state.set(info.state or None),
            F.oper_userid.set(info.oper_userid or None),
            F.remark_corp_name.set(info.remark_corp_name or None),
            F.remark_mobiles.set(list(info.remark_mobiles) or None),
            F.tags.set(tags),
            F.tag_ids.set({t.tag_id for t in info.tags} or None),
            F.synced_at_ms.set(synced_at_ms),
            # A relation first seen through a refresh is active until an event says otherwise.
            F.status.set(F.status | FollowStatus.ACTIVE.value),
            F.status_version.set(F.status_version | 0),
        ]
        _update(item, actions, _newer(F.synced_at_ms, synced_at_ms))

    def set_follow_status(
        self,
        corp_id: str,
        external_userid: str,
        userid: str,
        status: FollowStatus,
        version: int,
        extra: dict[str, Any],
    ) -> bool:
        F = FollowItem
        item = F(f"{corp_id}#{external_userid}", userid)
        create_time = version // 10
        actions = [
            F.corp_id.set(corp_id),
            F.external_userid.set(external_userid),
            F.userid.set(userid),
            F.employee_pk.set(f"{corp_id}#{userid}"),
            F.add_sk.set(F.add_sk | f"{create_time:010d}#{external_userid}"),
            F.status.set(status.value),
            F.status_version.set(version),
            F.status_at.set(create_time),
        ]
        if "half_added" in extra:
            actions.append(F.half_added.set(bool(extra["half_added"])))
        if extra.get("state"):
            actions.append(F.state.set(F.state | extra["state"]))
        return _update(item, actions, _not_older(F.status_version, version))

    # timeline ---------------------------------------------------------------------------------
    def add_timeline(
        self, corp_id: str, subject: str, create_time: int, event_id: str, entry: dict[str, Any]
    ) -> None:
        """Keyed by event, so a redelivery lands on the same item; ``applied`` counts how many times the
        effect ran (1 when exactly-once held; the benchmark reads it) and ``applied_at_ms`` gives the lag."""
        T = TimelineItem
        T(f"{corp_id}#{subject}", f"{create_time:010d}#{event_id}").update(
            actions=[
                T.corp_id.set(corp_id),
                T.create_time.set(create_time),
                T.event.set(str(entry.get("event", "")) or "-"),
                T.change_type.set(str(entry.get("change_type", "")) or None),
                T.entry.set(entry),
                T.applied.add(1),
                T.applied_at_ms.set(int(time.time() * 1000)),
            ]
        )

    # tags -------------------------------------------------------------------------------------
    def save_tag_groups(self, corp_id: str, groups: Sequence[TagGroup], synced_at_ms: int) -> None:
        T = TagItem
        for g in groups:
            _update(
                T(corp_id, f"group#{g.group_id}"),
                [
                    T.corp_id.set(corp_id),
                    T.kind.set("group"),
                    T.id.set(g.group_id),
                    T.name.set(g.name),
                    T.order.set(g.order),
                    T.create_time.set(g.create_time),
                    T.strategy_id.set(g.strategy_id or None),
                    T.synced_at_ms.set(synced_at_ms),
                ],
                _newer(T.synced_at_ms, synced_at_ms),
            )
            for t in g.tags:
                _update(
                    T(corp_id, f"tag#{t.tag_id}"),
                    [
                        T.corp_id.set(corp_id),
                        T.kind.set("tag"),
                        T.id.set(t.tag_id),
                        T.group_id.set(g.group_id),
                        T.name.set(t.name),
                        T.order.set(t.order),
                        T.create_time.set(t.create_time),
                        T.synced_at_ms.set(synced_at_ms),
                    ],
                    _newer(T.synced_at_ms, synced_at_ms),
                )

    def delete_tag(self, corp_id: str, tag_id: str, is_group: bool, version: int) -> bool:
        T = TagItem
        targets = [f"group#{tag_id}"] if is_group else [f"tag#{tag_id}"]
        if is_group:
            targets += [
                f"tag#{t.id}" for t in T.query(corp_id, filter_condition=T.group_id == tag_id, attributes_to_get=["id"])
            ]
        applied = False
        for sk in targets:
            applied |= _update(
                T(corp_id, sk),
                [
                    T.corp_id.set(corp_id),
                    T.kind.set("group" if sk.startswith("group#") else "tag"),
                    T.id.set(sk.split("#", 1)[1]),
                    T.deleted.set(True),
                    T.deleted_version.set(version),
                ],
                _not_older(T.deleted_version, version),
            )
        return applied

    # groups -----------------------------------------------------------------------------------
    def save_group(self, corp_id: str, group: GroupChat, synced_at_ms: int) -> None:
        G, M = GroupItem, GroupMemberItem
        pk = f"{corp_id}#{group.chat_id}"
        fresh = _update(
            G(pk),
            [
                G.corp_id.set(corp_id),
                G.chat_id.set(group.chat_id),
                G.name.set(group.name or None),
                G.owner.set(group.owner or None),
                G.owner_pk.set(f"{corp_id}#{group.owner}" if group.owner else None),
                G.create_sk.set(f"{group.create_time:010d}#{group.chat_id}"),
                G.create_time.set(group.create_time),
                G.notice.set(group.notice or None),
                G.member_version.set(group.member_version or None),
                G.member_count.set(len(group.members)),
                G.admins.set(set(group.admins) or None),
                G.status.set(G.status | GroupStatus.ACTIVE.value),
                G.status_version.set(G.status_version | 0),
                G.synced_at_ms.set(synced_at_ms),
            ],
            _newer(G.synced_at_ms, synced_at_ms),
        )
        if not fresh:
            return  # a newer read already wrote the member list
        current = {m.member_id for m in group.members}
        for m in group.members:
            _update(
                M(pk, m.member_id),
                [
                    M.corp_id.set(corp_id),
                    M.chat_id.set(group.chat_id),
                    M.member_id.set(m.member_id),
                    M.type.set(m.type.value),
                    M.status.set("member"),
                    M.join_time.set(m.join_time),
                    M.join_scene.set(m.join_scene),
                    M.invitor.set(m.invitor or None),
                    M.group_nickname.set(m.group_nickname or None),
                    M.name.set(m.name or None),
                    M.left_seen_ms.remove(),
                    M.synced_at_ms.set(synced_at_ms),
                ],
                _newer(M.synced_at_ms, synced_at_ms),
            )
        for old in M.query(pk, filter_condition=M.status == "member"):
            if old.member_id not in current:
                _update(
                    old,
                    [M.status.set("left"), M.left_seen_ms.set(synced_at_ms), M.synced_at_ms.set(synced_at_ms)],
                    _newer(M.synced_at_ms, synced_at_ms),
                )

    def set_group_status(self, corp_id: str, chat_id: str, status: GroupStatus, version: int) -> bool:
        G = GroupItem
        return _update(
            G(f"{corp_id}#{chat_id}"),
            [
                G.corp_id.set(corp_id),
                G.chat_id.set(chat_id),
                G.status.set(status.value),
                G.status_version.set(version),
            ],
            _not_older(G.status_version, version),
        )

    # employees --------------------------------------------------------------------------------
    def save_employee(self, corp_id: str, employee: Employee, synced_at_ms: int) -> None:
        E = EmployeeItem
        _update(
            E(corp_id, employee.userid),
            [
                E.corp_id.set(corp_id),
                E.userid.set(employee.userid),
                E.name.set(employee.name or None),
                E.departments.set(list(employee.departments) or None),
                E.position.set(employee.position or None),
                E.wecom_status.set(employee.wecom_status),
                E.status.set(E.status | EmployeeStatus.ACTIVE.value),
                E.status_version.set(E.status_version | 0),
                E.synced_at_ms.set(synced_at_ms),
            ],
            _newer(E.synced_at_ms, synced_at_ms),
        )

    def set_employee_status(
        self, corp_id: str, userid: str, status: EmployeeStatus, version: int, renamed_to: str = ""
    ) -> bool:
        E = EmployeeItem
        actions = [
            E.corp_id.set(corp_id),
            E.userid.set(userid),
            E.status.set(status.value),
            E.status_version.set(version),
        ]
        actions.append(E.renamed_to.set(renamed_to) if renamed_to else E.renamed_to.remove())
        return _update(E(corp_id, userid), actions, _not_older(E.status_version, version))


__all__ = ["DynamoStore", "PutError"]
