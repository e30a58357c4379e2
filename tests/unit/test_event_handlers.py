"""scrm.customers.handlers: what each callback event changes, through the in-memory fakes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from scrm.customers.customer import CustomerProfile, FollowInfo, TagRef
from scrm.customers.employee import Employee
from scrm.customers.group import GroupChat, GroupMember, MemberType
from scrm.customers.handlers import Handlers, timeline_entry
from scrm.customers.tags import Tag, TagGroup
from scrm.kernel.event_key import event_id, event_key
from scrm.kernel.versions import version_of

from tests.unit.fakes import CORP, FakeDirectory, FakeStore, FakeWeCom, event_fields

T = 1_700_000_000
EXT = "wmEXT1"
UID = "zhangsan"


def send(handlers: Handlers, fields: dict[str, Any]) -> list[str]:
    """Deliver as the consumer does: the queue message (JSON) with the key's event id."""
    message = json.loads(json.dumps({"event_id": event_id(event_key(fields)), "fields": fields}))
    out = handlers.apply_message(message)
    assert out["event_id"] == message["event_id"]
    return out["effects"]


def eid(fields: dict[str, Any]) -> str:
    return event_id(event_key(fields))


def contact(change: str, t: int = T, user: str = UID, ext: str = EXT, **extra: Any) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    if user:
        ids["UserID"] = user
    if ext:
        ids["ExternalUserID"] = ext
    return event_fields(CORP, "change_external_contact", change, t, **ids, **extra)


def seed_customer(wecom: FakeWeCom, ext: str = EXT, name: str = "王五") -> None:
    wecom.add_customer(
        CustomerProfile(ext, name=name, type=1, gender=1, avatar="https://a/1.png", unionid="un1"),
        FollowInfo(
            UID,
            remark="老客户",
            add_time=T - 100,
            add_way=1,
            state="poster",
            tags=(TagRef("etT1", "VIP", "等级", 1),),
        ),
        FollowInfo("lisi", remark="", add_time=T - 50, add_way=3),
    )


# change_external_contact ------------------------------------------------------------------------


def test_add_external_contact(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    seed_customer(wecom)
    fields = contact("add_external_contact", State="poster", WelcomeCode="WELCOME-SECRET")
    effects = send(handlers, fields)
    assert effects == ["follow:active", "customer:refreshed", "follows:2", "timeline"]

    rel = store.follow(CORP, EXT, UID)
    assert rel is not None
    assert rel["status"] == "active"
    assert rel["status_version"] == version_of(T, "add_external_contact")
    assert rel["status_at"] == T
    assert rel["half_added"] is False
    assert rel["state"] == "poster"
    assert rel["remark"] == "老客户"
    assert rel["tag_ids"] == {"etT1"}
    assert rel["add_time"] == T - 100

    other = store.follow(CORP, EXT, "lisi")  # first seen through the refresh: active, version 0
    assert other is not None
    assert (other["status"], other["status_version"]) == ("active", 0)

    cust = store.customer(CORP, EXT)
    assert cust is not None and (cust["name"], cust["unionid"], cust["type"]) == ("王五", "un1", 1)
    assert wecom.calls_to("get_customer") == [(EXT,)]

    (entry,) = store.timeline_of(CORP, f"customer:{EXT}")
    assert entry["event_id"] == eid(fields)
    assert entry["create_time"] == T
    assert (entry["event"], entry["change_type"]) == ("change_external_contact", "add_external_contact")
    assert entry["entry"]["fields"]["State"] == "poster"
    assert "WelcomeCode" not in entry["entry"]["fields"]  # one-time code is not kept
    assert "ToUserName" not in entry["entry"]["fields"] and "FromUserName" not in entry["entry"]["fields"]
    assert "WELCOME-SECRET" not in json.dumps(store.timeline_of(CORP, f"customer:{EXT}"), ensure_ascii=False)


class _Channels:
    """The acquisition's lookups, recorded; no state is a channel code here."""

    def __init__(self) -> None:
        self.looked_up: list[str] = []

    def code(self, corp_id: str, state: str) -> None:
        self.looked_up.append(state)

    def count_loss(self, *args: Any) -> list[str]:
        return []


def test_a_fission_state_is_not_looked_up_among_the_channel_codes(
    store: FakeStore, directory: FakeDirectory, wecom: FakeWeCom, clock: Any
) -> None:
    """fi:<campaign>:<inviter> is a fission inviter's way (scrm.kernel.sources): 10,000 inviters were 10,000
    channel-code reads (misses) per consumer process (issue 21). Any other state is still looked up."""
    channels = _Channels()
    handlers = Handlers(store, directory, clock=clock, channels=channels)  # type: ignore[arg-type]
    seed_customer(wecom)
    send(handlers, contact("add_external_contact", State="fi:ab12cd34:k000000001"))
    assert channels.looked_up == []
    send(handlers, contact("add_external_contact", t=T + 5, user="lisi", State="poster"))
    assert channels.looked_up == ["poster"]
    (_, entry) = sorted(store.timeline_of(CORP, f"customer:{EXT}"), key=lambda e: e["create_time"])
    assert entry["entry"]["source"] == "channel"


def test_add_half_external_contact(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    seed_customer(wecom)
    effects = send(handlers, contact("add_half_external_contact", State="qr1"))
    assert effects == ["follow:active", "customer:refreshed", "follows:2", "timeline"]
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None
    assert (rel["status"], rel["half_added"]) == ("active", True)
    assert rel["status_version"] == version_of(T, "add_half_external_contact")


def test_half_add_then_confirmed_add_clears_half_added(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    seed_customer(wecom)
    send(handlers, contact("add_half_external_contact", t=T))
    send(handlers, contact("add_external_contact", t=T + 30))
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None and (rel["status"], rel["half_added"]) == ("active", False)


def test_edit_external_contact_refreshes_only(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    seed_customer(wecom)
    effects = send(handlers, contact("edit_external_contact"))
    assert effects == ["customer:refreshed", "follows:2", "timeline"]
    assert store.calls_to("set_follow_status") == []
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None and (rel["status"], rel["status_version"], rel["remark"]) == (
        "active",
        0,
        "老客户",
    )


def test_edit_picks_up_a_new_remark(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    seed_customer(wecom)
    send(handlers, contact("add_external_contact", t=T))
    profile, _ = wecom.customers[EXT]
    wecom.add_customer(profile, FollowInfo(UID, remark="新备注", add_time=T - 100, tags=()))
    send(handlers, contact("edit_external_contact", t=T + 60))
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None
    assert (rel["remark"], rel["tags"], rel["tag_ids"]) == ("新备注", [], None)
    assert rel["status"] == "active"


@pytest.mark.parametrize(
    ("source", "status"),
    [("", "deleted_by_employee"), ("DELETE_BY_TRANSFER", "transferred")],
)
def test_del_external_contact(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom, source: str, status: str
) -> None:
    seed_customer(wecom)
    send(handlers, contact("add_external_contact", t=T))
    extra = {"Source": source} if source else {}
    effects = send(handlers, contact("del_external_contact", t=T + 10, **extra))
    assert effects == [f"follow:{status}", "timeline"]
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None
    assert (rel["status"], rel["status_version"], rel["status_at"]) == (
        status,
        version_of(T + 10, "del_external_contact"),
        T + 10,
    )
    assert len(wecom.calls_to("get_customer")) == 1  # deletes do not refresh


def test_del_follow_user(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    seed_customer(wecom)
    send(handlers, contact("add_external_contact", t=T))
    effects = send(handlers, contact("del_follow_user", t=T + 10))
    assert effects == ["follow:deleted_by_customer", "timeline"]
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None and rel["status"] == "deleted_by_customer"
    other = store.follow(CORP, EXT, "lisi")
    assert other is not None and other["status"] == "active"  # only that employee's relation
    assert [e["change_type"] for e in store.timeline_of(CORP, f"customer:{EXT}")] == [
        "add_external_contact",
        "del_follow_user",
    ]


def test_delete_for_a_relation_never_seen_creates_it(handlers: Handlers, store: FakeStore) -> None:
    effects = send(handlers, contact("del_follow_user", t=T))
    assert effects == ["follow:deleted_by_customer", "timeline"]
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None
    assert rel["add_sk"] == f"{T:010d}#{EXT}"
    assert "half_added" not in rel


def test_transfer_fail_noted_on_customer(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    seed_customer(wecom)
    send(handlers, contact("add_external_contact", t=T))
    effects = send(handlers, contact("transfer_fail", t=T + 5, user="taker", FailReason="customer_refused"))
    assert effects == ["customer:transfer_fail", "timeline"]
    cust = store.customer(CORP, EXT)
    assert cust is not None
    assert cust["last_transfer_fail"] == {
        "takeover_userid": "taker",
        "reason": "customer_refused",
        "create_time": T + 5,
    }
    assert cust["name"] == "王五"  # the profile is untouched
    assert store.follow(CORP, EXT, "taker") is None  # no relation for the taker
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None and rel["status"] == "active"
    assert len(wecom.calls_to("get_customer")) == 1


def test_older_transfer_fail_does_not_replace_a_newer_note(handlers: Handlers, store: FakeStore) -> None:
    send(handlers, contact("transfer_fail", t=T + 5, user="t2", FailReason="customer_limit_exceed"))
    send(handlers, contact("transfer_fail", t=T, user="t1", FailReason="customer_refused"))
    cust = store.customer(CORP, EXT)
    assert cust is not None and cust["last_transfer_fail"]["takeover_userid"] == "t2"


# ordering and redelivery --------------------------------------------------------------------------


def test_late_older_edit_after_del_follow_user_keeps_deleted(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    seed_customer(wecom)  # WeCom still lists the follow: a customer-deleted relation is one-way, not gone
    send(handlers, contact("add_external_contact", t=T))
    send(handlers, contact("del_follow_user", t=T + 10))
    effects = send(handlers, contact("edit_external_contact", t=T + 5))
    assert effects == ["customer:refreshed", "follows:2", "timeline"]
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None
    assert rel["status"] == "deleted_by_customer"
    assert rel["status_version"] == version_of(T + 10, "del_follow_user")


def test_late_older_add_after_delete_is_stale(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    seed_customer(wecom)
    send(handlers, contact("del_follow_user", t=T + 10))
    effects = send(handlers, contact("add_external_contact", t=T))
    assert effects[0] == "follow:stale"
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None and rel["status"] == "deleted_by_customer"


@pytest.mark.parametrize(
    "late", ["add_external_contact", "add_half_external_contact", "edit_external_contact"]
)
@pytest.mark.parametrize("delete", ["del_follow_user", "del_external_contact"])
def test_same_second_add_or_edit_after_delete_keeps_deleted(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom, late: str, delete: str
) -> None:
    seed_customer(wecom)
    send(handlers, contact(delete, t=T))
    send(handlers, contact(late, t=T))
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None
    assert rel["status"] == ("deleted_by_customer" if delete == "del_follow_user" else "deleted_by_employee")


def test_same_second_delete_after_add_wins(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    seed_customer(wecom)
    send(handlers, contact("add_external_contact", t=T))
    assert send(handlers, contact("del_follow_user", t=T))[0] == "follow:deleted_by_customer"
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None and rel["status"] == "deleted_by_customer"


def test_re_add_in_a_later_second_revives(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    seed_customer(wecom)
    send(handlers, contact("del_follow_user", t=T))
    assert send(handlers, contact("add_external_contact", t=T + 1))[0] == "follow:active"
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None and rel["status"] == "active"


def test_same_event_twice_is_harmless(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    seed_customer(wecom)
    fields = contact("add_external_contact", State="poster")
    first = send(handlers, fields)
    snapshot = (
        json.dumps(store.timeline_of(CORP, f"customer:{EXT}"), sort_keys=True, ensure_ascii=False),
        store.follow(CORP, EXT, UID)["status"],  # type: ignore[index]
    )
    second = send(handlers, fields)
    assert first == second == ["follow:active", "customer:refreshed", "follows:2", "timeline"]
    assert len(store.timeline_of(CORP, f"customer:{EXT}")) == 1
    assert (
        json.dumps(store.timeline_of(CORP, f"customer:{EXT}"), sort_keys=True, ensure_ascii=False),
        store.follow(CORP, EXT, UID)["status"],  # type: ignore[index]
    ) == snapshot
    assert len(store.follows) == 2


def test_redelivered_delete_is_harmless(handlers: Handlers, store: FakeStore) -> None:
    fields = contact("del_external_contact", t=T)
    send(handlers, fields)
    assert send(handlers, fields) == ["follow:deleted_by_employee", "timeline"]
    assert len(store.timeline_of(CORP, f"customer:{EXT}")) == 1


def test_refresh_of_a_customer_wecom_no_longer_knows(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    effects = send(handlers, contact("add_external_contact"))
    assert effects == ["follow:active", "customer:gone", "timeline"]
    assert store.customer(CORP, EXT) is None
    assert store.calls_to("sync_follow") == []
    rel = store.follow(CORP, EXT, UID)
    assert rel is not None and rel["status"] == "active"
    assert wecom.calls_to("get_customer") == [(EXT,)]
    assert send(handlers, contact("edit_external_contact", t=T + 1)) == ["customer:gone", "timeline"]


def test_event_without_user_sets_no_status(handlers: Handlers, store: FakeStore) -> None:
    assert send(handlers, contact("del_follow_user", user="")) == ["timeline"]
    assert store.follows == {}


def test_event_without_external_user_touches_no_customer(
    handlers: Handlers, store: FakeStore, directory: FakeDirectory
) -> None:
    assert send(handlers, contact("add_external_contact", ext="")) == []
    assert store.follows == {} and store.timeline == {}
    assert directory.calls == []


def test_corps_are_kept_apart(handlers: Handlers, store: FakeStore, directory: FakeDirectory) -> None:
    seed_customer(directory.corp("wwother"))
    other = event_fields(
        "wwother", "change_external_contact", "add_external_contact", T, UserID=UID, ExternalUserID=EXT
    )
    assert send(handlers, other) == ["follow:active", "customer:refreshed", "follows:2", "timeline"]
    assert directory.calls == ["wwother"]
    assert store.follow("wwother", EXT, UID) is not None
    assert store.follow(CORP, EXT, UID) is None


# change_external_chat ---------------------------------------------------------------------------

CHAT = "wrCHAT1"


def member(mid: str, kind: MemberType = MemberType.CUSTOMER, **kw: Any) -> GroupMember:
    return GroupMember(mid, kind, join_time=T - 100, join_scene=1, **kw)


def chat_group(*members: GroupMember, name: str = "VIP 客户群", version: str = "v1") -> GroupChat:
    return GroupChat(
        CHAT, name=name, owner=UID, create_time=T - 1000, member_version=version, members=members
    )


def chat(change: str, t: int = T, **extra: Any) -> dict[str, Any]:
    return event_fields(CORP, "change_external_chat", change, t, ChatId=CHAT, **extra)


def test_chat_create(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_group_chat(chat_group(member(UID, MemberType.EMPLOYEE), member("wmA"), member("wmB")))
    effects = send(handlers, chat("create"))
    assert effects == ["group:created", "group:refreshed:3", "timeline"]
    g = store.group(CORP, CHAT)
    assert g is not None
    assert (g["status"], g["status_version"], g["name"], g["owner"], g["member_count"]) == (
        "active",
        version_of(T, "create"),
        "VIP 客户群",
        UID,
        3,
    )
    assert {k[2]: v["status"] for k, v in store.members.items()} == {
        UID: "member",
        "wmA": "member",
        "wmB": "member",
    }
    assert store.member(CORP, CHAT, UID)["type"] == "employee"  # type: ignore[index]
    assert [e["change_type"] for e in store.timeline_of(CORP, f"chat:{CHAT}")] == ["create"]


def test_chat_update_add_member(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_group_chat(chat_group(member(UID, MemberType.EMPLOYEE), member("wmA")))
    send(handlers, chat("create", t=T))
    wecom.add_group_chat(
        chat_group(member(UID, MemberType.EMPLOYEE), member("wmA"), member("wmNEW"), version="v2")
    )
    fields = chat(
        "update",
        t=T + 10,
        UpdateDetail="add_member",
        JoinScene=3,
        MemChangeCnt=1,
        MemChangeList=["wmNEW"],
        LastMemVer="v1",
        CurMemVer="v2",
    )
    effects = send(handlers, fields)
    assert effects == ["group:refreshed:3", "timeline", "customer_timelines:1"]
    assert store.member(CORP, CHAT, "wmNEW")["status"] == "member"  # type: ignore[index]
    g = store.group(CORP, CHAT)
    assert g is not None and (g["member_version"], g["member_count"], g["status"]) == ("v2", 3, "active")
    (entry,) = store.timeline_of(CORP, "customer:wmNEW")
    assert entry["event_id"] == eid(fields)
    assert entry["entry"]["chat_id"] == CHAT
    assert entry["entry"]["fields"]["UpdateDetail"] == "add_member"
    assert store.timeline_of(CORP, "customer:wmA") == []


def test_chat_update_del_member(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_group_chat(
        chat_group(
            member(UID, MemberType.EMPLOYEE),
            member("lisi", MemberType.EMPLOYEE),
            member("wmA"),
            member("woB"),
        )
    )
    send(handlers, chat("create", t=T))
    wecom.add_group_chat(chat_group(member(UID, MemberType.EMPLOYEE), member("wmA"), version="v2"))
    fields = chat(
        "update",
        t=T + 10,
        UpdateDetail="del_member",
        QuitScene=1,
        MemChangeCnt=2,
        MemChangeList=["woB", "lisi"],
        CurMemVer="v2",
    )
    effects = send(handlers, fields)
    assert effects == ["group:refreshed:2", "timeline", "customer_timelines:1"]
    left = store.member(CORP, CHAT, "woB")
    assert left is not None and left["status"] == "left" and "left_seen_ms" in left
    assert store.member(CORP, CHAT, "lisi")["status"] == "left"  # type: ignore[index]
    assert store.member(CORP, CHAT, "wmA")["status"] == "member"  # type: ignore[index]
    assert len(store.timeline_of(CORP, "customer:woB")) == 1
    assert store.timeline_of(CORP, "customer:lisi") == []  # an employee is not a customer


def test_member_who_rejoins_is_a_member_again(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_group_chat(chat_group(member("wmA")))
    send(handlers, chat("create", t=T))
    wecom.add_group_chat(chat_group())
    send(handlers, chat("update", t=T + 1, UpdateDetail="del_member", MemChangeList=["wmA"]))
    assert store.member(CORP, CHAT, "wmA")["status"] == "left"  # type: ignore[index]
    wecom.add_group_chat(chat_group(member("wmA")))
    send(handlers, chat("update", t=T + 2, UpdateDetail="add_member", MemChangeList=["wmA"]))
    m = store.member(CORP, CHAT, "wmA")
    assert m is not None and m["status"] == "member" and "left_seen_ms" not in m
    assert len(store.timeline_of(CORP, "customer:wmA")) == 2


def test_customer_known_in_group_without_prefix_gets_a_timeline(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    wecom.add_group_chat(chat_group(member("extCUSTOMER")))
    send(handlers, chat("update", UpdateDetail="add_member", MemChangeList=["extCUSTOMER"]))
    assert len(store.timeline_of(CORP, "customer:extCUSTOMER")) == 1


def test_employee_whose_userid_starts_like_a_customer_id_is_not_a_customer(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    wecom.add_group_chat(chat_group(member(UID, MemberType.EMPLOYEE), member("wolei", MemberType.EMPLOYEE)))
    send(handlers, chat("update", UpdateDetail="add_member", MemChangeList=["wolei"]))
    assert store.timeline_of(CORP, "customer:wolei") == []


@pytest.mark.parametrize("detail", ["change_owner", "change_name", "change_notice"])
def test_chat_update_other_details_refresh_without_customer_timelines(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom, detail: str
) -> None:
    wecom.add_group_chat(chat_group(member("wmA"), name="新群名"))
    effects = send(handlers, chat("update", UpdateDetail=detail, MemChangeList=["wmA"]))
    assert effects == ["group:refreshed:1", "timeline"]
    g = store.group(CORP, CHAT)
    assert g is not None and g["name"] == "新群名"
    assert store.timeline_of(CORP, "customer:wmA") == []


def test_chat_dismiss(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_group_chat(chat_group(member("wmA")))
    send(handlers, chat("create", t=T))
    effects = send(handlers, chat("dismiss", t=T + 100))
    assert effects == ["group:dismissed", "timeline"]
    g = store.group(CORP, CHAT)
    assert g is not None and (g["status"], g["status_version"]) == (
        "dismissed",
        version_of(T + 100, "dismiss"),
    )
    assert len(wecom.calls_to("get_group_chat")) == 1  # dismiss reads nothing
    assert [e["change_type"] for e in store.timeline_of(CORP, f"chat:{CHAT}")] == ["create", "dismiss"]


def test_late_update_after_dismiss_does_not_undismiss(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    wecom.add_group_chat(chat_group(member("wmA")))  # WeCom still answers with the old group
    send(handlers, chat("dismiss", t=T + 100))
    effects = send(handlers, chat("update", t=T + 50, UpdateDetail="change_name"))
    assert effects == ["group:refreshed:1", "timeline"]
    g = store.group(CORP, CHAT)
    assert g is not None and g["status"] == "dismissed"
    assert g["status_version"] == version_of(T + 100, "dismiss")


def test_late_create_after_dismiss_is_stale(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_group_chat(chat_group(member("wmA")))
    send(handlers, chat("dismiss", t=T + 100))
    assert send(handlers, chat("create", t=T))[0] == "group:stale"
    assert store.group(CORP, CHAT)["status"] == "dismissed"  # type: ignore[index]


def test_same_second_create_after_dismiss_is_stale(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    send(handlers, chat("dismiss", t=T))
    assert send(handlers, chat("create", t=T))[0] == "group:stale"
    assert store.group(CORP, CHAT)["status"] == "dismissed"  # type: ignore[index]


def test_chat_update_for_a_group_wecom_does_not_know(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    effects = send(handlers, chat("update", UpdateDetail="add_member", MemChangeList=["wmA"]))
    assert effects == ["group:gone", "timeline"]
    assert store.group(CORP, CHAT) is None
    assert store.timeline_of(CORP, "customer:wmA") == []
    assert len(store.timeline_of(CORP, f"chat:{CHAT}")) == 1


def test_chat_update_twice_is_harmless(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_group_chat(chat_group(member("wmA")))
    fields = chat("update", UpdateDetail="add_member", MemChangeList=["wmA"])
    assert send(handlers, fields) == send(handlers, fields)
    assert len(store.timeline_of(CORP, f"chat:{CHAT}")) == 1
    assert len(store.timeline_of(CORP, "customer:wmA")) == 1
    assert len(store.members) == 1


# change_external_tag ----------------------------------------------------------------------------

GROUP = TagGroup(
    "etGROUP1", "等级", order=1, create_time=T - 500, tags=(Tag("etT1", "VIP", 2), Tag("etT2", "普通", 1))
)


def tag(change: str, t: int = T, **extra: Any) -> dict[str, Any]:
    return event_fields(CORP, "change_external_tag", change, t, **extra)


@pytest.mark.parametrize("change", ["create", "update"])
def test_tag_create_or_update(handlers: Handlers, store: FakeStore, wecom: FakeWeCom, change: str) -> None:
    wecom.add_tag_group(GROUP)
    effects = send(handlers, tag(change, Id="etT1", TagType="tag"))
    assert effects == ["tags:refreshed:1", "timeline"]
    assert wecom.calls_to("get_tag_groups") == [(("etT1",), ())]
    t1 = store.tag(CORP, "etT1")
    assert t1 is not None and (t1["name"], t1["group_id"], t1["order"], t1["kind"]) == (
        "VIP",
        "etGROUP1",
        2,
        "tag",
    )
    g = store.tag_group(CORP, "etGROUP1")
    assert g is not None and g["name"] == "等级"
    assert store.tag(CORP, "etT2") is None  # only the tag asked for
    assert [e["change_type"] for e in store.timeline_of(CORP, "tags")] == [change]


@pytest.mark.parametrize("change", ["create", "update"])
def test_tag_group_create_or_update(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom, change: str
) -> None:
    wecom.add_tag_group(GROUP)
    effects = send(handlers, tag(change, Id="etGROUP1", TagType="tag_group"))
    assert effects == ["tags:refreshed:2", "timeline"]
    assert wecom.calls_to("get_tag_groups") == [((), ("etGROUP1",))]
    assert store.tag(CORP, "etT1") is not None and store.tag(CORP, "etT2") is not None


def test_tag_update_renames(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_tag_group(GROUP)
    send(handlers, tag("create", t=T, Id="etT1", TagType="tag"))
    wecom.add_tag_group(TagGroup("etGROUP1", "等级", 1, T - 500, tags=(Tag("etT1", "SVIP", 5),)))
    send(handlers, tag("update", t=T + 1, Id="etT1", TagType="tag"))
    t1 = store.tag(CORP, "etT1")
    assert t1 is not None and (t1["name"], t1["order"]) == ("SVIP", 5)


def test_tag_refresh_of_a_tag_wecom_does_not_know(handlers: Handlers, store: FakeStore) -> None:
    assert send(handlers, tag("update", Id="etGONE", TagType="tag")) == ["tags:refreshed:0", "timeline"]
    assert store.tags == {}


def test_tag_delete(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_tag_group(GROUP)
    send(handlers, tag("create", t=T, Id="etGROUP1", TagType="tag_group"))
    effects = send(handlers, tag("delete", t=T + 1, Id="etT1", TagType="tag"))
    assert effects == ["tags:deleted", "timeline"]
    t1 = store.tag(CORP, "etT1")
    assert t1 is not None and (t1["deleted"], t1["deleted_version"]) == (True, version_of(T + 1, "delete"))
    assert "deleted" not in store.tag(CORP, "etT2")  # type: ignore[operator]
    assert "deleted" not in store.tag_group(CORP, "etGROUP1")  # type: ignore[operator]
    assert len(wecom.calls_to("get_tag_groups")) == 1  # delete reads nothing


def test_tag_group_delete_marks_its_tags(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_tag_group(GROUP)
    wecom.add_tag_group(TagGroup("etGROUP2", "来源", tags=(Tag("etT9", "展会"),)))
    send(handlers, tag("shuffle", t=T, Id=""))  # loads both groups
    effects = send(handlers, tag("delete", t=T + 1, Id="etGROUP1", TagType="tag_group"))
    assert effects == ["tags:deleted", "timeline"]
    for item in (store.tag_group(CORP, "etGROUP1"), store.tag(CORP, "etT1"), store.tag(CORP, "etT2")):
        assert item is not None and item["deleted"] is True
    assert "deleted" not in store.tag(CORP, "etT9")  # type: ignore[operator]
    assert "deleted" not in store.tag_group(CORP, "etGROUP2")  # type: ignore[operator]


def test_delete_of_a_tag_never_seen_is_recorded(handlers: Handlers, store: FakeStore) -> None:
    assert send(handlers, tag("delete", Id="etX", TagType="tag")) == ["tags:deleted", "timeline"]
    item = store.tag(CORP, "etX")
    assert item is not None and (item["deleted"], item["kind"], item["id"]) == (True, "tag", "etX")


def test_late_tag_update_after_delete_keeps_deleted(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    wecom.add_tag_group(GROUP)  # WeCom (eventually consistent) still returns it
    send(handlers, tag("delete", t=T + 10, Id="etT1", TagType="tag"))
    send(handlers, tag("update", t=T, Id="etT1", TagType="tag"))
    t1 = store.tag(CORP, "etT1")
    assert t1 is not None and t1["deleted"] is True and t1["name"] == "VIP"


def test_redelivered_tag_delete_is_harmless(handlers: Handlers, store: FakeStore) -> None:
    fields = tag("delete", Id="etX", TagType="tag")
    send(handlers, fields)
    assert send(handlers, fields) == ["tags:deleted", "timeline"]
    assert len(store.timeline_of(CORP, "tags")) == 1


def test_older_tag_delete_is_stale(handlers: Handlers, store: FakeStore) -> None:
    send(handlers, tag("delete", t=T + 10, Id="etX", TagType="tag"))
    assert send(handlers, tag("delete", t=T, Id="etX", TagType="tag")) == ["tags:stale", "timeline"]
    assert store.tag(CORP, "etX")["deleted_version"] == version_of(T + 10, "delete")  # type: ignore[index]


def test_shuffle_with_id_reloads_that_group(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_tag_group(GROUP)
    wecom.add_tag_group(TagGroup("etGROUP2", "来源", tags=(Tag("etT9", "展会"),)))
    effects = send(handlers, tag("shuffle", Id="etGROUP1"))
    assert effects == ["tags:refreshed:2", "timeline"]
    assert wecom.calls_to("get_tag_groups") == [((), ("etGROUP1",))]
    assert store.tag_group(CORP, "etGROUP2") is None


def test_shuffle_without_id_reloads_everything(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    wecom.add_tag_group(GROUP)
    wecom.add_tag_group(TagGroup("etGROUP2", "来源", tags=(Tag("etT9", "展会"),)))
    effects = send(handlers, tag("shuffle"))
    assert effects == ["tags:refreshed:3", "timeline"]
    assert wecom.calls_to("get_tag_groups") == [((), ())]
    assert store.tag_group(CORP, "etGROUP2") is not None and store.tag(CORP, "etT9") is not None


def test_shuffle_picks_up_new_orders(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_tag_group(GROUP)
    send(handlers, tag("shuffle", t=T))
    wecom.add_tag_group(
        TagGroup("etGROUP1", "等级", order=9, tags=(Tag("etT1", "VIP", 1), Tag("etT2", "普通", 2)))
    )
    send(handlers, tag("shuffle", t=T + 1, Id="etGROUP1"))
    assert store.tag_group(CORP, "etGROUP1")["order"] == 9  # type: ignore[index]
    assert (store.tag(CORP, "etT1")["order"], store.tag(CORP, "etT2")["order"]) == (1, 2)  # type: ignore[index]


@pytest.mark.parametrize("change", ["create", "update", "delete", "shuffle"])
def test_strategy_tags_are_only_recorded(
    handlers: Handlers, store: FakeStore, directory: FakeDirectory, change: str
) -> None:
    fields = tag(change, Id="etS1", TagType="tag", StrategyId="42")
    assert send(handlers, fields) == ["tags:strategy_recorded", "timeline"]
    assert directory.calls == []
    assert store.tags == {}
    (entry,) = store.timeline_of(CORP, "tags")
    assert entry["entry"]["fields"]["StrategyId"] == "42"


# change_contact ---------------------------------------------------------------------------------


def user(change: str, t: int = T, uid: str = "lisi", **extra: Any) -> dict[str, Any]:
    return event_fields(CORP, "change_contact", change, t, UserID=uid, **extra)


def test_create_user(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_user(Employee("lisi", name="李四", departments=(1, 2), position="销售", wecom_status=1))
    effects = send(handlers, user("create_user"))
    assert effects == ["employee:refreshed", "timeline"]
    emp = store.employee(CORP, "lisi")
    assert emp is not None
    assert (emp["name"], emp["departments"], emp["position"], emp["wecom_status"]) == (
        "李四",
        [1, 2],
        "销售",
        1,
    )
    assert (emp["status"], emp["status_version"]) == ("active", version_of(T, "create_user"))
    assert wecom.calls_to("get_user") == [("lisi",)]
    assert [e["change_type"] for e in store.timeline_of(CORP, "employee:lisi")] == ["create_user"]


def test_update_user_refreshes(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_user(Employee("lisi", name="李四"))
    send(handlers, user("create_user", t=T))
    wecom.add_user(Employee("lisi", name="李四四", position="经理"))
    assert send(handlers, user("update_user", t=T + 5)) == ["employee:refreshed", "timeline"]
    emp = store.employee(CORP, "lisi")
    assert emp is not None and (emp["name"], emp["position"], emp["status"]) == ("李四四", "经理", "active")
    assert emp["status_version"] == version_of(T + 5, "update_user")


def test_update_user_rename(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_user(Employee("lisi", name="李四"))
    send(handlers, user("create_user", t=T))
    wecom.users.pop("lisi")
    wecom.add_user(Employee("lisi_new", name="李四"))
    effects = send(handlers, user("update_user", t=T + 5, NewUserID="lisi_new"))
    assert effects == ["employee:renamed", "employee:refreshed", "timeline"]
    old = store.employee(CORP, "lisi")
    assert old is not None
    assert (old["status"], old["renamed_to"], old["status_version"]) == (
        "renamed",
        "lisi_new",
        version_of(T + 5, "update_user"),
    )
    new = store.employee(CORP, "lisi_new")
    assert new is not None and (new["status"], new["name"]) == ("active", "李四")
    assert wecom.calls_to("get_user") == [("lisi",), ("lisi_new",)]
    assert [e["change_type"] for e in store.timeline_of(CORP, "employee:lisi")] == [
        "create_user",
        "update_user",
    ]


def test_update_user_with_the_same_new_user_id_is_no_rename(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    wecom.add_user(Employee("lisi", name="李四"))
    assert send(handlers, user("update_user", NewUserID="lisi")) == ["employee:refreshed", "timeline"]
    emp = store.employee(CORP, "lisi")
    assert emp is not None and emp["status"] == "active" and "renamed_to" not in emp


def test_delete_user(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_user(Employee("lisi", name="李四"))
    send(handlers, user("create_user", t=T))
    assert send(handlers, user("delete_user", t=T + 10)) == ["employee:deleted", "timeline"]
    emp = store.employee(CORP, "lisi")
    assert emp is not None
    assert (emp["status"], emp["status_version"], emp["name"]) == (
        "deleted",
        version_of(T + 10, "delete_user"),
        "李四",
    )
    assert len(wecom.calls_to("get_user")) == 1  # delete reads nothing


def test_late_update_after_delete_keeps_deleted(
    handlers: Handlers, store: FakeStore, wecom: FakeWeCom
) -> None:
    wecom.add_user(Employee("lisi", name="李四-old"))  # WeCom still answers
    send(handlers, user("delete_user", t=T + 10))
    effects = send(handlers, user("update_user", t=T + 5))
    assert effects == ["employee:refreshed_stale_status", "timeline"]
    emp = store.employee(CORP, "lisi")
    assert emp is not None and emp["status"] == "deleted" and emp["name"] == "李四-old"


def test_same_second_update_after_delete_keeps_deleted(handlers: Handlers, store: FakeStore) -> None:
    send(handlers, user("delete_user", t=T))
    assert send(handlers, user("update_user", t=T)) == ["employee:gone", "timeline"]
    assert store.employee(CORP, "lisi")["status"] == "deleted"  # type: ignore[index]


def test_late_create_after_delete_is_stale(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    wecom.add_user(Employee("lisi"))
    send(handlers, user("delete_user", t=T + 10))
    send(handlers, user("create_user", t=T))
    assert store.employee(CORP, "lisi")["status"] == "deleted"  # type: ignore[index]


def test_rehire_in_a_later_second_revives(handlers: Handlers, store: FakeStore, wecom: FakeWeCom) -> None:
    send(handlers, user("delete_user", t=T))
    wecom.add_user(Employee("lisi", name="李四"))
    assert send(handlers, user("create_user", t=T + 1)) == ["employee:refreshed", "timeline"]
    assert store.employee(CORP, "lisi")["status"] == "active"  # type: ignore[index]


def test_user_wecom_does_not_know(handlers: Handlers, store: FakeStore) -> None:
    assert send(handlers, user("create_user")) == ["employee:gone", "timeline"]
    assert store.employees == {}


# unknown ----------------------------------------------------------------------------------------


def test_unknown_event_kept_on_the_corp_timeline(
    handlers: Handlers, store: FakeStore, directory: FakeDirectory
) -> None:
    fields = event_fields(CORP, "msgaudit_notify", None, T, AgentID="1000002")
    assert send(handlers, fields) == ["unknown:kept"]
    (entry,) = store.timeline_of(CORP, "corp")
    assert entry["event_id"] == eid(fields)
    assert entry["entry"] == {
        "event": "msgaudit_notify",
        "change_type": "",
        "fields": {
            "CreateTime": str(T),
            "MsgType": "event",
            "Event": "msgaudit_notify",
            "AgentID": "1000002",
        },
        "unknown": True,
    }
    assert entry["change_type"] is None
    assert directory.calls == []
    assert store.subjects(CORP) == {"corp"}


def test_unknown_event_with_external_user_kept_on_the_customer(handlers: Handlers, store: FakeStore) -> None:
    fields = contact("msg_audit_approved", WelcomeCode="W")
    assert send(handlers, fields) == ["unknown:kept"]
    (entry,) = store.timeline_of(CORP, f"customer:{EXT}")
    assert entry["entry"]["unknown"] is True
    assert entry["change_type"] == "msg_audit_approved"
    assert "WelcomeCode" not in entry["entry"]["fields"]
    assert store.timeline_of(CORP, "corp") == []
    assert store.follows == {}


def test_known_event_with_unknown_change_type_is_kept(handlers: Handlers, store: FakeStore) -> None:
    fields = chat("archive", Foo="bar")
    assert send(handlers, fields) == ["unknown:kept"]
    assert store.timeline_of(CORP, "corp")[0]["entry"]["fields"]["Foo"] == "bar"
    assert store.groups == {}


def test_unknown_event_with_nested_fields_is_kept(handlers: Handlers, store: FakeStore) -> None:
    fields = {**event_fields(CORP, "batch_job_result", None, T), "BatchJob": {"JobId": "J1", "ErrCode": "0"}}
    assert send(handlers, fields) == ["unknown:kept"]
    assert store.timeline_of(CORP, "corp")[0]["entry"]["fields"]["BatchJob"] == {
        "JobId": "J1",
        "ErrCode": "0",
    }


# helpers ----------------------------------------------------------------------------------------


def test_timeline_entry_drops_only_the_private_fields() -> None:
    from scrm.kernel.events import parse_event

    e = parse_event(contact("add_external_contact", State="s", WelcomeCode="W"))
    assert timeline_entry(e, x=1) == {
        "event": "change_external_contact",
        "change_type": "add_external_contact",
        "fields": {
            "CreateTime": str(T),
            "MsgType": "event",
            "Event": "change_external_contact",
            "ChangeType": "add_external_contact",
            "UserID": UID,
            "ExternalUserID": EXT,
            "State": "s",
        },
        "x": 1,
    }


def test_handlers_use_the_default_clock(store: FakeStore, directory: FakeDirectory) -> None:
    seed_customer(directory.corp(CORP))
    Handlers(store, directory).apply_message({"event_id": "e1", "fields": contact("edit_external_contact")})
    cust = store.customer(CORP, EXT)
    assert cust is not None and cust["synced_at_ms"] > 1_600_000_000_000
