"""Fakes of the sidebar's ports (scrm.sidebar.portrait), checked against them by test_fakes.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrm.sidebar.portrait import Keys, Named


@dataclass
class FakePortraitReads:
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # ext → {"profile", "follows", "timeline"}
    tags: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)
    memberships: dict[str, list[str]] = field(default_factory=dict)  # member id → chat ids
    group_rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # chat id → the row by_keys gives
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def relations(self, corp_id: str, external_userid: str) -> list[dict[str, Any]]:
        self.calls.append("relations")
        return list((self.customers.get(external_userid) or {}).get("follows", []))

    def timeline(self, corp_id: str, external_userid: str, limit: int) -> list[dict[str, Any]]:
        self.calls.append("timeline")
        return list((self.customers.get(external_userid) or {}).get("timeline", []))[:limit]

    def group_ids_with(self, corp_id: str, member_id: str, limit: int) -> list[str]:
        self.calls.append("group_ids_with")
        return self.memberships.get(member_id, [])[:limit]

    def by_keys(self, corp_id: str, keys: Keys) -> Named:
        self.calls.append("by_keys")
        return Named(
            profile=(self.customers.get(keys.profile) or {}).get("profile") if keys.profile else None,
            tags={t: self.tags[t] for t in keys.tag_ids if t in self.tags},
            codes={s: self.codes[s] for s in keys.states if s in self.codes},
            members={u: self.members[u] for u in keys.userids if u in self.members},
            groups=[self.group_rows[c] for c in keys.chat_ids if c in self.group_rows],
        )

    def member_names(self, corp_id: str, userids: Sequence[str]) -> dict[str, str]:
        self.calls.append("member_names")
        return {u: self.members[u] for u in userids if u in self.members}

    def group(self, corp_id: str, chat_id: str) -> dict[str, Any] | None:
        self.calls.append("group")
        return self.groups.get(chat_id)


class FakeExtra:
    """An extra part of a portrait: who asked, so a test sees the member passed through."""

    def __call__(self, corp_id: str, external_userid: str, userid: str) -> Mapping[str, Any]:
        return {"extra": {"for": userid}}


class FakeGroupExtra:
    def __call__(self, corp_id: str, group: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"sops": [{"name": f"SOP for {group.get('name')}"}]}
