"""What the admin API and the CLI do with customer groups: list the corp's groups a page at a time, read one
with its members, and set its labels.

Labels are the SCRM's own (WeCom has no group-tag API): admins set them here, group SOPs target them
(``targets.tags_any``), and syncs and group events leave them alone. Every method takes the corp from the
caller's key: nothing here accepts a corp from request data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from scrm.kernel import page_cursor
from scrm.kernel.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from scrm.customers.ports import GroupPages

MAX_LABELS = 20
PAGE_MAX = 200
USERID_MAX = 64
NAME_MAX = 50  # a search in group names (WeCom's group names are shorter)
CHAT_ID_MAX = 64
# Inside a cursor: the last row's owner and creation key, apart by a character neither holds.
SEP = "\t"
# Index keys and versions are the store's business.
HIDDEN = ("owner_pk", "create_sk", "status_version")
# A member as stored (sync and group events): who, employee or customer, still in or left (and when that
# was seen), when and how they joined, who invited them, their nickname in the group and their name. Keys
# and sync stamps are left out.
MEMBER_FIELDS = (
    "member_id", "type", "status", "join_time", "join_scene", "invitor", "group_nickname", "name", "left_seen_ms",
)  # fmt: skip


class GroupLabels(Protocol):
    def set_group_tags(self, corp_id: str, chat_id: str, tags: Sequence[str]) -> bool: ...


def parse_labels(body: Mapping[str, Any]) -> list[str]:
    """``tags``: labels of 1..30 characters once trimmed (the admin API's model checked them); duplicates
    dropped, first order kept, at most 20. An empty list clears the group's labels."""
    labels = list(dict.fromkeys(t.strip() for t in body["tags"]))
    if len(labels) > MAX_LABELS:
        raise InvalidInput("tags", f"tags: at most {MAX_LABELS} labels, got {len(labels)}")
    return labels


class GroupAdmin:
    def __init__(
        self, store: GroupLabels, read_group: Callable[[str, str], dict[str, Any] | None], pages: GroupPages
    ) -> None:
        self.store = store
        self.read_group = read_group
        self.pages = pages

    def list(
        self, corp_id: str, cursor: str = "", limit: int = 50, owner: str = "", name: str = "",
        chat_ids: Sequence[str] = (),
    ) -> dict[str, Any]:  # fmt: skip
        """A page of the corp's groups (``owner``: only that employee's; ``name``: only those whose name
        contains it), by owner then creation time: chat_id, name, owner, member_count, create_time, status
        and labels. ``next_cursor`` is sealed with the corp and the filters, so a cursor of another corp or
        another filter is a 400. ``chat_ids`` instead: those groups (the ones stored), in that order, no
        cursor: what a page showing group ids reads their names with."""
        if not 1 <= limit <= PAGE_MAX:
            raise InvalidInput("limit", f"limit: must be 1..{PAGE_MAX}")
        if len(owner) > USERID_MAX:
            raise InvalidInput("owner", f"owner: a userid of at most {USERID_MAX} characters")
        if len(name) > NAME_MAX:
            raise InvalidInput("name", f"name: at most {NAME_MAX} characters of a group's name")
        if chat_ids:
            if owner or name or cursor:
                raise InvalidInput("chat_ids", "chat_ids: names groups by id; not with owner, name or cursor")
            ids = list(dict.fromkeys(chat_ids))
            if len(ids) > PAGE_MAX or any(not c or len(c) > CHAT_ID_MAX for c in ids):
                raise InvalidInput("chat_ids", f"chat_ids: 1..{PAGE_MAX} group ids of at most {CHAT_ID_MAX} characters")
            return {"items": self.pages.groups_of(corp_id, ids), "next_cursor": ""}
        scope = f"groups/{owner}" + (f"/{name}" if name else "")
        after_key = page_cursor.decode(cursor, corp_id, scope)
        after: tuple[str, str] | None = None
        if after_key:
            first, _, second = after_key.partition(SEP)
            if not first or not second or (owner and first != owner):
                raise InvalidInput("cursor", "cursor: is not a cursor this list returned; start without one")
            after = (first, second)
        rows, last = self.pages.groups_page(corp_id, after, limit, owner, name)
        next_cursor = page_cursor.encode(corp_id, scope, f"{last[0]}{SEP}{last[1]}") if last else ""
        return {"items": rows, "next_cursor": next_cursor}

    def show(self, corp_id: str, chat_id: str) -> dict[str, Any]:
        """The group as stored, with its labels (``tags``, sorted), ``member_count`` and ``members``: every
        member we hold (up to 2,000 in a group), those who left too (``status`` left), by member_id."""
        group = self.read_group(corp_id, chat_id)
        if group is None:
            raise NotFound(f"no group {chat_id}", "chat_id")
        for key in HIDDEN:
            group.pop(key, None)
        group.setdefault("tags", [])
        group["members"] = [
            {k: m[k] for k in MEMBER_FIELDS if m.get(k) is not None} for m in group.get("members") or []
        ]
        return group

    def set_tags(self, corp_id: str, chat_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the group's labels; the answer is the group as stored after."""
        labels = parse_labels(body)
        if not self.store.set_group_tags(corp_id, chat_id, labels):
            raise NotFound(f"no group {chat_id}", "chat_id")
        return self.show(corp_id, chat_id)
