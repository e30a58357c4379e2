"""The WeCom reads the consumers need, mapped to domain objects; APIs wechatpy 1.8.18 lacks or gets
wrong (externalcontact/get's cursor, groupchat/get's need_name) are called through ``client.get/post``,
which keeps our token handling and retries."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from scrm.adapters.corp_registry import CorpRegistry
from scrm.adapters.wecom.client import WeComClient, WeComError
from scrm.adapters.wecom.live_code_calls import LiveCodeCalls
from scrm.adapters.wecom.message_calls import MessageCalls
from scrm.adapters.wecom.stats_calls import StatsCalls
from scrm.adapters.wecom.token_store import DynamoTokenStorage
from scrm.adapters.wecom.transfer_calls import TransferCalls
from scrm.content.wecom import MediaCalls
from scrm.corps.access_token import worth_refreshing
from scrm.customers.customer import CustomerProfile, FollowInfo, TagRef
from scrm.customers.employee import Employee
from scrm.customers.group import GroupChat, GroupMember, MemberType
from scrm.customers.tags import Tag, TagGroup
from scrm.fission.wecom import FissionCalls
from scrm.kernel import wecom_errors as errcodes
from scrm.kernel.throttle import Throttled
from scrm.mass_sends.wecom import GroupMsgCalls
from scrm.moments.wecom import MomentCalls
from scrm.settings import Settings
from scrm.sidebar.wecom import TicketCalls
from scrm.staff_auth.wecom import StaffLoginCalls


class Limiter(Protocol):
    def acquire(self, corp_id: str, api: str) -> None: ...


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _texts(answer: dict[str, Any], *names: str) -> dict[str, Any]:
    """WeCom's text fields that keep their name in our records, '' when absent."""
    return {name: answer.get(name, "") for name in names}


def _ints(answer: dict[str, Any], *names: str) -> dict[str, Any]:
    """WeCom's number fields that keep their name in our records, 0 when absent or not a number."""
    return {name: _int(answer.get(name)) for name in names}


class WeComGateway(LiveCodeCalls, StatsCalls, MessageCalls, TransferCalls, GroupMsgCalls, StaffLoginCalls, TicketCalls,
                   MediaCalls, MomentCalls, FissionCalls):
    """``limiter`` (bulk work only) is asked before every call, so that a sync spends a shared budget."""

    def __init__(self, client: WeComClient, limiter: Limiter | None = None) -> None:
        self.client = client
        self.limiter = limiter

    @property
    def calls(self) -> int:
        return self.client.calls

    @property
    def access_token_key(self) -> str:
        """Which app (corp and secret) the calls are made as: its JS-SDK ticket is kept under this key too."""
        return self.client.access_token_key

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        return self._call("get", path, params=params)

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        return self._call("post", path, data=body)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self.limiter is not None:
            self.limiter.acquire(self.client.corp_id, path)
        try:
            return getattr(self.client, method)(path, **kwargs)
        except WeComError as exc:
            if errcodes.is_throttle(exc.errcode) and self.limiter is not None:
                raise Throttled(path, 60.0) from None
            raise

    # bulk reads (full sync) -------------------------------------------------------------------
    def list_employees(self) -> list[Employee]:
        """Every member in the app's visibility scope (department 1 with its children)."""
        res = self._get("user/list", {"department_id": 1, "fetch_child": 1})
        return [_employee(u) for u in res.get("userlist") or []]

    def customers_page(
        self, userids: Sequence[str], cursor: str = "", limit: int = 100
    ) -> tuple[list[tuple[CustomerProfile, FollowInfo]], str]:
        """One page of batch/get_by_user: (profile, that employee's view of the customer) pairs."""
        body: dict[str, Any] = {"userid_list": list(userids), "limit": limit}
        if cursor:
            body["cursor"] = cursor
        res = self._post("externalcontact/batch/get_by_user", body)
        out = []
        for entry in res.get("external_contact_list") or []:
            info = dict(entry.get("follow_info") or {})
            info["tags"] = [{"tag_id": t} for t in info.get("tag_id") or []]
            out.append((_profile(entry.get("external_contact") or {}, ""), _follow(info)))
        return out, res.get("next_cursor") or ""

    def group_chats_page(
        self, owners: Sequence[str], cursor: str = "", limit: int = 1000
    ) -> tuple[list[str], str]:
        body: dict[str, Any] = {
            "status_filter": 0,
            "owner_filter": {"userid_list": list(owners)},
            "limit": limit,
        }
        if cursor:
            body["cursor"] = cursor
        res = self._post("externalcontact/groupchat/list", body)
        return [g["chat_id"] for g in res.get("group_chat_list") or [] if g.get("chat_id")], res.get(
            "next_cursor"
        ) or ""

    # writes (the admin API; WeCom sends no callback for them) ---------------------------------
    def mark_tag(self, userid: str, external_userid: str, add: Sequence[str], remove: Sequence[str]) -> None:
        body: dict[str, Any] = {"userid": userid, "external_userid": external_userid}
        if add:
            body["add_tag"] = list(add)
        if remove:
            body["remove_tag"] = list(remove)
        self._post("externalcontact/mark_tag", body)

    def remark(self, userid: str, external_userid: str, fields: dict[str, Any]) -> None:
        self._post("externalcontact/remark", {"userid": userid, "external_userid": external_userid, **fields})

    def add_corp_tags(
        self, names: Sequence[str], group_id: str = "", group_name: str = "", order: int | None = None
    ) -> TagGroup:
        body: dict[str, Any] = {"tag": [{"name": n} for n in names]}
        if group_id:
            body["group_id"] = group_id
        else:
            body["group_name"] = group_name
        if order is not None:
            body["order"] = order
        res = self._post("externalcontact/add_corp_tag", body)
        return _tag_group(res.get("tag_group") or {})

    def edit_corp_tag(self, tag_or_group_id: str, name: str | None = None, order: int | None = None) -> None:
        body: dict[str, Any] = {"id": tag_or_group_id}
        if name is not None:
            body["name"] = name
        if order is not None:
            body["order"] = order
        self._post("externalcontact/edit_corp_tag", body)

    def del_corp_tags(self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()) -> None:
        self._post("externalcontact/del_corp_tag", {"tag_id": list(tag_ids), "group_id": list(group_ids)})

    def get_customer(self, external_userid: str) -> tuple[CustomerProfile, list[FollowInfo]] | None:
        follows: list[FollowInfo] = []
        cursor = ""
        contact: dict[str, Any] = {}
        while True:
            params = {"external_userid": external_userid}
            if cursor:
                params["cursor"] = cursor
            try:
                res = self._get("externalcontact/get", params)
            except WeComError as exc:
                if errcodes.is_gone(exc.errcode):
                    return None
                raise
            contact = res.get("external_contact") or contact
            follows += [_follow(f) for f in res.get("follow_user") or []]
            cursor = res.get("next_cursor") or ""
            if not cursor:
                break
        return _profile(contact, external_userid), follows

    def get_tag_groups(self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()) -> list[TagGroup]:
        body: dict[str, Any] = {}
        if tag_ids:
            body["tag_id"] = list(tag_ids)
        if group_ids:
            body["group_id"] = list(group_ids)
        try:
            res = self._post("externalcontact/get_corp_tag_list", body)
        except WeComError as exc:
            if errcodes.is_gone(exc.errcode):
                return []
            raise
        return [_tag_group(g) for g in res.get("tag_group") or [] if not g.get("deleted")]

    def get_group_chat(self, chat_id: str) -> GroupChat | None:
        try:
            res = self._post("externalcontact/groupchat/get", {"chat_id": chat_id, "need_name": 1})
        except WeComError as exc:
            if errcodes.is_gone(exc.errcode):
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
                    **_ints(m, "join_time", "join_scene"),
                    invitor=(m.get("invitor") or {}).get("userid", ""),
                    **_texts(m, "group_nickname", "name", "unionid"),
                )
                for m in g.get("member_list") or []
            ),
        )

    def get_user(self, userid: str) -> Employee | None:
        try:
            res = self._get("user/get", {"userid": userid})
        except WeComError as exc:
            if errcodes.is_gone(exc.errcode):
                return None
            raise
        return _employee(res, userid)


def _employee(u: dict[str, Any], userid: str = "") -> Employee:
    return Employee(
        userid=u.get("userid", userid),
        name=u.get("name", ""),
        departments=tuple(_int(d) for d in u.get("department") or []),
        position=u.get("position", ""),
        wecom_status=_int(u.get("status")),
    )


def _profile(contact: dict[str, Any], external_userid: str) -> CustomerProfile:
    return CustomerProfile(
        external_userid=contact.get("external_userid", external_userid),
        **_texts(contact, "name", "avatar", "unionid", "corp_name", "position"),
        **_ints(contact, "type", "gender"),
    )


def _tag_group(g: dict[str, Any]) -> TagGroup:
    return TagGroup(
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


def _follow(f: dict[str, Any]) -> FollowInfo:
    return FollowInfo(
        **_texts(f, "userid", "remark", "description", "state", "oper_userid", "remark_corp_name"),
        add_time=_int(f.get("createtime")),
        add_way=_int(f.get("add_way")),
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

    def __init__(self, registry: CorpRegistry, settings: Settings, limiter: Limiter | None = None) -> None:
        self._registry = registry
        self._limiter = limiter
        self._settings = settings
        self._storage = DynamoTokenStorage()
        self._gateways: dict[str, WeComGateway] = {}
        self._lock = threading.Lock()

    def client(self, corp_id: str) -> WeComClient:
        return self.for_corp(corp_id).client

    def ensure_token(self, corp_id: str, min_remaining_s: int) -> bool:
        """Fetch a token if the shared one has less than ``min_remaining_s`` left and a ``gettoken`` could
        bring a longer-lived one (not when WeCom just handed this one back); True if fetched."""
        client = self.client(corp_id)
        if not worth_refreshing(self._storage.current(client.access_token_key), time.time(), min_remaining_s):
            return False
        # False: another caller is refreshing it right now, or just did
        return client.refresh_locked(lambda stored, now: worth_refreshing(stored, now, min_remaining_s))

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
                    ),
                    self._limiter,
                )
                self._gateways[corp_id] = gw
            return gw
