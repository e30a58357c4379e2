"""What the sidebar shows of the customer or group in the chat (issue 19, item 1), to one member.

Who may see what: a member sees a customer only while they serve them (an active follow relation of
theirs), and a group only while they own it or are in it; anything else, including an id that does not
exist, answers the same NotFound, so the sidebar cannot be used to probe for ids. A member with the admin
console role reads the corp's customers and groups (``corp_wide``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from scrm.kernel.errors import NotFound

EMPLOYEE = "employee"  # a group member's type for staff (customers.group.MemberType)
SERVING = frozenset({"", "active"})  # a relation's status while the member serves the customer
TIMELINE_SHOWN = 20
GROUPS_SHOWN = 50
# The portraits' reads and extras beside the request's own thread, shared by every request of the process
# (no pool made and torn down per request). Its tasks never wait on each other, so a full pool queues, never
# deadlocks.
POOL = ThreadPoolExecutor(32, thread_name_prefix="portrait")


@dataclass(frozen=True)
class Keys:
    """What the portrait's second round reads by key: the customer's profile (its external_userid, or ""),
    the relations' tags, channel codes (by state) and members, and the groups the customer is in."""

    profile: str = ""
    tag_ids: Sequence[str] = ()
    states: Sequence[str] = ()
    userids: Sequence[str] = ()
    chat_ids: Sequence[str] = ()


@dataclass(frozen=True)
class Named:
    """What ``PortraitReads.by_keys`` found: the profile (None if we hold none), the tags' names (those we
    hold and WeCom has not deleted), the codes' names by state (active codes), the members' names, and the
    groups (``{"chat_id", "name", "owner", "member_count", "tags"}``) in the order asked, those we hold."""

    profile: dict[str, Any] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, str] = field(default_factory=dict)
    members: Mapping[str, str] = field(default_factory=dict)
    groups: Sequence[dict[str, Any]] = ()


class PortraitReads(Protocol):
    """The stored facts a portrait is made of (portrait_repository.py on DynamoDB): three Queries that need
    only the ids, then one read of every key they name (``by_keys``: one BatchGetItem across tables)."""

    def relations(self, corp_id: str, external_userid: str) -> list[dict[str, Any]]:
        """The customer's follow relations (every member, any status)."""
        ...

    def timeline(self, corp_id: str, external_userid: str, limit: int) -> list[dict[str, Any]]:
        """The customer's newest timeline entries, newest first."""
        ...

    def group_ids_with(self, corp_id: str, member_id: str, limit: int) -> list[str]:
        """The chat ids of the groups a customer or member is in now (at most ``limit``)."""
        ...

    def by_keys(self, corp_id: str, keys: Keys) -> Named: ...

    def member_names(self, corp_id: str, userids: Sequence[str]) -> dict[str, str]: ...

    def group(self, corp_id: str, chat_id: str) -> dict[str, Any] | None:
        """The group with every member (those who left too)."""
        ...


class Extra(Protocol):
    """More of a customer's portrait from other features (stages and notes, content, tasks): a part
    named by its key, read for the member looking."""

    def __call__(self, corp_id: str, external_userid: str, userid: str) -> Mapping[str, Any]: ...


class GroupExtra(Protocol):
    """More of a group's portrait from other features (the SOPs targeting it), given the stored group."""

    def __call__(self, corp_id: str, group: Mapping[str, Any]) -> Mapping[str, Any]: ...


def _drop(*futures: Future[Any]) -> None:
    """Cancel what has not started; wait for what has (so no read outlives the request that asked)."""
    wait([f for f in futures if not f.cancel()])


def _serving(relation: Mapping[str, Any]) -> bool:
    return str(relation.get("status") or "") in SERVING


@dataclass
class Portraits:
    reads: PortraitReads
    extras: Sequence[Extra] = ()
    group_extras: Sequence[GroupExtra] = ()

    def customer(self, corp_id: str, external_userid: str, userid: str, corp_wide: bool = False) -> dict[str, Any]:
        """The portrait of ``external_userid`` as ``userid`` sees it: their own relation (remark,
        description, tags, how and when added, through which code), the other members who serve the
        customer, the groups the customer is in with us, the latest timeline and the extras' parts."""
        # Two rounds (docs/performance.md, "The employee sidebar"): the three Queries that need only the ids
        # at once (the relations here, the timeline and the customer's groups on the pool), then one
        # BatchGetItem of every key they name (here) beside the extras (on the pool).
        timeline_f = POOL.submit(self.reads.timeline, corp_id, external_userid, TIMELINE_SHOWN)
        groups_f = POOL.submit(self.reads.group_ids_with, corp_id, external_userid, GROUPS_SHOWN)
        try:
            follows = self.reads.relations(corp_id, external_userid)
        except BaseException:
            _drop(timeline_f, groups_f)
            raise
        mine = next((f for f in follows if f.get("userid") == userid), None)
        # A member sees a customer they serve; an admin (corp_wide) any we hold: one with relations, or with
        # a profile alone (known only after the second round, so the extras wait for it then).
        if not (corp_wide or (mine is not None and _serving(mine))):
            _drop(timeline_f, groups_f)
            raise NotFound(f"no customer {external_userid} among those you serve", "external_userid")
        others = [f for f in follows if f is not mine and _serving(f)]
        keys = Keys(
            profile=external_userid,
            tag_ids=sorted({str(t) for f in [mine, *others] if f for t in f.get("tag_ids") or ()}),
            states=sorted({str(f["state"]) for f in follows if f.get("state")}),
            userids=sorted({str(f["userid"]) for f in follows}),
        )
        extras_f = [POOL.submit(extra, corp_id, external_userid, userid) for extra in self.extras] if follows else []
        try:
            named = self.reads.by_keys(corp_id, replace(keys, chat_ids=tuple(groups_f.result())))
            if not follows and named.profile is None:  # an admin, and we hold nothing of the customer
                raise NotFound(f"no customer {external_userid} among those you serve", "external_userid")
            if not follows:
                extras_f = [POOL.submit(extra, corp_id, external_userid, userid) for extra in self.extras]
            timeline = timeline_f.result()
            parts = [f.result() for f in extras_f]
        except BaseException:
            _drop(timeline_f, groups_f, *extras_f)
            raise
        tag_names, codes, names = named.tags, named.codes, named.members
        portrait: dict[str, Any] = {
            "external_userid": external_userid,
            "profile": _profile(named.profile or {}, follows),
            "relation": _relation(mine, tag_names, codes, names) if mine is not None else None,
            "others": [_relation(f, tag_names, codes, names) for f in others],
            "groups": list(named.groups),
            "timeline": timeline or [],
            "corp_wide": corp_wide,
        }
        for part in parts:  # after the checked read: an extra never runs for a customer not the member's
            portrait.update(part)
        return portrait

    def check_customer(self, corp_id: str, external_userid: str, userid: str, corp_wide: bool = False) -> str:
        """The portrait's rule alone (one Query), for what other features serve through the sidebar: the
        customer's name (as the relations copy it: what a script's {name} becomes) if ``userid`` may see
        them, else NotFound worded as the portrait's."""
        follows = self.reads.relations(corp_id, external_userid)
        mine = next((f for f in follows if f.get("userid") == userid), None)
        if not (follows and corp_wide) and not (mine is not None and _serving(mine)):
            raise NotFound(f"no customer {external_userid} among those you serve", "external_userid")
        return str(next((f["name"] for f in [mine, *follows] if f and f.get("name")), ""))

    def group(self, corp_id: str, chat_id: str, userid: str, corp_wide: bool = False) -> dict[str, Any]:
        """The group as ``userid`` sees it: owner, admins, members now (customers and staff), labels."""
        group = self.reads.group(corp_id, chat_id)
        present = [m for m in (group or {}).get("members", []) if m.get("status", "member") == "member"]
        staff = {str(m.get("member_id")) for m in present if m.get("type") == EMPLOYEE}
        if group is None or not (corp_wide or group.get("owner") == userid or userid in staff):
            raise NotFound(f"no group {chat_id} among yours", "chat_id")
        names = self.reads.member_names(corp_id, sorted(staff | {str(group.get("owner") or "")} - {""}))
        parts: dict[str, Any] = {}
        for extra in self.group_extras:
            parts.update(extra(corp_id, group))
        return parts | {
            "chat_id": chat_id,
            "name": group.get("name") or "",
            "owner": group.get("owner") or "",
            "owner_name": names.get(str(group.get("owner") or ""), ""),
            "notice": group.get("notice") or "",
            "admins": sorted(group.get("admins") or ()),
            "create_time": int(group.get("create_time") or 0),
            "status": group.get("status") or "active",
            "labels": sorted(group.get("tags") or ()),
            "member_count": len(present),
            "customer_count": sum(1 for m in present if m.get("type") != EMPLOYEE),
            "members": [_group_member(m, names) for m in present],
            "corp_wide": corp_wide,
        }


def _profile(profile: Mapping[str, Any], follows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    name = profile.get("name") or next((f.get("name") for f in follows if f.get("name")), "")
    return {key: profile.get(key) for key in ("avatar", "type", "gender", "corp_name", "position")} | {
        "name": name or ""
    }


def _relation(
    f: Mapping[str, Any], tag_names: Mapping[str, str], codes: Mapping[str, str], names: Mapping[str, str]
) -> dict[str, Any]:
    state = str(f.get("state") or "")
    return {
        "userid": f.get("userid"),
        "member_name": names.get(str(f.get("userid")), ""),
        "status": f.get("status") or "active",
        "remark": f.get("remark") or "",
        "description": f.get("description") or "",
        "add_time": int(f.get("add_time") or 0),
        "add_way": int(f.get("add_way") or 0),
        "state": state,
        "code_name": codes.get(state, ""),
        "tags": [{"tag_id": t, "name": tag_names.get(t, "")} for t in sorted(f.get("tag_ids") or [])],
    }


def _group_member(m: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    member_id = str(m.get("member_id") or "")
    staff = m.get("type") == EMPLOYEE
    return {
        "member_id": member_id,
        "kind": "staff" if staff else "customer",
        "name": (names.get(member_id) if staff else None) or m.get("group_nickname") or m.get("name") or "",
        "join_time": int(m.get("join_time") or 0),
    }
