"""What the admin API and the CLI do with customers, tags and employees.

Writes go to WeCom first; only when WeCom accepts do we store, and what we store is WeCom's state read
back (WeCom sends no callback for API writes, and reading back keeps one versioned path into the store).
Every method takes the corp from the caller's key: nothing here accepts a corp from request data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scrm.customers.ports import AdminWeCom, CustomerReads, CustomerSearch, Store
from scrm.customers.query import CustomerQuery
from scrm.kernel.errors import Conflict, DomainError, InvalidInput, NotFound, WeComRefused
from scrm.kernel.input_limits import USERID_MAX
from scrm.kernel.versions import version_of
from scrm.kernel.wecom_error import WeComError

TAG_NAME_MAX = 30

# WeCom's errcodes, as the admin API answers them.
NOT_FOUND = {84061: "WeCom has no such relation", 40096: "not a valid external_userid", 40068: "unknown tag or group"}
CONFLICT = {40071: "a tag of that name exists in the group", 40126: "the corp has 3000 tags already"}


def _wecom_error(exc: WeComError, field: str = "") -> DomainError:
    """WeCom's answer in the domain's words: which codes mean "no such thing" or "already exists"."""
    code = exc.errcode or 0
    if code in NOT_FOUND:
        line = f"{NOT_FOUND[code]} (WeCom {code})"
        return NotFound(line, field) if code == 84061 else InvalidInput(field, line)
    if code in CONFLICT:
        return Conflict(f"{CONFLICT[code]} (WeCom {code})", field)
    if code == 40058:
        return InvalidInput(field, f"WeCom rejected a value: {exc.errmsg.split(',')[0]} (WeCom 40058)")
    return WeComRefused(exc.errcode, exc.errmsg)


def _names_in(library: Sequence[dict[str, Any]]) -> dict[str, str]:
    return {t["tag_id"]: t["name"] for g in library for t in g["tags"]}


def _name_tags(relation: dict[str, Any], names: Mapping[str, str]) -> None:
    """A relation's tag ids with their names, as the API shows them."""
    relation["tags"] = [{"tag_id": t, "name": names.get(t, "")} for t in relation.get("tag_ids") or []]


class CustomerAdmin:
    def __init__(
        self,
        store: Store,
        search: CustomerSearch,
        reads: CustomerReads,
        wecom: Callable[[str], AdminWeCom],
        clock: Callable[[], float] = time.time,
        names_ttl_s: float = 10.0,
    ) -> None:
        self.store = store
        self.searcher = search
        self.reads = reads
        self.wecom = wecom
        self.clock = clock
        self.names_ttl_s = names_ttl_s
        self._names: dict[str, tuple[float, dict[str, str]]] = {}

    # reading ----------------------------------------------------------------------------------
    def search(self, corp_id: str, params: Mapping[str, str | None]) -> dict[str, Any]:
        q = CustomerQuery.parse(params)
        rows, cursor = self.searcher.search(corp_id, q)
        names = self._tag_names(corp_id) if rows else {}
        for r in rows:
            _name_tags(r, names)
        return {"items": rows, "next_cursor": cursor, "driver": q.driver}

    def detail(self, corp_id: str, external_userid: str, timeline_limit: int = 20) -> dict[str, Any]:
        view = self.reads.customer_view(corp_id, external_userid, timeline_limit)
        if view is None:
            raise NotFound(f"no customer {external_userid}", "external_userid")
        names = self._tag_names(corp_id)
        for f in view["follows"]:
            _name_tags(f, names)
            for k in ("pk", "employee_pk", "add_sk", "state_pk", "name_sk", "status_version", "synced_at_ms"):
                f.pop(k, None)
        return view

    def _tag_names(self, corp_id: str) -> dict[str, str]:
        """Tag names for display, cached briefly per corp (a search shows names on every row); our own
        tag edits drop the cache, a rename made in WeCom shows within ``names_ttl_s``."""
        now = self.clock()
        hit = self._names.get(corp_id)
        if hit is not None and now - hit[0] < self.names_ttl_s:
            return hit[1]
        names = _names_in(self.reads.tag_library(corp_id))
        self._names[corp_id] = (now, names)
        return names

    def employees(self, corp_id: str, after: str = "", limit: int = 100) -> dict[str, Any]:
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit", "limit: must be 1..1000")
        if len(after) > USERID_MAX:  # the cursor is the last userid of the page before
            raise InvalidInput("cursor", "cursor: is not a cursor this API returned")
        rows, cursor = self.reads.employees_page(corp_id, after, limit)
        return {"items": rows, "next_cursor": cursor}

    def tags(self, corp_id: str) -> dict[str, Any]:
        return {"groups": self.reads.tag_library(corp_id)}

    # editing a customer -----------------------------------------------------------------------
    def _relation(self, corp_id: str, external_userid: str, userid: str) -> dict[str, Any]:
        relation = self.reads.follow(corp_id, external_userid, userid)
        if relation is None:
            raise NotFound(f"{userid} does not follow {external_userid}", "userid")
        return relation

    def edit_remark(
        self, corp_id: str, external_userid: str, userid: str, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``fields``: remark, description, remark_company, remark_mobiles as given (the admin API's model
        checked their types and lengths)."""
        if not fields:
            raise InvalidInput("", "nothing to change: give remark, description, remark_company or remark_mobiles")
        self._relation(corp_id, external_userid, userid)
        try:
            self.wecom(corp_id).remark(userid, external_userid, fields)
        except WeComError as exc:
            raise _wecom_error(exc) from None
        return self._read_back(corp_id, external_userid, userid)

    def edit_tags(
        self, corp_id: str, external_userid: str, userid: str, add: Sequence[str], remove: Sequence[str]
    ) -> dict[str, Any]:
        """``add`` / ``remove``: tag ids (the admin API's model checked them)."""
        add, remove = list(dict.fromkeys(add)), list(dict.fromkeys(remove))
        if not add and not remove:
            raise InvalidInput("", "nothing to change: give add and/or remove (lists of tag ids)")
        if set(add) & set(remove):
            raise InvalidInput("add", "add: a tag cannot be both added and removed")
        # The relation first: another corp's customer is a 404 whatever the tags (tenant isolation).
        self._relation(corp_id, external_userid, userid)
        live = set(_names_in(self.reads.tag_library(corp_id)))  # not the cache
        for name, ids in (("add", add), ("remove", remove)):
            unknown = [t for t in ids if t not in live]
            if unknown:
                raise InvalidInput(name, f"{name}: unknown tag {unknown[0]}")
        try:
            self.wecom(corp_id).mark_tag(userid, external_userid, add, remove)
        except WeComError as exc:
            raise _wecom_error(exc) from None
        return self._read_back(corp_id, external_userid, userid)

    def _read_back(self, corp_id: str, external_userid: str, userid: str) -> dict[str, Any]:
        now = int(self.clock() * 1000)
        try:
            found = self.wecom(corp_id).get_customer(external_userid)
        except WeComError as exc:
            raise _wecom_error(exc) from None
        if found is not None:
            profile, follows = found
            self.store.save_customer(corp_id, profile, now)
            for info in follows:
                self.store.sync_follow(corp_id, external_userid, info, now, name=profile.name)
        relation = self.reads.follow(corp_id, external_userid, userid) or {}
        _name_tags(relation, self._tag_names(corp_id))
        return relation

    # the tag library --------------------------------------------------------------------------
    def create_tags(
        self, corp_id: str, names: Sequence[str], group_id: str = "", group_name: str = "", order: int | None = None
    ) -> dict[str, Any]:
        """``names`` in an existing group (``group_id``) or a new one (``group_name``), typed values (the admin
        API's model checked them); WeCom's rules: exactly one group, names of at most 30 characters."""
        if bool(group_id) == bool(group_name):
            raise InvalidInput("group_id", "give exactly one of group_id (an existing group) or group_name")
        for n in [group_name, *names]:
            if len(n) > TAG_NAME_MAX:
                raise InvalidInput("tags", f"tags: name {n!r} is longer than {TAG_NAME_MAX} characters")
        try:
            created = self.wecom(corp_id).add_corp_tags(names, group_id=group_id, group_name=group_name, order=order)
        except WeComError as exc:
            raise _wecom_error(exc, "group_id" if group_id else "tags") from None
        self._refresh_tags(corp_id, [created.group_id])
        return {"group_id": created.group_id, "tag_ids": [t.tag_id for t in created.tags]}

    def edit_tag(
        self, corp_id: str, tag_or_group_id: str, name: str | None = None, order: int | None = None
    ) -> dict[str, Any]:
        """A new name (1..30 characters) and/or order (the admin API's model checked them)."""
        if name is None and order is None:
            raise InvalidInput("", "nothing to change: give name and/or order")
        group_id = self._group_of(corp_id, tag_or_group_id)
        try:
            self.wecom(corp_id).edit_corp_tag(tag_or_group_id, name, order)
        except WeComError as exc:
            raise _wecom_error(exc, "id") from None
        self._refresh_tags(corp_id, [group_id])
        return {"id": tag_or_group_id, "updated": True}

    def delete_tag(self, corp_id: str, tag_or_group_id: str) -> dict[str, Any]:
        library = self.reads.tag_library(corp_id)
        is_group = any(g["group_id"] == tag_or_group_id for g in library)
        group_id = self._group_of(corp_id, tag_or_group_id, library)
        try:
            if is_group:
                self.wecom(corp_id).del_corp_tags(group_ids=[tag_or_group_id])
            else:
                self.wecom(corp_id).del_corp_tags(tag_ids=[tag_or_group_id])
        except WeComError as exc:
            raise _wecom_error(exc, "id") from None
        version = version_of(int(self.clock()), "delete")
        self.store.delete_tag(corp_id, tag_or_group_id, is_group, version)
        self._names.pop(corp_id, None)
        if not is_group:
            self._refresh_tags(corp_id, [group_id])  # WeCom drops a group with its last tag
        return {"id": tag_or_group_id, "deleted": True}

    def _group_of(self, corp_id: str, tag_or_group_id: str, library: Sequence[dict[str, Any]] | None = None) -> str:
        for g in library if library is not None else self.reads.tag_library(corp_id):
            if g["group_id"] == tag_or_group_id or any(t["tag_id"] == tag_or_group_id for t in g["tags"]):
                return str(g["group_id"])
        raise NotFound(f"no tag or group {tag_or_group_id}", "id")

    def _refresh_tags(self, corp_id: str, group_ids: Sequence[str]) -> None:
        self._names.pop(corp_id, None)
        now = int(self.clock() * 1000)
        groups = self.wecom(corp_id).get_tag_groups(group_ids=list(group_ids))
        self.store.save_tag_groups(corp_id, groups, now)
        if not groups:  # the group is gone in WeCom (its last tag was deleted)
            version = version_of(int(self.clock()), "delete")
            for gid in group_ids:
                self.store.delete_tag(corp_id, gid, True, version)
