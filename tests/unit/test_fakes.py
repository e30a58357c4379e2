"""The fakes themselves: same surface as the ports and the DynamoDB store, same conditional semantics.

Every port (a Protocol of ``layers/scrm``) is listed in ``PORT_FAKES`` with the fakes of the unit tests that
stand in for it (and, for the repositories of live codes, SOPs and mass sends, the DynamoDB adapter), or in
``NO_FAKE`` with the reason; each is checked to have every method of its port with the port's parameter
names, kinds and defaults, so a fake cannot drift from the contract the service is written against."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from typing import Any

import pytest
import scrm
from scrm.acquisition import ports as acquisition_ports
from scrm.adapters.dynamo.directory import DynamoDirectory
from scrm.adapters.wecom.gateway import WeComGateway
from scrm.adapters.wecom.token_store import DynamoTokenStorage
from scrm.alerts import ports as alert_ports
from scrm.alerts.notices import AdminNotices
from scrm.callbacks import intake as callback_intake
from scrm.callbacks import redrive as parked_redrive
from scrm.contact_stats import reconcile as stats_reconcile
from scrm.contact_stats import service as contact_stats
from scrm.content import ports as content_ports
from scrm.content.repository import DynamoContent
from scrm.content.service import ContentService
from scrm.corps import access_token
from scrm.customers import groups as group_admin
from scrm.customers import ports as service_ports
from scrm.customers.customer import CustomerProfile, FollowInfo
from scrm.customers.employee import Employee, EmployeeStatus
from scrm.customers.follow import FollowStatus
from scrm.customers.group import GroupChat, GroupMember, GroupStatus, MemberType
from scrm.customers.ports import Store
from scrm.customers.repository import DynamoStore
from scrm.customers.service import CustomerAdmin
from scrm.customers.tags import Tag, TagGroup
from scrm.fission import ports as fission_ports
from scrm.fission.repository import DynamoFission
from scrm.kernel import bus
from scrm.live_codes import ports as live_code_ports
from scrm.live_codes.repository import DynamoLiveCodes
from scrm.live_codes.service import LiveCodes
from scrm.mass_sends import ports as mass_send_ports
from scrm.mass_sends.recipient_repository import DynamoCustomerNames
from scrm.mass_sends.repository import DynamoMassSends
from scrm.mass_sends.service import MassSends
from scrm.moments import ports as moment_ports
from scrm.moments import results as moment_results
from scrm.moments.repository import DynamoMoments
from scrm.sidebar import js_config as sidebar_js
from scrm.sidebar import portrait
from scrm.sidebar.portrait_repository import DynamoPortraitReads
from scrm.sops import ports as sop_ports
from scrm.sops.enrolment import SopEnrolment
from scrm.sops.planner import SopPlanner
from scrm.sops.reminders import SopReminders
from scrm.sops.repository import DynamoSops
from scrm.staff_auth import ports as staff_ports
from scrm.staff_auth.repository import DynamoMembers, DynamoStaffRoles, DynamoStaffSessions
from scrm.staff_auth.wecom import StaffLoginCalls
from scrm.stages import ports as stage_ports
from scrm.stages.repository import DynamoNotes, DynamoStages
from scrm.stores import ports as store_ports
from scrm.stores.repository import DynamoStores
from scrm.sync import full_sync
from scrm.transfers import ports as transfer_ports
from scrm.welcome import ports as welcome_ports

from tests.unit.alert_fakes import FakeAlertRepo, FakeCodes, FakeMessages, FakeReads
from tests.unit.contact_stats_fakes import FakeContactStats, FakeStatsRollups
from tests.unit.content_fakes import FakeContentRepo, FakeMediaWeCom
from tests.unit.fakes import FakeDirectory, FakeStore, FakeWeCom, StepClock
from tests.unit.fission_fakes import (
    FakeBackgrounds,
    FakeFissionRepo,
    FakeFissionWeCom,
    FakeNotices,
)
from tests.unit.fission_fakes import FakeCustomers as FakeFissionCustomers
from tests.unit.live_code_fakes import (
    FakeChannelStats,
    FakeCodeDirectory,
    FakeLiveCodeRepo,
    FakeLiveCodeWeCom,
)
from tests.unit.mass_send_fakes import FakeGroupMsg, FakeMassSendRepo, FakeNames, FakeRecipients
from tests.unit.moment_fakes import FakeDirectory as FakeMomentDirectory
from tests.unit.moment_fakes import FakeMaterials, FakeMomentRepo, FakeMomentWeCom, FakeResults
from tests.unit.moment_fakes import FakeTimeline as MomentTimeline
from tests.unit.sidebar_fakes import FakeExtra, FakeGroupExtra, FakePortraitReads
from tests.unit.sop_fakes import FakeGroups, FakeSops
from tests.unit.staff_auth_fakes import FakeLoginWeCom, FakeMembers, FakeRoles, FakeSessions
from tests.unit.stage_fakes import FakeCustomers, FakeNotes, FakeStages, FakeTagging, FakeTimeline
from tests.unit.store_fakes import FakeStaff, FakeStoreCodes, FakeStoreRepo
from tests.unit.sync_fakes import FakeBulkWeCom, FakeJobs, FakeSyncStore
from tests.unit.sync_fakes import FakeQueue as SyncQueue
from tests.unit.test_acquisition import CountingStats
from tests.unit.test_callback_intake import FakeOutbox
from tests.unit.test_customer_admin import Reads
from tests.unit.test_customer_admin import WeCom as AdminWeComFake
from tests.unit.test_group_admin import FakeGroupStore
from tests.unit.test_mass_send_planned import Notify
from tests.unit.test_parked_redrive import Table
from tests.unit.test_sop_admin import FakeDirectory as SopDirectory
from tests.unit.test_sop_admin import FakeProgress
from tests.unit.test_sop_enrolment import FakeSearch
from tests.unit.test_stats_reconcile import FakeStatsWeCom
from tests.unit.test_wecom_client_tokens import MemoryTokens
from tests.unit.transfer_fakes import FakeDirectory as TransferDirectory
from tests.unit.transfer_fakes import FakeQueue, FakeTransferRepo, FakeTransferWeCom

C = "wwc"
S, M, L, T = service_ports, mass_send_ports, live_code_ports, sop_ports

# port → what implements it in the unit tests (fakes; a few real classes a test runs against)
def bootstrap_fission_customers() -> type:
    from scrm import bootstrap

    return bootstrap._FissionCustomers


PORT_FAKES: dict[type, tuple[Any, ...]] = {
    portrait.PortraitReads: (FakePortraitReads, DynamoPortraitReads),
    portrait.Extra: (FakeExtra,),
    portrait.GroupExtra: (FakeGroupExtra,),
    bus.Queue: (FakeQueue, SyncQueue),
    L.ChannelCodes: (FakeLiveCodeRepo, DynamoLiveCodes),
    L.LiveCodeRepo: (FakeLiveCodeRepo, DynamoLiveCodes),
    L.LiveCodeWeCom: (FakeLiveCodeWeCom,),
    M.BucketStore: (FakeMassSendRepo, DynamoMassSends),
    M.MassSendRepo: (FakeMassSendRepo, DynamoMassSends),
    M.ReceivedReads: (FakeMassSendRepo, DynamoMassSends),
    M.Recipients: (FakeRecipients,),
    fission_ports.FissionRepo: (FakeFissionRepo, DynamoFission),
    fission_ports.FissionWeCom: (FakeFissionWeCom, WeComGateway),
    fission_ports.Customers: (FakeFissionCustomers, bootstrap_fission_customers()),
    fission_ports.Backgrounds: (FakeBackgrounds, ContentService),
    fission_ports.AdminNotices: (FakeNotices, AdminNotices),
    store_ports.StoreRepo: (FakeStoreRepo, DynamoStores),
    store_ports.StoreCodes: (FakeStoreCodes, LiveCodes),
    store_ports.Staff: (FakeStaff, DynamoDirectory),
    moment_ports.MomentRepo: (FakeMomentRepo, DynamoMoments),
    moment_ports.MomentWeCom: (FakeMomentWeCom, WeComGateway),
    moment_ports.Materials: (FakeMaterials, ContentService),
    moment_ports.Directory: (FakeMomentDirectory, DynamoDirectory),
    moment_results.ResultWeCom: (FakeResults, WeComGateway),
    moment_results.ResultRepo: (FakeMomentRepo, DynamoMoments),
    moment_results.Timeline: (MomentTimeline, DynamoStore),
    M.Planned: (SopPlanner.recipients,),
    M.GroupSource: (FakeGroups,),
    M.CustomerNames: (FakeNames, DynamoCustomerNames),
    M.GroupMsgWeCom: (FakeGroupMsg,),
    M.Queue: (FakeQueue,),
    M.Notify: (Notify, SopReminders.notify),
    alert_ports.AlertRepo: (FakeAlertRepo,),
    alert_ports.AlertReads: (FakeReads,),
    alert_ports.CodeNames: (FakeCodes, FakeLiveCodeRepo),
    alert_ports.MessageWeCom: (FakeMessages,),
    callback_intake.Outbox: (FakeOutbox,),
    content_ports.ContentRepo: (FakeContentRepo, DynamoContent),
    content_ports.MediaWeCom: (FakeMediaWeCom, WeComGateway),
    contact_stats.ContactStatsRepo: (FakeContactStats,),
    contact_stats.StatsRollups: (FakeStatsRollups,),
    full_sync.SyncJobs: (FakeJobs,),
    full_sync.StepQueue: (SyncQueue,),
    full_sync.BulkWeCom: (FakeBulkWeCom,),
    full_sync.SyncStore: (FakeSyncStore,),
    group_admin.GroupLabels: (FakeGroupStore,),
    parked_redrive.ParkedStore: (Table,),
    S.Store: (FakeStore, FakeSyncStore),
    S.WeCom: (FakeWeCom,),
    S.WeComDirectory: (FakeDirectory,),
    S.CustomerReads: (Reads,),
    S.CustomerSearch: (FakeSearch,),
    S.GroupPages: (FakeGroupStore, DynamoStore),
    S.AdminWeCom: (AdminWeComFake,),
    acquisition_ports.ChannelStatsRepo: (FakeChannelStats, CountingStats),
    welcome_ports.WelcomeWeCom: (FakeLiveCodeWeCom,),
    S.Directory: (TransferDirectory, FakeCodeDirectory),
    S.EventObserver: (SopEnrolment,),
    stats_reconcile.StatsWeCom: (FakeStatsWeCom,),
    T.SopRepo: (FakeSops, DynamoSops),
    T.Directory: (SopDirectory, FakeCodeDirectory),
    T.Progress: (FakeProgress,),
    T.DueRepo: (FakeSops, DynamoSops),
    T.Pages: (FakeRecipients,),
    T.OwnedGroups: (FakeGroups,),
    T.Queue: (FakeQueue,),
    T.PlannerRepo: (FakeSops, DynamoSops),
    T.Sends: (MassSends,),
    T.Relations: (FakeRecipients,),
    T.Groups: (FakeGroups,),
    staff_ports.RoleRepo: (FakeRoles, DynamoStaffRoles),
    staff_ports.SessionRepo: (FakeSessions, DynamoStaffSessions),
    staff_ports.LoginWeCom: (FakeLoginWeCom, StaffLoginCalls),
    staff_ports.Members: (FakeMembers, DynamoMembers),
    sidebar_js.TicketSource: (WeComGateway,),
    access_token.TokenStore: (MemoryTokens, DynamoTokenStorage),
    stage_ports.StageRepo: (FakeStages, DynamoStages),
    stage_ports.NoteRepo: (FakeNotes, DynamoNotes),
    stage_ports.Customers: (FakeCustomers,),
    stage_ports.Timeline: (FakeTimeline, FakeStore, DynamoStore),
    stage_ports.Tagging: (FakeTagging, CustomerAdmin),
    transfer_ports.TransferRepo: (FakeTransferRepo,),
    transfer_ports.TransferWeCom: (FakeTransferWeCom,),
}
NO_FAKE = {  # port name → why no unit test fakes it
    "scrm.corps.token_refresh.Registry": "the token job runs against the real registry (tests/integration)",
    "scrm.corps.token_refresh.TokenKeeper": "the token job runs against the real WeCom client (tests/integration)",
}


def protocol_methods(proto: type) -> list[str]:
    return [n for n, v in vars(proto).items() if inspect.isfunction(v) and not n.startswith("_")]


def port_methods(proto: type) -> dict[str, inspect.Signature]:
    """Every method of the port and of the ports it extends (``__call__`` for a callable port)."""
    names = {n for c in proto.__mro__ if c not in (object, typing.Protocol, typing.Generic)
             for n, v in vars(c).items() if inspect.isfunction(v) and (not n.startswith("_") or n == "__call__")}  # fmt: skip
    return {n: inspect.signature(getattr(proto, n)) for n in names}


def shape(sig: inspect.Signature) -> list[tuple[str, Any, Any]]:
    """Parameter names, kinds and defaults (annotations are strings under postponed evaluation, and a fake
    may answer a narrower type: a list where the port says Iterable)."""
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


def ports_of_the_code() -> list[type]:
    """Every Protocol class defined in layers/scrm (the adapters and the CLI define none)."""
    found = []
    for m in pkgutil.walk_packages(scrm.__path__, "scrm."):
        if m.name.startswith(("scrm.adapters.", "scrm.cli")):
            continue
        mod = importlib.import_module(m.name)
        found += [c for c in vars(mod).values() if inspect.isclass(c) and c.__module__ == mod.__name__
                  and getattr(c, "_is_protocol", False)]  # fmt: skip
    return found


def test_every_port_of_the_code_has_its_fakes_listed() -> None:
    ports = ports_of_the_code()
    assert len(ports) >= len(PORT_FAKES)
    missing = [f"{p.__module__}.{p.__qualname__}" for p in ports if p not in PORT_FAKES]
    assert sorted(missing) == sorted(NO_FAKE)


@pytest.mark.parametrize(
    ("proto", "fake"),
    [(p, f) for p, fakes in PORT_FAKES.items() for f in fakes],
    ids=lambda x: getattr(x, "__qualname__", str(x)),
)
def test_fakes_implement_every_port_method_with_the_same_signature(proto: type, fake: Any) -> None:
    wanted = port_methods(proto)
    assert wanted, proto
    if inspect.isfunction(fake):  # a method standing in for a callable port
        assert list(wanted) == ["__call__"], proto
        assert shape(inspect.signature(fake)) == shape(wanted["__call__"]), fake
        return
    for name, sig in wanted.items():
        assert hasattr(fake, name), f"{fake.__name__} lacks {name}"
        got = inspect.signature(getattr(fake, name))
        assert shape(got) == shape(sig), f"{fake.__name__}.{name}{got} != {proto.__name__}.{name}{sig}"


def test_dynamo_store_has_the_same_surface() -> None:
    for name in protocol_methods(Store):
        assert list(inspect.signature(getattr(DynamoStore, name)).parameters) == list(
            inspect.signature(getattr(FakeStore, name)).parameters
        ), name


def test_refreshed_data_written_only_when_strictly_newer() -> None:
    s = FakeStore()
    s.save_customer(C, CustomerProfile("wm1", name="new"), 200)
    s.save_customer(C, CustomerProfile("wm1", name="old"), 100)
    s.save_customer(C, CustomerProfile("wm1", name="same"), 200)
    assert s.customer(C, "wm1")["name"] == "new"  # type: ignore[index]
    s.save_customer(C, CustomerProfile("wm1", name=""), 300)
    assert s.customer(C, "wm1")["name"] is None  # type: ignore[index]  # '' is written as NULL


def test_status_written_when_not_older() -> None:
    s = FakeStore()
    assert s.set_follow_status(C, "wm1", "u", FollowStatus.DELETED_BY_CUSTOMER, 50, {})
    assert not s.set_follow_status(C, "wm1", "u", FollowStatus.ACTIVE, 49, {})
    assert s.set_follow_status(C, "wm1", "u", FollowStatus.DELETED_BY_CUSTOMER, 50, {})
    assert s.follow(C, "wm1", "u")["status"] == "deleted_by_customer"  # type: ignore[index]


def test_sync_follow_keeps_status_and_creates_active() -> None:
    s = FakeStore()
    s.sync_follow(C, "wm1", FollowInfo("u", add_time=5), 1)
    rel = s.follow(C, "wm1", "u")
    assert rel is not None and (rel["status"], rel["status_version"], rel["add_sk"]) == (
        "active",
        0,
        f"{5:010d}#wm1",
    )
    s.set_follow_status(C, "wm1", "u", FollowStatus.DELETED_BY_EMPLOYEE, 10, {})
    s.sync_follow(C, "wm1", FollowInfo("u", remark="r"), 2)
    rel = s.follow(C, "wm1", "u")
    assert rel is not None and (rel["status"], rel["status_version"], rel["remark"]) == (
        "deleted_by_employee",
        10,
        "r",
    )


def test_set_follow_status_state_only_if_absent() -> None:
    s = FakeStore()
    s.set_follow_status(C, "wm1", "u", FollowStatus.ACTIVE, 10, {"half_added": True, "state": "first"})
    s.set_follow_status(C, "wm1", "u", FollowStatus.ACTIVE, 20, {"half_added": False, "state": "second"})
    rel = s.follow(C, "wm1", "u")
    assert rel is not None and (rel["state"], rel["half_added"], rel["status_at"]) == ("first", False, 2)


def test_timeline_repeat_overwrites() -> None:
    s = FakeStore()
    s.add_timeline(C, "corp", 5, "e1", {"event": "x", "n": 1})
    s.add_timeline(C, "corp", 5, "e1", {"event": "x", "n": 2})
    s.add_timeline(C, "corp", 5, "e0", {"event": "y"})
    assert [(e["event_id"], e["entry"].get("n")) for e in s.timeline_of(C, "corp")] == [
        ("e0", None),
        ("e1", 2),
    ]


def test_timeline_entry_must_be_json() -> None:
    with pytest.raises(TypeError):
        FakeStore().add_timeline(C, "corp", 5, "e1", {"event": "x", "bad": {1, 2}})


def test_delete_tag_group_marks_tags_and_respects_versions() -> None:
    s = FakeStore()
    s.save_tag_groups(C, [TagGroup("g1", "G", tags=(Tag("t1", "a"), Tag("t2", "b"))), TagGroup("g2", "H")], 1)
    assert s.delete_tag(C, "g1", True, 100)
    assert all(s.tags[(C, k)]["deleted"] for k in ("group#g1", "tag#t1", "tag#t2"))
    assert "deleted" not in s.tags[(C, "group#g2")]
    assert not s.delete_tag(C, "t1", False, 99)
    assert s.tag(C, "t1")["deleted_version"] == 100  # type: ignore[index]


def test_save_group_marks_missing_members_left_and_ignores_old_reads() -> None:
    s = FakeStore()
    a, b = GroupMember("wmA", MemberType.CUSTOMER), GroupMember("u1", MemberType.EMPLOYEE)
    s.save_group(C, GroupChat("c1", members=(a, b)), 10)
    s.save_group(C, GroupChat("c1", members=(a,)), 20)
    assert s.member(C, "c1", "u1") == {**s.member(C, "c1", "u1"), "status": "left", "left_seen_ms": 20}  # type: ignore[dict-item]
    s.save_group(C, GroupChat("c1", name="stale", members=(a, b)), 15)
    assert s.member(C, "c1", "u1")["status"] == "left"  # type: ignore[index]
    assert s.group(C, "c1")["name"] is None  # type: ignore[index]
    s.set_group_status(C, "c1", GroupStatus.DISMISSED, 50)
    s.save_group(C, GroupChat("c1", members=(a, b)), 30)
    assert s.group(C, "c1")["status"] == "dismissed"  # type: ignore[index]
    assert s.member(C, "c1", "u1")["status"] == "member"  # type: ignore[index]


def test_employee_status_and_rename() -> None:
    s = FakeStore()
    s.save_employee(C, Employee("u1", name="A"), 1)
    assert s.employee(C, "u1")["status"] == "active"  # type: ignore[index]
    assert s.set_employee_status(C, "u1", EmployeeStatus.RENAMED, 10, renamed_to="u2")
    assert s.employee(C, "u1")["renamed_to"] == "u2"  # type: ignore[index]
    assert s.set_employee_status(C, "u1", EmployeeStatus.ACTIVE, 11)
    assert "renamed_to" not in s.employee(C, "u1")  # type: ignore[operator]
    assert not s.set_employee_status(C, "u1", EmployeeStatus.DELETED, 9)


def test_fake_wecom_returns_none_for_unknown_and_records_calls() -> None:
    d = FakeDirectory()
    w = d.for_corp(C)
    assert w is d.corp(C) and d.calls == [C]
    assert w.get_customer("nope") is None
    assert w.get_group_chat("nope") is None
    assert w.get_user("nope") is None
    assert w.get_tag_groups() == []
    w.add_tag_group(TagGroup("g1", "G", tags=(Tag("t1", "a"), Tag("t2", "b"))))
    assert [t.tag_id for g in w.get_tag_groups(tag_ids=["t2"]) for t in g.tags] == ["t2"]
    assert [g.group_id for g in w.get_tag_groups(tag_ids=["t2"], group_ids=["g1"])] == ["g1"]
    assert [n for n, _ in w.calls] == [
        "get_customer",
        "get_group_chat",
        "get_user",
        "get_tag_groups",
        "get_tag_groups",
        "get_tag_groups",
    ]
    assert d.for_corp("other") is not w


def test_step_clock() -> None:
    clock = StepClock(10.0)
    assert [clock(), clock(), clock()] == [10.0, 11.0, 12.0]
