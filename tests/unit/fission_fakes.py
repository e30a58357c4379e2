"""In-memory stand-ins for fission's ports, with the DynamoDB adapter's conditional semantics (versions,
put-if-absent credits, one code per inviter)."""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from scrm.fission.model import Campaign, Inviter
from scrm.kernel.wecom_error import WeComError


class FakeFissionRepo:
    def __init__(self) -> None:
        self.campaigns_: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}
        self.inviters_: dict[tuple[str, str, str], tuple[dict[str, Any], int]] = {}
        self.credits_: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.due_: set[tuple[str, str, int, str]] = set()
        self.waiting_: set[tuple[str, str, str]] = set()
        self.lock = threading.RLock()  # each conditional write atomic, as DynamoDB's are
        self.seen: set[tuple[str, str, str]] = set()
        self.free: dict[tuple[str, str], list[str]] = {}
        self.used: dict[tuple[str, str, str], str] = {}

    def campaign(self, corp_id: str, campaign_id: str) -> Campaign | None:
        found = self.campaigns_.get((corp_id, campaign_id))
        return Campaign.from_item(copy.deepcopy(found[0]), found[1]) if found else None

    def campaigns(self, corp_id: str) -> list[Campaign]:
        return [c for (corp, cid) in list(self.campaigns_) if corp == corp_id and (c := self.campaign(corp, cid))]

    def add_campaign(self, corp_id: str, campaign: Campaign) -> bool:
        with self.lock:
            if (corp_id, campaign.campaign_id) in self.campaigns_:
                return False
            self.campaigns_[(corp_id, campaign.campaign_id)] = (copy.deepcopy(campaign.to_item()), 1)
            campaign.version = 1
            return True

    def save_campaign(self, corp_id: str, campaign: Campaign) -> bool:
        with self.lock:
            found = self.campaigns_.get((corp_id, campaign.campaign_id))
            if found is None or found[1] != campaign.version:
                return False
            campaign.version += 1
            self.campaigns_[(corp_id, campaign.campaign_id)] = (copy.deepcopy(campaign.to_item()), campaign.version)
            return True

    def inviter(self, corp_id: str, campaign_id: str, key: str) -> Inviter | None:
        found = self.inviters_.get((corp_id, campaign_id, key))
        return Inviter.from_item(copy.deepcopy(found[0]), found[1]) if found else None

    def inviters(self, corp_id: str, campaign_id: str, after: str = "", limit: int = 100) -> tuple[list[Inviter], str]:
        keys = sorted(k for (c, cid, k) in self.inviters_ if c == corp_id and cid == campaign_id and k > after)
        page = [self.inviter(corp_id, campaign_id, k) for k in keys[:limit]]
        return [p for p in page if p], (keys[limit - 1] if len(keys) > limit else "")

    def add_inviter(self, corp_id: str, inviter: Inviter) -> bool:
        with self.lock:
            key = (corp_id, inviter.campaign_id, inviter.key)
            if key in self.inviters_:
                return False
            self.inviters_[key] = (copy.deepcopy(inviter.to_item()), 1)
            inviter.version = 1
            return True

    def save_inviter(self, corp_id: str, inviter: Inviter) -> bool:
        with self.lock:
            key = (corp_id, inviter.campaign_id, inviter.key)
            found = self.inviters_.get(key)
            if found is None or found[1] != inviter.version:
                return False
            inviter.version += 1
            self.inviters_[key] = (copy.deepcopy(inviter.to_item()), inviter.version)
            return True

    def claim_friend(self, corp_id: str, campaign_id: str, friend: str, key: str, userid: str, at: int) -> str:
        found = self.credits_.setdefault((corp_id, friend, campaign_id),
                                         {"campaign_id": campaign_id, "key": key, "userid": userid, "at": at})  # fmt: skip
        return str(found["key"])

    def credits(self, corp_id: str, friend: str) -> list[dict[str, Any]]:
        return [dict(v) for (c, f, _), v in self.credits_.items() if c == corp_id and f == friend]

    def add_due(self, corp_id: str, campaign_id: str, due_at: int, key: str) -> None:
        self.due_.add((corp_id, campaign_id, due_at, key))

    def due(self, corp_id: str, campaign_id: str, now: int, limit: int = 100) -> list[tuple[int, str]]:
        return sorted((at, k) for (c, cid, at, k) in self.due_ if c == corp_id and cid == campaign_id and at <= now)[:limit]

    def drop_due(self, corp_id: str, campaign_id: str, due_at: int, key: str) -> None:
        self.due_.discard((corp_id, campaign_id, due_at, key))

    def add_codes(self, corp_id: str, campaign_id: str, codes: Sequence[str]) -> int:
        with self.lock:
            added = 0
            for code in dict.fromkeys(codes):
                if (corp_id, campaign_id, code) in self.seen:
                    continue
                self.seen.add((corp_id, campaign_id, code))
                self.free.setdefault((corp_id, campaign_id), []).append(code)
                added += 1
            return added

    def draw_code(self, corp_id: str, campaign_id: str, key: str) -> str | None:
        with self.lock:
            if (corp_id, campaign_id, key) in self.used:
                return self.used[(corp_id, campaign_id, key)]
            free = self.free.get((corp_id, campaign_id)) or []
            if not free:
                return None
            code = free.pop(0)
            self.used[(corp_id, campaign_id, key)] = code
            return code

    def add_waiting(self, corp_id: str, campaign_id: str, key: str) -> None:
        self.waiting_.add((corp_id, campaign_id, key))

    def waiting(self, corp_id: str, campaign_id: str, limit: int = 100) -> list[str]:
        return sorted(k for (c, cid, k) in self.waiting_ if c == corp_id and cid == campaign_id)[:limit]

    def waiting_count(self, corp_id: str, campaign_id: str) -> int:
        return len(self.waiting(corp_id, campaign_id, 10**9))

    def drop_waiting(self, corp_id: str, campaign_id: str, key: str) -> None:
        self.waiting_.discard((corp_id, campaign_id, key))

    def pool(self, corp_id: str, campaign_id: str) -> dict[str, int]:
        return {"free": len(self.free.get((corp_id, campaign_id)) or []),
                "used": sum(1 for (c, cid, _) in self.used if c == corp_id and cid == campaign_id)}  # fmt: skip


class FakeFissionWeCom:
    def __init__(self) -> None:
        self.ways: dict[str, dict[str, Any]] = {}
        self.sends: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.ids = itertools.count(1)
        self.fail_add: WeComError | Exception | None = None
        self.lose_answer = False  # the way is made, then the call raises (the answer lost)

    def add_contact_way(self, wecom_type: int, fields: dict[str, Any]) -> tuple[str, str]:
        self.calls.append("add_contact_way")
        if self.fail_add is not None:
            raise self.fail_add
        config_id = f"cfg{next(self.ids)}"
        self.ways[config_id] = {"config_id": config_id, "type": wecom_type, **fields, "qr_code": f"https://qr/{config_id}",
                                "create_time": fields.get("_at", 0)}  # fmt: skip
        if self.lose_answer:
            raise TimeoutError("answer lost")
        return config_id, f"https://qr/{config_id}"

    def get_contact_way(self, config_id: str) -> dict[str, Any]:
        self.calls.append("get_contact_way")
        if config_id not in self.ways:
            raise WeComError(41044, "no such way")
        return dict(self.ways[config_id])

    def del_contact_way(self, config_id: str) -> None:
        self.calls.append("del_contact_way")
        if self.ways.pop(config_id, None) is None:
            raise WeComError(41044, "no such way")

    def list_contact_way(self, start_time: int, end_time: int) -> list[str]:
        self.calls.append("list_contact_way")
        return list(self.ways)

    def add_msg_template(
        self,
        chat_type: str,
        content: dict[str, Any],
        sender: str = "",
        external_userids: Sequence[str] = (),
        chat_ids: Sequence[str] = (),
        allow_select: bool = False,
    ) -> tuple[str, list[str]]:
        self.calls.append("add_msg_template")
        msgid = f"msg{next(self.ids)}"
        self.sends.append({"msgid": msgid, "sender": sender, "to": list(external_userids), "text": content["text"]["content"]})
        return msgid, []

    def groupmsg_list(
        self, chat_type: str, start_time: int, end_time: int, creator: str = "", filter_type: int = 2
    ) -> Iterator[dict[str, Any]]:
        for s in self.sends:
            if s["sender"] == creator:
                yield {"msgid": s["msgid"], "text": {"content": s["text"]}}


class FakeCustomers:
    def __init__(self) -> None:
        self.profiles: dict[tuple[str, str], dict[str, Any]] = {}
        self.relations: dict[tuple[str, str], set[str]] = {}
        self.added: dict[tuple[str, str], dict[str, int]] = {}  # relation → when it was added

    def customer(self, corp_id: str, external_userid: str) -> dict[str, Any] | None:
        return self.profiles.get((corp_id, external_userid))

    def members_of(self, corp_id: str, external_userid: str) -> list[str]:
        return sorted(self.relations.get((corp_id, external_userid), set()))

    def is_friend(self, corp_id: str, external_userid: str, userid: str) -> bool:
        return userid in self.relations.get((corp_id, external_userid), set())

    def known_before(self, corp_id: str, external_userid: str, userid: str, at: int) -> bool:
        return any(u != userid and t < at for u, t in self.added.get((corp_id, external_userid), {}).items())


class FakeBackgrounds:
    def __init__(self, images: dict[str, bytes] | None = None) -> None:
        self.images = images or {}

    def media(self, corp_id: str, material_id: str) -> tuple[str, str, bytes] | None:
        raw = self.images.get(material_id)
        return ("image", f"{material_id}.png", raw) if raw is not None else None


class FakeNotices:
    def __init__(self) -> None:
        self.sent: dict[str, list[str]] = {}  # the last notice of each key
        self.times: list[tuple[str, int]] = []  # every (key, at) sent: the real notices send once per pair

    def notify_admins(self, corp_id: str, key: str, at: int, title: str, lines: Sequence[str]) -> dict[str, str]:
        if (key, at) in self.times:
            return {"admin": "sent_before"}
        self.times.append((key, at))
        self.sent[key] = [title, *lines]
        return {"admin": "sent"}


class FakeDirectory:
    def __init__(self, known: set[str]) -> None:
        self.known = known

    def known_employees(self, corp_id: str, userids: Sequence[str]) -> set[str]:
        return {u for u in userids if u in self.known}

    def departed_employees(self, corp_id: str) -> list[str]:
        return []

    def known_tags(self, corp_id: str) -> set[str]:
        return set()

    def known_groups(self, corp_id: str, chat_ids: Sequence[str]) -> set[str]:
        return set()
