"""Records of the acquisition configs a corp creates through the API, and scan counters.

- ContactWay: a 「联系我」 QR code or mini-program button (externalcontact/add_contact_way, 92572).
- JoinWay: a 「加入群聊」 group QR code (externalcontact/groupchat/add_join_way, 92229).
- GroupWelcomeTemplate: an 入群欢迎语 material (externalcontact/group_welcome_template, 92366).
- ScanStats: totals of the control API's scans, so a benchmark can wait for its scans to finish.

They are plain data; validation lives with the APIs and scanning with the control endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEMP_EXPIRES_IN_DEFAULT = 7 * 86_400
TEMP_CHAT_EXPIRES_IN_DEFAULT = 86_400


@dataclass(slots=True, eq=False)
class ContactWay:
    config_id: str
    type: int
    scene: int
    create_time: int
    seq: int
    style: int = 1
    remark: str = ""
    skip_verify: bool = True
    state: str = ""
    qr_code: str = ""
    user: list[str] = field(default_factory=list)
    party: list[int] = field(default_factory=list)
    is_temp: bool = False
    expires_in: int = 0
    chat_expires_in: int = 0
    unionid: str = ""
    is_exclusive: bool = False
    conclusions: dict[str, Any] = field(default_factory=dict)
    rr: int = 0
    """Round-robin position over the way's employees (type 2): the next scan goes to rr % n."""
    scans: int = 0

    def to_api(self) -> dict[str, Any]:
        """get_contact_way's contact_way object."""
        return {
            "config_id": self.config_id,
            "type": self.type,
            "scene": self.scene,
            "style": self.style,
            "remark": self.remark,
            "skip_verify": self.skip_verify,
            "state": self.state,
            "qr_code": self.qr_code,
            "user": list(self.user),
            "party": list(self.party),
            "is_temp": self.is_temp,
            "expires_in": self.expires_in,
            "chat_expires_in": self.chat_expires_in,
            "unionid": self.unionid,
            "is_exclusive": self.is_exclusive,
            "conclusions": dict(self.conclusions),
        }


@dataclass(slots=True, eq=False)
class JoinWay:
    config_id: str
    scene: int
    create_time: int
    seq: int
    remark: str = ""
    auto_create_room: int = 1
    room_base_name: str = ""
    room_base_id: int = 0
    chat_id_list: list[str] = field(default_factory=list)
    state: str = ""
    qr_code: str = ""
    rooms_created: int = 0
    """Groups auto-created so far; the next one is numbered room_base_id (or 1) + rooms_created."""

    def to_api(self) -> dict[str, Any]:
        """groupchat/get_join_way's join_way object."""
        return {
            "config_id": self.config_id,
            "scene": self.scene,
            "remark": self.remark,
            "auto_create_room": self.auto_create_room,
            "room_base_name": self.room_base_name,
            "room_base_id": self.room_base_id,
            "chat_id_list": list(self.chat_id_list),
            "qr_code": self.qr_code,
            "state": self.state,
        }


@dataclass(slots=True, eq=False)
class GroupWelcomeTemplate:
    template_id: str
    content: dict[str, Any]
    """text / image / link / miniprogram / file / video objects, only those that were given."""
    create_time: int
    agentid: int | None = None
    notify: int = 1


@dataclass(slots=True)
class ScanStats:
    """Totals of one corp's control-API scans; `done` counts failed scans too, so waiting ends."""

    scheduled: int = 0
    done: int = 0
    failed: int = 0
    running: int = 0
    max_lag_s: float = 0.0
    last_error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "scheduled": self.scheduled,
            "done": self.done,
            "failed": self.failed,
            "running": self.running,
            "max_lag_s": round(self.max_lag_s, 4),
            "last_error": self.last_error,
        }
