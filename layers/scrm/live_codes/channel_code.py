"""A channel live code (渠道活码) as an aggregate: one WeCom contact way plus what we do when a customer
arrives through it (the spec: channel_spec.py).

``ChannelCode``'s methods are its only state transitions: made from a spec once WeCom made the contact way
(``created``), edited (the outcome is the update_contact_way WeCom needs), restaffed at a moment (the
outcome says whether WeCom's staff list must change), a member who left dropped, and deleted (kept, as
``deleted``, for its statistics and late events). A transition the code's state forbids raises a domain
error (editing a deleted code is ``NotFound``). The services call WeCom with what the outcome says and the
repository saves the code under its ``version``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from scrm.kernel.errors import Conflict, NotFound
from scrm.kernel.field_error import FieldError
from scrm.live_codes.channel_spec import FIELDS, ChannelCodeSpec, parse_spec, spec_from_dict

__all__ = [
    "ACTIVE", "DELETED", "ChannelCode", "ChannelCodeSpec", "ContactWay", "Deleted", "Drop", "Edited", "MemberDropped",
    "Restaff", "Restaffed", "code_from_dict", "contact_way_body", "live", "parse_spec", "spec_from_dict",
]  # fmt: skip

ACTIVE, DELETED = "active", "deleted"
# what the stored item holds besides the spec's fields; any other key is kept in ``extra``
ITEM_KEYS = FIELDS | {"code_id", "config_id", "qr_code", "current_staff", "status", "created_at_ms", "updated_at_ms"}


def contact_way_body(spec: ChannelCodeSpec, staff: Sequence[str]) -> dict[str, Any]:
    """add/update_contact_way's fields for this spec and these staff (remark: WeCom's 30-char note)."""
    return {
        "remark": spec.name[:30],
        "skip_verify": spec.skip_verify,
        "state": spec.state,
        "user": list(staff),
    }


# outcomes --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactWay:
    """One add_contact_way (``config_id`` "") or update_contact_way call: WeCom's type and the fields."""

    config_id: str
    wecom_type: int
    fields: dict[str, Any]

    @property
    def staff(self) -> tuple[str, ...]:
        return tuple(self.fields.get("user") or ())


@dataclass(frozen=True)
class Edited:
    """An edit made: WeCom's contact way must be updated with ``update`` before the code is saved."""

    update: ContactWay


class Restaff(StrEnum):
    SWITCHED = "switched"  # WeCom's staff list must become the code's new current staff
    UNCHANGED = "unchanged"  # WeCom already offers who the schedule and caps say
    INACTIVE = "inactive"  # deleted, or never made in WeCom: nothing to switch


@dataclass(frozen=True)
class Restaffed:
    result: Restaff
    update: ContactWay | None = None  # SWITCHED: the update_contact_way call

    @property
    def needed(self) -> bool:
        return self.update is not None


class Drop(StrEnum):
    REMOVED = "removed"  # off the default staff, the slots (a slot left empty goes) and the backups
    NOT_STAFF = "not_staff"  # the code never named them
    LAST_MEMBER = "last_member"  # kept: a contact way cannot have nobody, the admin must give it staff


@dataclass(frozen=True)
class MemberDropped:
    result: Drop

    @property
    def changed(self) -> bool:
        return self.result == Drop.REMOVED


@dataclass(frozen=True)
class Deleted:
    """The code is marked deleted; ``config_id`` is the contact way that goes from WeCom."""

    code_id: str
    config_id: str


# the aggregate -----------------------------------------------------------------------------------
@dataclass
class ChannelCode:
    """A saved code: the spec plus WeCom's side of it, and the stored item's ``version`` (0: not stored)."""

    spec: ChannelCodeSpec
    config_id: str
    qr_code: str
    current_staff: tuple[str, ...] = ()
    status: str = ACTIVE  # active | deleted (kept for its statistics and for late events)
    created_at_ms: int = 0
    updated_at_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    version: int = 0

    @property
    def state(self) -> str:
        return self.spec.state

    @property
    def deleted(self) -> bool:
        return self.status == DELETED

    @property
    def live(self) -> bool:
        """Active and made in WeCom: its staff list is ours to keep in line."""
        return self.status == ACTIVE and bool(self.config_id)

    # the stored item ------------------------------------------------------------------------------
    @classmethod
    def from_item(cls, d: Mapping[str, Any], version: int = 0) -> Self:
        return cls(
            spec=spec_from_dict(d),
            config_id=d.get("config_id") or "",
            qr_code=d.get("qr_code") or "",
            current_staff=tuple(d.get("current_staff") or ()),
            status=d.get("status") or ACTIVE,
            created_at_ms=int(d.get("created_at_ms") or 0),
            updated_at_ms=int(d.get("updated_at_ms") or 0),
            extra={k: v for k, v in d.items() if k not in ITEM_KEYS},
            version=version,
        )

    def as_dict(self) -> dict[str, Any]:
        """What the API shows of the code."""
        return {
            "code_id": self.state,
            **self.spec.as_dict(),
            "config_id": self.config_id,
            "qr_code": self.qr_code,
            "current_staff": list(self.current_staff),
            "status": self.status,
            "created_at_ms": self.created_at_ms,
            "updated_at_ms": self.updated_at_ms,
        }

    def to_item(self) -> dict[str, Any]:
        """The stored item's data: the API's view and the keys another version wrote (kept whole)."""
        return {**self.extra, **self.as_dict()}

    # transitions ----------------------------------------------------------------------------------
    @staticmethod
    def first_way(spec: ChannelCodeSpec, staff: Sequence[str]) -> ContactWay:
        """The add_contact_way call that makes a new code's contact way, offering ``staff``."""
        return ContactWay("", spec.wecom_type, contact_way_body(spec, staff))

    @classmethod
    def created(cls, spec: ChannelCodeSpec, way: ContactWay, config_id: str, qr_code: str, now_ms: int) -> Self:
        """The code once WeCom made ``way`` and answered its config_id and QR code."""
        return cls(spec, config_id, qr_code, way.staff, ACTIVE, now_ms, now_ms)

    def restore(self, spec: ChannelCodeSpec, way: ContactWay, config_id: str, qr_code: str, now_ms: int) -> None:
        """A deleted code made active again on a new contact way (``way``, made by WeCom as ``config_id``):
        the state, its relations and its statistics carry on, so a store deleted and imported again with
        the same id is the same code. Only a deleted code comes back; the state stays."""
        if not self.deleted:
            raise Conflict(f"the code {self.state} is not deleted", "code_id")
        if spec.state != self.spec.state:
            raise FieldError("state", "cannot change after creation (create a new code)")
        self.spec, self.config_id, self.qr_code, self.current_staff = spec, config_id, qr_code, way.staff
        self.status, self.updated_at_ms = ACTIVE, now_ms

    def _refuse_if_deleted(self) -> None:
        if self.deleted:
            raise NotFound(f"no channel code {self.state}", "code_id")

    def edit(self, spec: ChannelCodeSpec, staff: Sequence[str], now_ms: int) -> Edited:
        """A new spec (``parse_spec(body, code.spec)``) offering ``staff``; the state and the mode stay."""
        self._refuse_if_deleted()
        for fixed in ("state", "mode"):
            if getattr(spec, fixed) != getattr(self.spec, fixed):
                raise FieldError(fixed, "cannot change after creation (create a new code)")
        self.spec, self.current_staff, self.updated_at_ms = spec, tuple(staff), now_ms
        return Edited(ContactWay(self.config_id, spec.wecom_type, contact_way_body(spec, staff)))

    def restaff(self, at: datetime, adds_today: Mapping[str, int], now_ms: int) -> Restaffed:
        """The staff the schedule and the caps want at ``at`` (``adds_today``: the China day's adds per
        member, read only when the code has a cap) become the current staff."""
        if not self.live:
            return Restaffed(Restaff.INACTIVE)
        wanted = self.spec.staff_at(at, adds_today)
        if list(self.current_staff) == wanted:
            return Restaffed(Restaff.UNCHANGED)
        self.current_staff, self.updated_at_ms = tuple(wanted), now_ms
        return Restaffed(Restaff.SWITCHED, ContactWay(self.config_id, self.spec.wecom_type, {"user": wanted}))

    def drop_member(self, userid: str) -> MemberDropped:
        """A member who left the corp: off the default staff (the backups take over when none is left),
        every slot (a slot left without staff goes) and the backups. The current staff is the next
        ``restaff``'s to change."""
        self._refuse_if_deleted()
        spec = self.spec
        if userid not in spec.all_staff():
            return MemberDropped(Drop.NOT_STAFF)

        def without(userids: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(u for u in userids if u != userid)

        staff = without(spec.staff) or without(spec.backup)
        if not staff:
            return MemberDropped(Drop.LAST_MEMBER)
        slots = tuple(s for s in (dataclasses.replace(s, staff=without(s.staff)) for s in spec.schedule) if s.staff)
        self.spec = dataclasses.replace(spec, staff=staff, schedule=slots, backup=without(spec.backup))
        return MemberDropped(Drop.REMOVED)

    def delete(self, now_ms: int) -> Deleted:
        """Marked deleted, kept: its statistics stay readable and late events still find it."""
        self._refuse_if_deleted()
        self.status, self.updated_at_ms = DELETED, now_ms
        return Deleted(self.state, self.config_id)


def code_from_dict(d: Mapping[str, Any]) -> ChannelCode:
    """A stored item (or the API's view) as the aggregate (version unknown: 0)."""
    return ChannelCode.from_item(d)


def live(code: ChannelCode | None, code_id: str) -> ChannelCode:
    """The code, if it exists and is not deleted (what an edit or a delete may act on)."""
    if code is None or code.deleted:
        raise NotFound(f"no channel code {code_id}", "code_id")
    return code
