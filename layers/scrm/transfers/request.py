"""An admin's transfer request: the rules between its fields (each refusal names its field, InvalidTransfer);
the shape of each field is the admin API's model (functions/admin/schemas/transfers.py).

Kept apart from the aggregates: it is the admin side's input, and its ``key`` makes a repeated request
(a double click, a client's retry) find the job it created.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from scrm.kernel.errors import InvalidInput
from scrm.transfers.model import ONJOB

TAKERS_MAX, CUSTOMERS_MAX, GROUPS_MAX = 100, 100_000, 10_000  # distinct ids in one request


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


def _distinct(ids: Sequence[str] | None, name: str, limit: int) -> tuple[str, ...] | None:
    if ids is None:
        return None
    distinct = tuple(dict.fromkeys(ids))
    if len(distinct) > limit:
        raise InvalidTransfer(name, f"{name}: at most {limit} ids in one request")
    return distinct


def new_request(
    kind: str,
    handover_userid: str,
    takers: Sequence[str],
    customers: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    transfer_success_msg: str = "",
    on_refused: str = "",
    request_id: str = "",
) -> TransferRequest:
    """An admin's request from typed values (the admin API's model has checked each field's shape): the
    rules between fields. Ids are kept once, in order; ``None`` customers or groups means all of them."""
    distinct = tuple(dict.fromkeys(takers))
    if not distinct:
        raise InvalidTransfer("takeover_userids", "takeover_userid or takeover_userids (a non-empty list) is required")
    if len(distinct) > TAKERS_MAX:
        raise InvalidTransfer("takeover_userids", f"at most {TAKERS_MAX} takers")
    if handover_userid in distinct:
        raise InvalidTransfer("takeover_userids", f"{handover_userid} cannot take over their own customers")
    chosen = _distinct(customers, "customers", CUSTOMERS_MAX)
    chats = _distinct(groups, "groups", GROUPS_MAX)
    if chosen == () and chats == ():
        raise InvalidTransfer("customers", "nothing to transfer: customers and groups are both empty")
    if transfer_success_msg and kind != ONJOB:
        raise InvalidTransfer("transfer_success_msg", "transfer_success_msg applies to onjob transfers only")
    return TransferRequest(
        kind, handover_userid, distinct, chosen, chats, transfer_success_msg, on_refused, request_id
    )
