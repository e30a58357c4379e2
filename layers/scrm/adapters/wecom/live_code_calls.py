"""The WeCom calls behind live codes and welcome messages (客户联系「联系我」, 加入群聊, 欢迎语).

wechatpy 1.8.18 has add/get/update/del_contact_way (without several fields) and send_welcome_msg, and
none of the join-way or group-welcome-template APIs: all go through ``_post``, which keeps our token
handling and retries. Mixed into WeComGateway.
"""

from __future__ import annotations

from typing import Any


class LiveCodeCalls:
    def _post(self, path: str, body: dict[str, Any]) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    # 联系我 (contact ways) ---------------------------------------------------------------------
    def add_contact_way(self, wecom_type: int, fields: dict[str, Any]) -> tuple[str, str]:
        """A QR-code contact way (scene 2); returns (config_id, qr_code)."""
        res = self._post("externalcontact/add_contact_way", {"type": wecom_type, "scene": 2, **fields})
        return str(res.get("config_id") or ""), str(res.get("qr_code") or "")

    def update_contact_way(self, config_id: str, fields: dict[str, Any]) -> None:
        self._post("externalcontact/update_contact_way", {"config_id": config_id, **fields})

    def del_contact_way(self, config_id: str) -> None:
        self._post("externalcontact/del_contact_way", {"config_id": config_id})

    def get_contact_way(self, config_id: str) -> dict[str, Any]:
        return dict(self._post("externalcontact/get_contact_way", {"config_id": config_id}).get("contact_way") or {})

    # 欢迎语 (welcome messages) -----------------------------------------------------------------
    def send_welcome(self, welcome_code: str, payload: dict[str, Any]) -> None:
        self._post("externalcontact/send_welcome_msg", {"welcome_code": welcome_code, **payload})

    # 加入群聊 (join ways) and group welcome templates ------------------------------------------
    def add_join_way(self, fields: dict[str, Any]) -> str:
        return str(self._post("externalcontact/groupchat/add_join_way", fields).get("config_id") or "")

    def get_join_way(self, config_id: str) -> dict[str, Any]:
        res = self._post("externalcontact/groupchat/get_join_way", {"config_id": config_id})
        return dict(res.get("join_way") or {})

    def update_join_way(self, config_id: str, fields: dict[str, Any]) -> None:
        self._post("externalcontact/groupchat/update_join_way", {"config_id": config_id, **fields})

    def del_join_way(self, config_id: str) -> None:
        self._post("externalcontact/groupchat/del_join_way", {"config_id": config_id})

    def add_group_welcome_template(self, fields: dict[str, Any]) -> str:
        res = self._post("externalcontact/group_welcome_template/add", fields)
        return str(res.get("template_id") or "")

    def edit_group_welcome_template(self, template_id: str, fields: dict[str, Any]) -> None:
        self._post("externalcontact/group_welcome_template/edit", {"template_id": template_id, **fields})

    def del_group_welcome_template(self, template_id: str) -> None:
        self._post("externalcontact/group_welcome_template/del", {"template_id": template_id})
