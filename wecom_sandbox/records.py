"""Records of a corp's world: members, customers, relations, tags, groups, handovers, injected faults.

Plain slotted dataclasses (a corp of 100k relations stays in the tens of megabytes); world.py composes
them into a Corp and re-exports them, so ``from .world import Employee`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Employee:
    userid: str
    name: str
    department: list[int] = field(default_factory=lambda: [1])
    position: str = ""
    mobile: str = ""
    gender: int = 1
    status: int = 1
    licensed: bool = True
    """Holds a 接口许可 (API license) account; message/send lists an unlicensed member in unlicenseduser."""

    def to_api(self) -> dict[str, Any]:
        """The user/get shape (gender is a string there, as in WeCom)."""
        return {
            "userid": self.userid,
            "name": self.name,
            "department": list(self.department),
            "order": [0] * len(self.department),
            "position": self.position,
            "mobile": self.mobile,
            "gender": str(self.gender),
            "email": "",
            "is_leader_in_dept": [0] * len(self.department),
            "direct_leader": [],
            "avatar": "",
            "telephone": "",
            "alias": "",
            "status": self.status,
            "main_department": self.department[0] if self.department else 1,
        }


@dataclass(slots=True)
class Customer:
    external_userid: str
    name: str
    type: int = 1
    gender: int = 0
    avatar: str = ""
    unionid: str = ""

    def to_api(self) -> dict[str, Any]:
        """The external_contact object of externalcontact/get and batch/get_by_user."""
        data: dict[str, Any] = {
            "external_userid": self.external_userid,
            "name": self.name,
            "avatar": self.avatar,
            "type": self.type,
            "gender": self.gender,
        }
        if self.unionid:
            data["unionid"] = self.unionid
        return data


@dataclass(slots=True)
class Relation:
    """Follow relation employee -> customer.  one_way: the customer deleted the employee."""

    userid: str
    external_userid: str
    createtime: int
    seq: int
    remark: str = ""
    description: str = ""
    tag_ids: list[str] = field(default_factory=list)
    add_way: int = 0
    state: str = ""
    oper_userid: str = ""
    remark_mobiles: list[str] = field(default_factory=list)
    remark_corp_name: str = ""
    one_way: bool = False

    def to_control(self) -> dict[str, Any]:
        return {
            "userid": self.userid,
            "remark": self.remark,
            "description": self.description,
            "createtime": self.createtime,
            "tag_ids": list(self.tag_ids),
            "add_way": self.add_way,
            "state": self.state,
            "oper_userid": self.oper_userid,
            "remark_mobiles": list(self.remark_mobiles),
            "remark_corp_name": self.remark_corp_name,
            "one_way": self.one_way,
        }


@dataclass(slots=True)
class Tag:
    id: str
    name: str
    group_id: str
    create_time: int
    order: int = 0

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "create_time": self.create_time,
            "order": self.order,
            "deleted": False,
        }


@dataclass(slots=True)
class TagGroup:
    group_id: str
    group_name: str
    create_time: int
    order: int = 0
    tags: dict[str, Tag] = field(default_factory=dict)

    def to_api(self, only: set[str] | None = None) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "group_name": self.group_name,
            "create_time": self.create_time,
            "order": self.order,
            "deleted": False,
            "tag": [t.to_api() for t in self.tags.values() if only is None or t.id in only],
        }


@dataclass(slots=True)
class GroupMember:
    """A customer-group member; type 1 = employee, 2 = external contact.

    join_scene uses groupchat/get's values (1 invited directly, 2 invited by link, 3 QR code),
    which differ from the callback's JoinScene (0 invited, 3 QR code).  state is the join way's
    state for members who scanned a 「加入群聊」 code that carries one (groupchat/get returns it).
    """

    userid: str
    type: int
    join_time: int
    join_scene: int = 1
    invitor: str = ""
    group_nickname: str = ""
    state: str = ""


@dataclass(slots=True)
class GroupChat:
    chat_id: str
    name: str
    owner: str
    create_time: int
    seq: int
    notice: str = ""
    members: dict[str, GroupMember] = field(default_factory=dict)
    admin_list: list[str] = field(default_factory=list)
    member_version: str = ""
    status: int = 0


@dataclass(slots=True)
class Transfer:
    """One customer handover (在职 kind "onjob" or 离职 kind "resigned").

    status follows transfer_result: 1 done, 2 waiting, 3 refused, 4 taker at limit.
    takeover_time is the (future) automatic takeover time while waiting, else when it ended.
    """

    external_userid: str
    handover_userid: str
    takeover_userid: str
    kind: str
    start_time: int
    status: int = 2
    takeover_time: int = 0
    transfer_success_msg: str = ""

    def to_control(self) -> dict[str, Any]:
        return {
            "external_userid": self.external_userid,
            "handover_userid": self.handover_userid,
            "takeover_userid": self.takeover_userid,
            "kind": self.kind,
            "start_time": self.start_time,
            "status": self.status,
            "takeover_time": self.takeover_time,
            "transfer_success_msg": self.transfer_success_msg,
        }


@dataclass(slots=True)
class Fault:
    """Injected failure: for the next `remaining` calls to `path` ("*" = any), delay then fail; with a
    `rate`, each matching call fails with that probability (and only those count against `remaining`)."""

    id: int
    path: str
    errcode: int | None
    delay_ms: int
    remaining: int
    rate: float | None = None
    http_status: int | None = None  # answer this HTTP status with a body that is not JSON (a proxy's page)
    garbage: bool = False  # answer 200 with a body that is not JSON

    def to_control(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "errcode": self.errcode,
            "delay_ms": self.delay_ms,
            "remaining": self.remaining,
            "rate": self.rate,
            "http_status": self.http_status,
            "garbage": self.garbage,
        }
