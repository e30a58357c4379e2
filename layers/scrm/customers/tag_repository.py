"""The corp's tag library (groups and tags), on DynamoDB."""

from __future__ import annotations

from collections.abc import Sequence

from scrm.adapters.dynamo.conditional import update_if as _update
from scrm.adapters.dynamo.models import TagItem
from scrm.customers.base_repository import _newer, _not_older, _setv
from scrm.customers.tags import TagGroup


class TagStore:
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
