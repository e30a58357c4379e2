"""An admin's transfer request, checked field by field: each refusal names its field (InvalidTransfer).

Kept apart from the aggregates: it is the admin side's input, and its ``key`` makes a repeated request
(a double click, a client's retry) find the job it created.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from scrm.kernel.errors import InvalidInput
from scrm.transfers.model import KINDS, ON_REFUSED, ONJOB, RESIGNED, SUCCESS_MSG_MAX


@dataclass(frozen=True)
class TransferRequest:
    """What an admin asked for. ``customers`` / ``groups``: ``None`` means all of the handover's, an empty
    tuple none. ``split``: "even" shares them out across ``takers`` in turn, "one" needs a single taker."""

    kind: str
    handover_userid: str
    takers: tuple[str, ...]
    customers: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None
    transfer_success_msg: str = ""
    on_refused: str = ""  # "" = the corp's policy
    request_id: str = ""

    def key(self) -> str:
        """Identifies a repeat of the same request (the admin pressed twice, a client retried)."""
        if self.request_id:
            return "r:" + self.request_id
        body = json.dumps(
            [self.kind, self.handover_userid, list(self.takers),
             sorted(self.customers) if self.customers is not None else None,
             sorted(self.groups) if self.groups is not None else None, self.transfer_success_msg],
            ensure_ascii=False,
        )  # fmt: skip
        return "h:" + hashlib.sha256(body.encode()).hexdigest()[:32]


class InvalidTransfer(InvalidInput):
    """A transfer request that cannot be run; the line is shown as it is (it names the field itself)."""


def _ids(value: Any, name: str, limit: int) -> tuple[str, ...] | None:
    if value is None or value == "all":
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidTransfer(name, f"{name} must be \"all\" or a list of ids")
    ids = tuple(dict.fromkeys(value))
    if len(ids) > limit:
        raise InvalidTransfer(name, f"{name}: at most {limit} ids in one request")
    return ids


def parse_request(body: dict[str, Any]) -> TransferRequest:
    """An admin's request, checked field by field (the error names the field)."""
    allowed = {"kind", "handover_userid", "takeover_userid", "takeover_userids", "customers", "groups",
               "transfer_success_msg", "on_refused", "request_id"}  # fmt: skip
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidTransfer(unknown[0], f"unknown field {unknown[0]}")
    kind = body.get("kind", RESIGNED)
    if kind not in KINDS:
        raise InvalidTransfer("kind", "kind must be resigned (离职继承) or onjob (在职继承)")
    handover = body.get("handover_userid")
    if not isinstance(handover, str) or not handover:
        raise InvalidTransfer("handover_userid", "handover_userid is required")
    takers_raw = body.get("takeover_userids")
    if takers_raw is None and body.get("takeover_userid") is not None:
        takers_raw = [body["takeover_userid"]]
    if not isinstance(takers_raw, list) or not takers_raw or not all(isinstance(t, str) and t for t in takers_raw):
        raise InvalidTransfer("takeover_userids", "takeover_userid or takeover_userids (a non-empty list) is required")
    takers = tuple(dict.fromkeys(takers_raw))
    if len(takers) > 100:
        raise InvalidTransfer("takeover_userids", "at most 100 takers")
    if handover in takers:
        raise InvalidTransfer("takeover_userids", f"{handover} cannot take over their own customers")
    customers = _ids(body.get("customers", "all"), "customers", 100_000)
    groups = _ids(body.get("groups", "all"), "groups", 10_000)
    if customers == () and groups == ():
        raise InvalidTransfer("customers", "nothing to transfer: customers and groups are both empty")
    msg = body.get("transfer_success_msg", "")
    if not isinstance(msg, str) or len(msg) > SUCCESS_MSG_MAX:
        raise InvalidTransfer("transfer_success_msg", f"transfer_success_msg: a string of at most {SUCCESS_MSG_MAX} characters")
    if msg and kind != ONJOB:
        raise InvalidTransfer("transfer_success_msg", "transfer_success_msg applies to onjob transfers only")
    on_refused = body.get("on_refused", "")
    if on_refused not in ("", *ON_REFUSED):
        raise InvalidTransfer("on_refused", "on_refused must be leave or reassign")
    request_id = body.get("request_id", "")
    if not isinstance(request_id, str) or len(request_id) > 64:
        raise InvalidTransfer("request_id", "request_id: a string of at most 64 characters")
    return TransferRequest(kind, handover, takers, customers, groups, msg, on_refused, request_id)
