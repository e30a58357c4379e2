"""A customer's profile and what one employee holds about them (remark, tags, how they were added)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CustomerProfile:
    external_userid: str
    name: str = ""
    type: int = 0  # 1 WeChat user, 2 WeCom user (another company)
    gender: int = 0
    avatar: str = ""
    unionid: str = ""
    corp_name: str = ""
    position: str = ""


@dataclass(frozen=True)
class TagRef:
    tag_id: str
    tag_name: str = ""
    group_name: str = ""
    type: int = 1  # 1 corp tag, 2 personal tag, 3 rule-group tag


@dataclass(frozen=True)
class FollowInfo:
    """One follow_user entry of externalcontact/get: the employee's view of the customer."""

    userid: str
    remark: str = ""
    description: str = ""
    add_time: int = 0
    add_way: int = 0
    state: str = ""
    oper_userid: str = ""
    remark_corp_name: str = ""
    remark_mobiles: tuple[str, ...] = field(default=(), repr=False)
    tags: tuple[TagRef, ...] = ()
