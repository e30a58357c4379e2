"""The WeCom reads the consumers need, mapped to domain objects; APIs wechatpy 1.8.18 lacks or gets
wrong (externalcontact/get's cursor, groupchat/get's need_name) are called through ``client.get/post``,
which keeps our token handling and retries."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from scrm.adapters.corp_registry import CorpRegistry
from scrm.adapters.wecom.client import WeComClient, WeComError
from scrm.adapters.wecom.token_store import DynamoTokenStorage
from scrm.domain.customer import CustomerProfile, FollowInfo, TagRef
from scrm.domain.employee import Employee
from scrm.domain.group import GroupChat, GroupMember, MemberType
from scrm.domain.tags import Tag, TagGroup
from scrm.settings import Settings

# WeCom's answers for "that thing does not exist (for us)": final, not worth a retry.
GONE = frozenset({84061, 40096, 60111, 90500, 40050, 40068, 60011, 40003})


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class WeComGateway:
    def __init__(self, client: WeComClient) -> None:
        self.client = client

    def get_customer(self, external_userid: str) -> tuple[CustomerProfile, list[FollowInfo]] | None:
        follows: list[FollowInfo] = []
        cursor = ""
        contact: dict[str, Any] = {}
        while True:
            params = {"external_userid": external_userid}
            if cursor:
                params["cursor"] = cursor
            try:
                res = self.client.get("externalcontact/get", params=params)
            except WeComError as exc:
                if exc.errcode in GONE:
                    return None
                raise
            contact = res.get("external_contact") or contact
            follows += [_follow(f) for f in res.get("follow_user") or []]
            cursor = res.get("next_cursor") or ""
            if not cursor:
                break
        profile = CustomerProfile(
            external_userid=contact.get("external_userid", external_userid),
            name=contact.get("name", ""),
            type=_int(contact.get("type")),
            gender=_int(contact.get("gender")),
            avatar=contact.get("avatar", ""),
            unionid=contact.get("unionid", ""),
            corp_name=contact.get("corp_name", ""),
            position=contact.get("position", ""),
        )
        return profile, follows

    def get_tag_groups(self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()) -> list[TagGroup]:
        body: dict[str, Any] = {}
        if tag_ids:
            body["tag_id"] = list(tag_ids)
        if group_ids:
            body["group_id"] = list(group_ids)
        try:
            res = self.client.post("externalcontact/get_corp_tag_list", data=body)
        except WeComError as exc:
            if exc.errcode in GONE:
                return []
            raise
        return [
            TagGroup(
                group_id=g.get("group_id", ""),
                name=g.get("group_name", ""),
                order=_int(g.get("order")),
                create_time=_int(g.get("create_time")),
                tags=tuple(
                    Tag(
                        tag_id=t.get("id", ""),
                        name=t.get("name", ""),
                        order=_int(t.get("order")),
                        create_time=_int(t.get("create_time")),
                    )
                    for t in g.get("tag") or []
                    if not t.get("deleted")
                ),
            )
            for g in res.get("tag_group") or []
            if not g.get("deleted")
        ]

    def get_group_chat(self, chat_id: str) -> GroupChat | None:
        try:
            res = self.client.post("externalcontact/groupchat/get", data={"chat_id": chat_id, "need_name": 1})
        except WeComError as exc:
            if exc.errcode in GONE:
                return None
            raise
        g = res.get("group_chat") or {}
        return GroupChat(
            chat_id=g.get("chat_id", chat_id),
            name=g.get("name", ""),
            owner=g.get("owner", ""),
            create_time=_int(g.get("create_time")),
            notice=g.get("notice", ""),
            member_version=g.get("member_version", ""),
            admins=tuple(a.get("userid", "") for a in g.get("admin_list") or []),
            members=tuple(
                GroupMember(
                    member_id=m.get("userid", ""),
                    type=MemberType.CUSTOMER if _int(m.get("type")) == 2 else MemberType.EMPLOYEE,
                    join_time=_int(m.get("join_time")),
                    join_scene=_int(m.get("join_scene")),
                    invitor=(m.get("invitor") or {}).get("userid", ""),
                    group_nickname=m.get("group_nickname", ""),
                    name=m.get("name", ""),
                    unionid=m.get("unionid", ""),
                )
                for m in g.get("member_list") or []
            ),
        )

    def get_user(self, userid: str) -> Employee | None:
        try:
            res = self.client.get("user/get", params={"userid": userid})
        except WeComError as exc:
            if exc.errcode in GONE:
                return None
            raise
        return Employee(
            userid=res.get("userid", userid),
            name=res.get("name", ""),
            departments=tuple(_int(d) for d in res.get("department") or []),
            position=res.get("position", ""),
            wecom_status=_int(res.get("status")),
        )


def _follow(f: dict[str, Any]) -> FollowInfo:
    return FollowInfo(
        userid=f.get("userid", ""),
        remark=f.get("remark", ""),
        description=f.get("description", ""),
        add_time=_int(f.get("createtime")),
        add_way=_int(f.get("add_way")),
        state=f.get("state", ""),
        oper_userid=f.get("oper_userid", ""),
        remark_corp_name=f.get("remark_corp_name", ""),
        remark_mobiles=tuple(f.get("remark_mobiles") or ()),
        tags=tuple(
            TagRef(
                tag_id=t.get("tag_id", ""),
                tag_name=t.get("tag_name", ""),
                group_name=t.get("group_name", ""),
                type=_int(t.get("type")) or 1,
            )
            for t in f.get("tags") or []
        ),
    )


class WeComGateways:
    """One client per corp per container: the HTTP session and token handling are reused across events."""

    def __init__(self, registry: CorpRegistry, settings: Settings) -> None:
        self._registry = registry
        self._settings = settings
        self._storage = DynamoTokenStorage()
        self._gateways: dict[str, WeComGateway] = {}
        self._lock = threading.Lock()

    def client(self, corp_id: str) -> WeComClient:
        return self.for_corp(corp_id).client

    def ensure_token(self, corp_id: str, min_remaining_s: int) -> bool:
        """Fetch a new token if the shared one has less than ``min_remaining_s`` left; True if fetched."""
        client = self.client(corp_id)
        _, expires_at = self._storage.get_with_expiry(client.access_token_key)
        if expires_at - time.time() > min_remaining_s:
            return False
        return client.refresh_locked()  # False: another caller is refreshing it right now

    def for_corp(self, corp_id: str) -> WeComGateway:
        corp = self._registry.get(corp_id)
        with self._lock:
            gw = self._gateways.get(corp_id)
            if gw is None or gw.client.secret != corp.secret:
                s = self._settings
                gw = WeComGateway(
                    WeComClient(
                        corp.corp_id,
                        corp.secret,
                        api_base=s.wecom_api_base,
                        storage=self._storage,
                        max_tries=s.wecom_max_tries,
                        backoff_base_s=s.wecom_backoff_base_s,
                        timeout_s=s.wecom_timeout_s,
                    )
                )
                self._gateways[corp_id] = gw
            return gw
