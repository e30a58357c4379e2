"""The corp's tag library (groups and tags), on DynamoDB."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.expressions.update import Action

from scrm.adapters.dynamo.conditional import update_if as _update
from scrm.adapters.dynamo.models import TagItem
from scrm.customers.base_repository import _newer, _not_older, _setv
from scrm.customers.tags import Tag, TagGroup


class TagStore:
    # tags -------------------------------------------------------------------------------------
    def save_tag_groups(self, corp_id: str, groups: Sequence[TagGroup], synced_at_ms: int) -> None:
        T = TagItem
        for g in groups:
            _save_synced(corp_id, "group", g, synced_at_ms, _setv(T.strategy_id, g.strategy_id))
            for t in g.tags:
                _save_synced(corp_id, "tag", t, synced_at_ms, T.group_id.set(g.group_id))

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
                    *_identity(corp_id, *sk.split("#", 1)),
                    T.deleted.set(True),
                    T.deleted_version.set(version),
                ],
                _not_older(T.deleted_version, version),
            )
        return applied


def _identity(corp_id: str, kind: str, item_id: str) -> list[Action]:
    """What names a library item: its corp, kind ("group" or "tag") and id (the sort key is ``kind#id``)."""
    T = TagItem
    return [T.corp_id.set(corp_id), T.kind.set(kind), T.id.set(item_id)]


def _save_synced(corp_id: str, kind: str, node: Tag | TagGroup, synced_at_ms: int, *more: Action) -> bool:
    """A group or tag as the sync read it, unless a later sync already wrote it."""
    T = TagItem
    item_id = node.group_id if isinstance(node, TagGroup) else node.tag_id
    return _update(
        T(corp_id, f"{kind}#{item_id}"),
        [
            *_identity(corp_id, kind, item_id),
            T.name.set(node.name),
            T.order.set(node.order),
            T.create_time.set(node.create_time),
            *more,
            T.synced_at_ms.set(synced_at_ms),
        ],
        _newer(T.synced_at_ms, synced_at_ms),
    )
