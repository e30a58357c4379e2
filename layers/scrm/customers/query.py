"""A customer search: what the admin asked for, checked, and the test every result must pass.

The search unit is the follow relation (one customer as one employee holds them): tags, add time, channel
state and status all belong to the relation, and one customer followed by two employees is two rows.
Which DynamoDB index drives the search is chosen here too (``driver``), so the rule is testable without I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scrm.customers.follow import FollowStatus
from scrm.kernel.field_error import FieldError
from scrm.kernel.input_limits import whole_number
from scrm.kernel.page_cursor import from_token, to_token

MAX_LIMIT = 200
MAX_TAGS = 20
MAX_SECONDS = 9_999_999_998  # unix seconds: the search's add-time keys hold 10 digits
STATUSES = frozenset(s.value for s in FollowStatus) | {"all"}


class QueryError(FieldError):
    """Bad search input: ``field`` names the parameter, for a 400 that says which one."""


@dataclass(frozen=True)
class CustomerQuery:
    tags_all: tuple[str, ...] = ()  # AND: every one of these
    tags_any: tuple[str, ...] = ()  # OR: at least one of these
    tags_none: tuple[str, ...] = ()  # NOT: none of these
    employee: str = ""
    added_from: int | None = None  # unix seconds, inclusive
    added_to: int | None = None  # unix seconds, inclusive
    state: str = ""
    status: str = FollowStatus.ACTIVE.value
    name_prefix: str = ""
    limit: int = 50
    cursor: dict[str, Any] = field(default_factory=dict)

    @property
    def driver(self) -> str:
        """The index that yields candidates, narrowest first; every other condition is a filter."""
        if self.tags_all:
            return "tags_all"
        if self.tags_any:
            return "tags_any"
        if self.employee:
            return "employee"
        if self.state:
            return "state"
        if self.name_prefix:
            return "name"
        return "corp"

    def matches(self, r: Mapping[str, Any]) -> bool:
        """Every condition against a relation (a dict with tag_ids, userid, add_time, state, status, name).
        Also run on candidates from the tag index, whose members may be stale."""
        tags = set(r.get("tag_ids") or ())
        if self.tags_all and not tags.issuperset(self.tags_all):
            return False
        if self.tags_any and not tags.intersection(self.tags_any):
            return False
        if self.tags_none and tags.intersection(self.tags_none):
            return False
        if self.employee and r.get("userid") != self.employee:
            return False
        added = int(r.get("add_time") or 0)
        if self.added_from is not None and added < self.added_from:
            return False
        if self.added_to is not None and added > self.added_to:
            return False
        if self.state and r.get("state") != self.state:
            return False
        if self.status != "all" and (r.get("status") or FollowStatus.ACTIVE.value) != self.status:
            return False
        return not (self.name_prefix and not str(r.get("name") or "").startswith(self.name_prefix))

    @classmethod
    def parse(cls, params: Mapping[str, str | None]) -> CustomerQuery:
        """From query-string parameters: tags lists are comma-separated ids; times are unix seconds."""
        known = {"tags_all", "tags_any", "tags_none", "employee", "added_from", "added_to", "state", "status",
                 "name_prefix", "limit", "cursor"}  # fmt: skip
        for name in params:
            if name not in known:
                raise QueryError(name, f"unknown parameter (known: {', '.join(sorted(known))})")

        def tags(name: str) -> tuple[str, ...]:
            raw = params.get(name) or ""
            ids = tuple(dict.fromkeys(t.strip() for t in raw.split(",") if t.strip()))
            if len(ids) > MAX_TAGS:
                raise QueryError(name, f"at most {MAX_TAGS} tag ids")
            return ids

        def number(name: str, least: int, most: int) -> int | None:
            raw = params.get(name)
            if raw in (None, ""):
                return None
            try:
                return whole_number(raw, name, least, most)
            except FieldError as exc:
                raise QueryError(name, exc.why) from None

        def seconds(name: str) -> int | None:
            return number(name, 0, MAX_SECONDS)

        limit = number("limit", 1, MAX_LIMIT)
        status = params.get("status") or FollowStatus.ACTIVE.value
        if status not in STATUSES:
            raise QueryError("status", f"must be one of {', '.join(sorted(STATUSES))}")
        q = cls(
            tags_all=tags("tags_all"),
            tags_any=tags("tags_any"),
            tags_none=tags("tags_none"),
            employee=(params.get("employee") or "").strip(),
            added_from=seconds("added_from"),
            added_to=seconds("added_to"),
            state=(params.get("state") or "").strip(),
            status=status,
            name_prefix=params.get("name_prefix") or "",
            limit=limit or 50,
            cursor=decode_cursor(params.get("cursor") or ""),
        )
        if q.added_from is not None and q.added_to is not None and q.added_from > q.added_to:
            raise QueryError("added_from", "is after added_to")
        if set(q.tags_none) & (set(q.tags_all) | set(q.tags_any)):
            raise QueryError("tags_none", "names a tag that is also required")
        if q.cursor and q.cursor.get("d") != q.driver:
            raise QueryError("cursor", "belongs to a different search; repeat the same filters with it")
        return q


def encode_cursor(driver: str, position: Mapping[str, str]) -> str:
    return to_token({"d": driver, "p": dict(position)})


CURSOR_MAX = 4096  # characters of a cursor token: three key parts of at most 1,024 bytes, in base64
POSITION_MAX_BYTES = 1024  # DynamoDB's largest sort key; no real position part is longer
TAG_DRIVERS = frozenset({"tags_all", "tags_any"})
INDEX_DRIVERS = frozenset({"employee", "state", "name", "corp"})
ADD_SK_RE = re.compile(r"\d{10}#.+", re.DOTALL)


def decode_cursor(token: str) -> dict[str, Any]:
    """A cursor this API returned, checked whole: a forged one is a 400 ``cursor``, never a key DynamoDB
    refuses (a 500). Index positions name the corp in ``pk``; the search checks that it is the caller's."""
    if not token:
        return {}
    bad = QueryError("cursor", "is not a cursor this API returned")
    data = from_token(token, CURSOR_MAX, bad)
    if not isinstance(data, dict) or set(data) != {"d", "p"} or not isinstance(data["p"], dict):
        raise bad
    driver, p = data["d"], data["p"]
    if not all(isinstance(v, str) and 0 < len(v.encode()) <= POSITION_MAX_BYTES for v in p.values()):
        raise bad
    if driver in TAG_DRIVERS:
        if set(p) != {"after"} or "#" not in p["after"]:
            raise bad
    elif driver in INDEX_DRIVERS:
        if set(p) != {"pk", "sk", "r"} or "#" not in p["pk"]:
            raise bad
        if driver != "name" and not ADD_SK_RE.fullmatch(p["r"]):
            raise bad
    else:
        raise bad
    return data
