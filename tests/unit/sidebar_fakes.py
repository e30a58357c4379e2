"""Fakes of the sidebar's ports (scrm.sidebar.portrait), checked against them by test_fakes.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakePortraitReads:
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # ext → {"profile", "follows", "timeline"}
    tags: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)
    memberships: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # member id → groups
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def customer_view(self, corp_id: str, external_userid: str, timeline_limit: int) -> dict[str, Any] | None:
        self.calls.append("customer_view")
        return self.customers.get(external_userid)

    def tag_names(self, corp_id: str, tag_ids: Sequence[str]) -> dict[str, str]:
        self.calls.append("tag_names")
        return {t: self.tags[t] for t in tag_ids if t in self.tags}

    def code_names(self, corp_id: str, states: Sequence[str]) -> dict[str, str]:
        self.calls.append("code_names")
        return {s: self.codes[s] for s in states if s in self.codes}

    def member_names(self, corp_id: str, userids: Sequence[str]) -> dict[str, str]:
        self.calls.append("member_names")
        return {u: self.members[u] for u in userids if u in self.members}

    def groups_with(self, corp_id: str, member_id: str, limit: int) -> list[dict[str, Any]]:
        self.calls.append("groups_with")
        return self.memberships.get(member_id, [])[:limit]

    def relations(self, corp_id: str, external_userid: str) -> list[dict[str, Any]]:
        self.calls.append("relations")
        return list((self.customers.get(external_userid) or {}).get("follows", []))

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
