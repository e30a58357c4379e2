"""A customer group (客户群) and its members."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class GroupStatus(StrEnum):
    ACTIVE = "active"
    DISMISSED = "dismissed"


class MemberType(StrEnum):
    EMPLOYEE = "employee"  # WeCom type 1
    CUSTOMER = "customer"  # WeCom type 2


@dataclass(frozen=True)
class GroupMember:
    member_id: str
    type: MemberType
    join_time: int = 0
    join_scene: int = 0
    invitor: str = ""
    group_nickname: str = ""
    name: str = ""
    unionid: str = ""


@dataclass(frozen=True)
class GroupChat:
    chat_id: str
    name: str = ""
    owner: str = ""
    create_time: int = 0
    notice: str = ""
    member_version: str = ""
    admins: tuple[str, ...] = ()
    members: tuple[GroupMember, ...] = ()
