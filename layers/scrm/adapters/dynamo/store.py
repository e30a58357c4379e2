"""The Store port on DynamoDB through pynamodb: every write conditional, so retries and reorders are safe."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import DeleteError, PutError
from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import condition_failed as _conditional_failed
from scrm.adapters.dynamo.conditional import transact_if
from scrm.adapters.dynamo.conditional import update_if as _update
from scrm.adapters.dynamo.models import (
    CustomerItem,
    EmployeeItem,
    FollowItem,
    GroupItem,
    GroupMemberItem,
    TagItem,
    TagMemberItem,
    TimelineItem,
)
from scrm.domain.customer import CustomerProfile, FollowInfo
from scrm.domain.employee import Employee, EmployeeStatus
from scrm.domain.follow import FollowStatus
from scrm.domain.group import GroupChat, GroupStatus
from scrm.domain.tags import TagGroup
from scrm.domain.versions import timeline_order


def _tag_maps(info: FollowInfo) -> list[dict[str, Any]]:
    return [
        {"tag_id": t.tag_id, "tag_name": t.tag_name, "group_name": t.group_name, "type": t.type} for t in info.tags
    ]


def _setv(attr: Any, value: Any) -> Any:
    """Set, or remove when empty: never store NULL (a NULL in an index key is rejected, and a NULL
    ``state`` would defeat the if_not_exists that lets an event fill it in)."""
    if value is None or value == "" or value == [] or value == set():
        return attr.remove()
    return attr.set(value)


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
                _setv(C.name, profile.name),
                C.type.set(profile.type),
                C.gender.set(profile.gender),
                _setv(C.avatar, profile.avatar),
                _setv(C.unionid, profile.unionid),
                _setv(C.corp_name, profile.corp_name),
                _setv(C.position, profile.position),
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
    def sync_follow(
        self, corp_id: str, external_userid: str, info: FollowInfo, synced_at_ms: int, name: str = ""
    ) -> bool:
        """Write the relation, then its tag memberships (see TagMemberItem for why the order and the
        versions make a missing member impossible). False when a newer read already wrote it."""
        F = FollowItem
        item = F(f"{corp_id}#{external_userid}", info.userid)
        old_tags = self._tag_ids(item)
        tags = _tag_maps(info)
        actions = [
            F.corp_id.set(corp_id),
            F.external_userid.set(external_userid),
            F.userid.set(info.userid),
            F.employee_pk.set(f"{corp_id}#{info.userid}"),
            F.add_sk.set(f"{info.add_time:010d}#{external_userid}"),
            _setv(F.remark, info.remark),
            _setv(F.description, info.description),
            F.add_time.set(info.add_time),
            F.add_way.set(info.add_way),
            _setv(F.state, info.state),
            _setv(F.state_pk, f"{corp_id}#{info.state}" if info.state else None),
            _setv(F.oper_userid, info.oper_userid),
            _setv(F.remark_corp_name, info.remark_corp_name),
            _setv(F.remark_mobiles, list(info.remark_mobiles)),
            F.tags.set(tags),
            _setv(F.tag_ids, {t.tag_id for t in info.tags}),
            F.synced_at_ms.set(synced_at_ms),
            # A relation first seen through a refresh is active until an event says otherwise.
            F.status.set(F.status | FollowStatus.ACTIVE.value),
            F.status_version.set(F.status_version | 0),
        ]
        if name:
            actions += [F.name.set(name), F.name_sk.set(f"{name}#{external_userid}#{info.userid}")]
        new_tags = {t.tag_id for t in info.tags}
        relation = f"{external_userid}#{info.userid}"
        # Members first: a crash between the two writes leaves a stale member, never a missing one.
        for tag_id in new_tags - old_tags:
            self._put_member(corp_id, tag_id, relation, synced_at_ms)
        if not _update(item, actions, _newer(F.synced_at_ms, synced_at_ms)):
            return False
        for tag_id in new_tags & old_tags:
            self._put_member(corp_id, tag_id, relation, synced_at_ms)  # moves the version forward
        for tag_id in old_tags - new_tags:
            self._drop_member(corp_id, tag_id, relation, synced_at_ms)
        return True

    @staticmethod
    def _tag_ids(item: FollowItem) -> set[str]:
        try:
            found = FollowItem.get(item.pk, item.sk, consistent_read=True, attributes_to_get=["tag_ids"])
        except FollowItem.DoesNotExist:
            return set()
        return set(found.tag_ids or ())

    @staticmethod
    def _put_member(corp_id: str, tag_id: str, relation: str, version: int) -> None:
        M = TagMemberItem
        try:
            M(f"{corp_id}#{tag_id}", relation, version=version).save(
                condition=M.pk.does_not_exist() | (M.version <= version)
            )
        except PutError as exc:
            if not _conditional_failed(exc):
                raise

    @staticmethod
    def _drop_member(corp_id: str, tag_id: str, relation: str, version: int) -> None:
        M = TagMemberItem
        try:
            M(f"{corp_id}#{tag_id}", relation).delete(condition=M.version < version)
        except DeleteError as exc:
            if not _conditional_failed(exc):
                raise

    def sync_page(
        self, corp_id: str, rows: Sequence[tuple[CustomerProfile, FollowInfo]], synced_at_ms: int
    ) -> int:
        """A page of batch/get_by_user at once: two BatchGets find what we hold; what is new is written with
        conditional puts (members in BatchWrites first), what exists takes the versioned update path. Same
        result as save_customer + sync_follow per row, at a fraction of the calls. Returns rows written."""
        F, C = FollowItem, CustomerItem
        held = {
            (i.pk, i.sk)
            for i in F.batch_get(
                list({(f"{corp_id}#{p.external_userid}", f.userid) for p, f in rows}), attributes_to_get=["pk", "sk"]
            )
        }
        profiles = {p.external_userid: p for p, _ in rows}
        known = {i.pk for i in C.batch_get([f"{corp_id}#{e}" for e in profiles], attributes_to_get=["pk"])}
        new_customers = [self._customer_item(corp_id, p, synced_at_ms) for e, p in profiles.items()
                         if f"{corp_id}#{e}" not in known]  # fmt: skip
        created = self._put_all_new(new_customers)
        for ext, profile in profiles.items():
            if f"{corp_id}#{ext}" not in created:
                self.save_customer(corp_id, profile, synced_at_ms)
        fresh = [(p, f) for p, f in rows if (f"{corp_id}#{p.external_userid}", f.userid) not in held]
        with TagMemberItem.batch_write() as batch:
            for p, f in fresh:
                for tag in {t.tag_id for t in f.tags}:
                    batch.save(TagMemberItem(f"{corp_id}#{tag}", f"{p.external_userid}#{f.userid}", version=synced_at_ms))
        created = self._put_all_new([self._follow_item(corp_id, p, f, synced_at_ms) for p, f in fresh])
        written = len(created)
        for p, f in rows:
            if f"{corp_id}#{p.external_userid}|{f.userid}" not in created:
                written += self.sync_follow(corp_id, p.external_userid, f, synced_at_ms, name=p.name)
        return written

    def _put_all_new(self, items: Sequence[Any]) -> set[str]:
        """Create absent items, 100 per transaction (all or none of a chunk). Returns the keys created as
        "pk" or "pk|sk"; an item missing from the result is written by the caller's versioned path (someone
        created it meanwhile, so the whole chunk fell back)."""
        done: set[str] = set()
        for start in range(0, len(items), 100):
            chunk = items[start : start + 100]

            def build(tx: TransactWrite, chunk: Sequence[Any] = chunk) -> None:
                for item in chunk:
                    tx.save(item, condition=type(item).pk.does_not_exist())

            if not transact_if(build):
                continue
            done |= {f"{i.pk}|{i.sk}" if getattr(i, "sk", None) else i.pk for i in chunk}
        return done

    @staticmethod
    def _customer_item(corp_id: str, p: CustomerProfile, synced_at_ms: int) -> CustomerItem:
        return CustomerItem(
            f"{corp_id}#{p.external_userid}",
            corp_id=corp_id,
            external_userid=p.external_userid,
            name=p.name or None,
            type=p.type,
            gender=p.gender,
            avatar=p.avatar or None,
            unionid=p.unionid or None,
            corp_name=p.corp_name or None,
            position=p.position or None,
            synced_at_ms=synced_at_ms,
        )

    @staticmethod
    def _follow_item(corp_id: str, p: CustomerProfile, info: FollowInfo, synced_at_ms: int) -> FollowItem:
        ext = p.external_userid
        return FollowItem(
            f"{corp_id}#{ext}",
            info.userid,
            corp_id=corp_id,
            external_userid=ext,
            userid=info.userid,
            employee_pk=f"{corp_id}#{info.userid}",
            add_sk=f"{info.add_time:010d}#{ext}",
            state_pk=f"{corp_id}#{info.state}" if info.state else None,
            name=p.name or None,
            name_sk=f"{p.name}#{ext}#{info.userid}" if p.name else None,
            status=FollowStatus.ACTIVE.value,
            status_version=0,
            remark=info.remark or None,
            description=info.description or None,
            add_time=info.add_time,
            add_way=info.add_way,
            state=info.state or None,
            oper_userid=info.oper_userid or None,
            remark_corp_name=info.remark_corp_name or None,
            remark_mobiles=list(info.remark_mobiles) or None,
            tags=_tag_maps(info),
            tag_ids={t.tag_id for t in info.tags} or None,
            synced_at_ms=synced_at_ms,
        )

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
        # Few actions on purpose: this write runs for every relation event (ids are derivable from keys;
        # sync_follow fills them in).
        actions = [
            F.corp_id.set(corp_id),
            F.employee_pk.set(f"{corp_id}#{userid}"),
            F.add_sk.set(F.add_sk | f"{create_time:010d}#{external_userid}"),
            F.status.set(status.value),
            F.status_version.set(version),
            F.status_at.set(create_time),
        ]
        arrival = []
        if "half_added" in extra:
            arrival += [F.half_added.set(bool(extra["half_added"])), F.arrival_version.set(version)]
        if extra.get("state"):
            arrival.append(F.state.set(F.state | extra["state"]))
            arrival.append(F.state_pk.set(F.state_pk | f"{corp_id}#{extra['state']}"))
        if _update(item, actions + arrival, _not_older(F.status_version, version)):
            return True
        if arrival:
            # An add that arrives after a newer event (a delete delivered first): its status is stale, but
            # what only an add says — half or full, the channel state — is still the relation's, unless a
            # newer add already said it. In order, the add would have written it before the delete.
            _update(item, arrival, _not_older(F.arrival_version, version))
        return False

    def stale_relations(
        self, corp_id: str, userids: Sequence[str], before_ms: int, cursor: str, limit: int
    ) -> tuple[list[tuple[str, str]], str]:
        """Active relations of these employees not refreshed since ``before_ms`` and not set by an event
        since then: what a full sync that started at ``before_ms`` did not find in WeCom. Reads the
        by_employee index, at most ``limit`` items per call; the cursor is (employee index, position)."""
        F = FollowItem
        at = json.loads(cursor) if cursor else {"i": 0, "k": None}
        index, start = int(at["i"]), at.get("k")
        stale: list[tuple[str, str]] = []
        while index < len(userids):
            rows = F.by_employee.query(
                f"{corp_id}#{userids[index]}",
                filter_condition=(F.status == FollowStatus.ACTIVE.value)
                & (F.synced_at_ms.does_not_exist() | (F.synced_at_ms < before_ms))
                & (F.status_at.does_not_exist() | (F.status_at < before_ms // 1000)),
                last_evaluated_key=start,
                page_size=1000,
            )
            for item in rows:
                stale.append((item.pk.split("#", 1)[1], item.sk))
                if len(stale) >= limit:
                    return stale, json.dumps({"i": index, "k": rows.last_evaluated_key})
            index, start = index + 1, None
        return stale, ""

    # timeline ---------------------------------------------------------------------------------
    def add_timeline(
        self, corp_id: str, subject: str, create_time: int, event_id: str, entry: dict[str, Any]
    ) -> None:
        """Keyed by event, so a redelivery lands on the same item. The first write is a conditional put;
        a repeat only counts itself in ``applied`` (1 when exactly-once held: the benchmark reads it).
        ``applied_at_ms`` gives the callback→stored lag."""
        T = TimelineItem
        item = T(
            f"{corp_id}#{subject}",
            f"{timeline_order(create_time, str(entry.get('change_type', '')))}#{event_id}",
            corp_id=corp_id,
            create_time=create_time,
            event=str(entry.get("event", "")) or "-",
            change_type=str(entry.get("change_type", "")) or None,
            entry=entry,
            applied=1,
            applied_at_ms=int(time.time() * 1000),
        )
        try:
            item.save(condition=T.pk.does_not_exist())
        except PutError as exc:
            if not _conditional_failed(exc):
                raise
            T(item.pk, item.sk).update(actions=[T.applied.add(1)])

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
                    _setv(T.strategy_id, g.strategy_id),
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

    def held_tag_ids(self, corp_id: str) -> set[str]:
        """Tags and groups we hold as live (the sync deletes those WeCom no longer lists)."""
        T = TagItem
        return {
            i.id
            for i in T.query(corp_id, filter_condition=T.deleted.does_not_exist(), attributes_to_get=["id"])
        }

    def delete_tag(self, corp_id: str, tag_id: str, is_group: bool, version: int) -> bool:
        T = TagItem
        targets = [f"group#{tag_id}"] if is_group else [f"tag#{tag_id}"]
        if is_group:
            targets += [
                f"tag#{t.id}"
                for t in T.query(corp_id, filter_condition=T.group_id == tag_id, attributes_to_get=["id"])
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
        if not fresh:
            return  # a newer read already wrote the member list
        current = {m.member_id for m in group.members}
        held = {old.sk: old for old in M.query(pk, consistent_read=True)}
        created = self._put_all_new([
            M(pk, m.member_id, corp_id=corp_id, chat_id=group.chat_id, member_id=m.member_id, type=m.type.value,
              status="member", join_time=m.join_time, join_scene=m.join_scene, invitor=m.invitor or None,
              group_nickname=m.group_nickname or None, name=m.name or None, synced_at_ms=synced_at_ms)
            for m in group.members if m.member_id not in held
        ])  # fmt: skip
        for m in group.members:
            if f"{pk}|{m.member_id}" in created:
                continue
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
                    _setv(M.invitor, m.invitor),
                    _setv(M.group_nickname, m.group_nickname),
                    _setv(M.name, m.name),
                    M.left_seen_ms.remove(),
                    M.synced_at_ms.set(synced_at_ms),
                ],
                _newer(M.synced_at_ms, synced_at_ms),
            )
        for old in held.values():
            if old.status == "member" and old.member_id not in current:
                _update(
                    old,
                    [
                        M.status.set("left"),
                        M.left_seen_ms.set(synced_at_ms),
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

    # employees --------------------------------------------------------------------------------
    def save_employee(self, corp_id: str, employee: Employee, synced_at_ms: int) -> None:
        E = EmployeeItem
        _update(
            E(corp_id, employee.userid),
            [
                E.corp_id.set(corp_id),
                E.userid.set(employee.userid),
                _setv(E.name, employee.name),
                _setv(E.departments, list(employee.departments)),
                _setv(E.position, employee.position),
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


__all__ = ["DynamoStore"]
