"""Limits on what callers send the admin API, in one place: how long an id may be, how a whole number is
read from a query string, how big a body or a query value may be.

Ids end up in DynamoDB keys (a key part over 1,024 or 2,048 bytes is a ValidationException, so a 500) and in
WeCom calls, so they are capped before any of that, with caps generous against WeCom's formats: a userid
is 1..64 bytes (WeCom's rule); external_userid, chat_id, tag ids and the like are about 32 characters
today, so 128 leaves room for format changes; our own ids (codes, SOPs, sends, jobs) are under 32.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrm.kernel.field_error import FieldError

USERID_MAX = 64
WECOM_ID_MAX = 128
OWN_ID_MAX = 64
BODY_MAX_BYTES = 1024 * 1024  # the admin API's largest body: an explicit list of ~25,000 customers
QUERY_VALUE_MAX = 4096  # any one query-string value (cursors included)

_MEMBER = ("userid", "userids", "handover_userid", "takeover_userid", "takeover_userids", "takers", "staff",
           "backup", "admins", "owners", "employee", "employees", "recipient", "sender")  # fmt: skip
_WECOM = ("external_userid", "external_userids", "customers", "chat_id", "chat_ids", "groups", "tag_id",
          "tag_ids", "tags_all", "tags_any", "tags_none", "add", "remove", "group_id", "config_id", "state",
          "states")  # fmt: skip
_OWN = ("code_id", "sop_id", "send_id", "job_id")

# Field name → the longest id it may hold, for path parameters, query parameters (comma lists count per id)
# and body fields at any depth (a string or a list of strings).
ID_MAX: dict[str, int] = {
    **dict.fromkeys(_MEMBER, USERID_MAX),
    **dict.fromkeys(_WECOM, WECOM_ID_MAX),
    **dict.fromkeys(_OWN, OWN_ID_MAX),
}
# Query text used in a DynamoDB key condition: the name index's sort key is "name#external_userid#userid",
# and a range-key value past 1,024 bytes is refused (256 CJK characters are 768 bytes).
TEXT_MAX: dict[str, int] = {"name_prefix": 256}
COMMA_LISTS = frozenset({"tags_all", "tags_any", "tags_none", "userid"})  # query parameters holding a, b, c


def check_id(field: str, value: str, most: int | None = None) -> str:
    """``value`` if it is at most the field's cap long, else a FieldError naming ``field``."""
    cap = most or ID_MAX.get(field.rsplit(".", 1)[-1], WECOM_ID_MAX)
    if len(value) > cap:
        raise FieldError(field, f"at most {cap} characters (got {len(value)})")
    return value


def check_query(params: Mapping[str, str]) -> None:
    """Every query value is at most QUERY_VALUE_MAX characters, and every id in it within its cap."""
    for name, value in params.items():
        if len(value) > QUERY_VALUE_MAX:
            raise FieldError(name, f"at most {QUERY_VALUE_MAX} characters")
        if len(value) > TEXT_MAX.get(name, QUERY_VALUE_MAX):
            raise FieldError(name, f"at most {TEXT_MAX[name]} characters")
        if name in ID_MAX:
            for part in value.split(",") if name in COMMA_LISTS else (value,):
                check_id(name, part.strip())


def check_body_ids(body: Any, path: str = "") -> None:
    """Ids anywhere in a JSON body, by field name: a string, or a list whose strings are each capped.
    Values of other types are left to the service, which says what it expects."""
    if isinstance(body, Mapping):
        for name, value in body.items():
            where = f"{path}.{name}" if path else str(name)
            if name in ID_MAX and isinstance(value, str):
                check_id(where, value, ID_MAX[name])
            elif name in ID_MAX and isinstance(value, list):
                for i, v in enumerate(value):
                    if isinstance(v, str):
                        check_id(f"{where}[{i}]", v, ID_MAX[name])
                    else:
                        check_body_ids(v, f"{where}[{i}]")
            else:
                check_body_ids(value, where)
    elif isinstance(body, list):
        for i, v in enumerate(body):
            check_body_ids(v, f"{path}[{i}]")


def whole_number(raw: str | None, field: str, least: int, most: int, default: int | None = None) -> int:
    """A query-string integer in ``least..most``: ASCII digits only. ``str.isdigit`` also passes "²" and
    ``int`` also reads "٣", " 7", "+7" and "1_0"; none of them is a number a client meant to send."""
    if raw is None or raw == "":
        if default is None:
            raise FieldError(field, f"required: {least}..{most} (an integer)")
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or not least <= int(raw) <= most:
        raise FieldError(field, f"must be {least}..{most} (an integer)")
    return int(raw)
