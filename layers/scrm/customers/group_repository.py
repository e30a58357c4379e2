"""Group chats and their members, on DynamoDB."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scrm.adapters.dynamo.conditional import update_if as _update
from scrm.adapters.dynamo.models import EmployeeItem, GroupItem, GroupMemberItem
from scrm.customers.base_repository import BatchCreate, _newer, _not_older, _setv, _texts
from scrm.customers.group import GroupChat, GroupMember, GroupStatus


class GroupStore(BatchCreate):
    # groups -----------------------------------------------------------------------------------
    def save_group(self, corp_id: str, group: GroupChat, synced_at_ms: int) -> None:
        if not self._save_group_item(corp_id, group, synced_at_ms):
            return  # a newer read already wrote the member list
        pk = f"{corp_id}#{group.chat_id}"
        M = GroupMemberItem
        current = {m.member_id for m in group.members}
        held = {old.sk: old for old in M.query(pk, consistent_read=True)}
        created = self._put_all_new([
            M(pk, m.member_id, corp_id=corp_id, chat_id=group.chat_id, member_id=m.member_id,
              member_pk=f"{corp_id}#{m.member_id}", type=m.type.value,
              status="member", join_time=m.join_time, join_scene=m.join_scene, synced_at_ms=synced_at_ms,
              **_texts(m, "invitor", "group_nickname", "name"))
            for m in group.members if m.member_id not in held
        ])  # fmt: skip
        for m in group.members:
            if f"{pk}|{m.member_id}" not in created:
                self._update_member(corp_id, group.chat_id, m, synced_at_ms)
        for old in held.values():
            if old.status == "member" and old.member_id not in current:
                _update(
                    old,
                    [
                        M.status.set("left"),
                        M.member_pk.remove(),
                        M.left_seen_ms.set(synced_at_ms),
                        M.synced_at_ms.set(synced_at_ms),
                    ],
                    _newer(M.synced_at_ms, synced_at_ms),
                )

    @staticmethod
    def _save_group_item(corp_id: str, group: GroupChat, synced_at_ms: int) -> bool:
        """The group's own attributes; False when a newer read already wrote them."""
        G = GroupItem
        return _update(
            G(f"{corp_id}#{group.chat_id}"),
            [
                G.corp_id.set(corp_id),
                G.chat_id.set(group.chat_id),
                _setv(G.name, group.name),
                _setv(G.owner, group.owner),
                _setv(G.owner_pk, f"{corp_id}#{group.owner}" if group.owner else None),
                G.create_sk.set(f"{group.create_time:010d}#{group.chat_id}"),
                G.create_time.set(group.create_time),
                _setv(G.notice, group.notice),
                _setv(G.member_version, group.member_version),
                G.member_count.set(len(group.members)),
                _setv(G.admins, set(group.admins)),
                G.status.set(G.status | GroupStatus.ACTIVE.value),
                G.status_version.set(G.status_version | 0),
                G.synced_at_ms.set(synced_at_ms),
            ],
            _newer(G.synced_at_ms, synced_at_ms),
        )

    @staticmethod
    def _update_member(corp_id: str, chat_id: str, m: GroupMember, synced_at_ms: int) -> None:
        """A member we already hold (or that someone created meanwhile): the versioned update path."""
        M = GroupMemberItem
        _update(
            M(f"{corp_id}#{chat_id}", m.member_id),
            [
                M.corp_id.set(corp_id),
                M.chat_id.set(chat_id),
                M.member_id.set(m.member_id),
                M.member_pk.set(f"{corp_id}#{m.member_id}"),
                M.type.set(m.type.value),
                M.status.set("member"),
                M.join_time.set(m.join_time),
                M.join_scene.set(m.join_scene),
                _setv(M.invitor, m.invitor),
                _setv(M.group_nickname, m.group_nickname),
                _setv(M.name, m.name),
                M.left_seen_ms.remove(),
                M.synced_at_ms.set(synced_at_ms),
            ],
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

    def set_group_tags(self, corp_id: str, chat_id: str, tags: Sequence[str]) -> bool:
        """Replace the SCRM's own labels on a group (none: remove the attribute). Only this attribute is
        written, and only on a group we hold; False when there is none. save_group and set_group_status
        update their own attributes and so never touch the labels."""
        G = GroupItem
        return _update(G(f"{corp_id}#{chat_id}"), [_setv(G.tags, set(tags))], G.pk.exists())

    # the console's list -------------------------------------------------------------------------
    def groups_page(
        self, corp_id: str, after: tuple[str, str] | None, limit: int, owner: str = "", name: str = ""
    ) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
        """Groups by owner (the corp's employees in userid order, or only ``owner``), each owner's by
        creation: one Query of the by_owner index per owner, never a scan, stopping as soon as the page is
        full. ``name``: only groups whose name contains it (a filter: DynamoDB still reads the owner's other
        groups, so a search reads the corp's groups until the page is full). A group whose owner was never
        synced as an employee is not listed (group sends see the same)."""
        G = GroupItem
        only = G.name.contains(name) if name else None
        owners: Iterable[str]
        if owner:
            owners = [owner]
        else:
            start = EmployeeItem.sk >= after[0] if after else None
            owners = (str(i.sk) for i in EmployeeItem.query(corp_id, start, attributes_to_get=["pk", "sk"]))
        rows: list[tuple[tuple[str, str], dict[str, Any]]] = []
        for who in owners:
            newer = G.create_sk > after[1] if after and who == after[0] else None
            for i in G.by_owner.query(f"{corp_id}#{who}", newer, filter_condition=only, limit=limit + 1 - len(rows)):
                rows.append(((who, str(i.create_sk)), _group_row(i)))
            if len(rows) > limit:
                break
        more = len(rows) > limit
        rows = rows[:limit]
        return [r for _, r in rows], (rows[-1][0] if more and rows else None)

    def groups_of(self, corp_id: str, chat_ids: Sequence[str]) -> list[dict[str, Any]]:
        return _groups_of(corp_id, chat_ids)


def _groups_of(corp_id: str, chat_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The list rows of these groups (those stored), 100 keys a BatchGetItem, in the order asked."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(chat_ids), 100):
        for i in GroupItem.batch_get([f"{corp_id}#{c}" for c in chat_ids[start:start + 100]]):
            found[str(i.chat_id)] = _group_row(i)
    return [found[c] for c in chat_ids if c in found]


def _group_row(i: GroupItem) -> dict[str, Any]:
    """A list row: who and what, how many members, the SCRM's labels (sorted); no members, no keys."""
    return {
        "chat_id": i.chat_id,
        "name": i.name or "",
        "owner": i.owner or "",
        "member_count": int(i.member_count or 0),
        "create_time": int(i.create_time or 0),
        "status": i.status or "active",
        "tags": sorted(i.tags or ()),
    }
