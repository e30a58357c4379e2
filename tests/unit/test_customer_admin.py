"""The admin service's rules without I/O: bad input never reaches WeCom; WeCom's refusals become clear
4xx/5xx; an accepted edit is read back from WeCom and stored."""

from __future__ import annotations

from typing import Any

import pytest
from scrm.domain.customer import CustomerProfile, FollowInfo, TagRef
from scrm.domain.tags import Tag, TagGroup
from scrm.domain.wecom_error import WeComError
from scrm.kernel.errors import DomainError
from scrm.services.customer_admin import CustomerAdmin

from tests.unit.fakes import FakeStore
from tests.unit.refusals import status

CORP = "wwadmin"
LIB = [{"group_id": "etg", "name": "级别", "tags": [{"tag_id": "et1", "name": "金"}, {"tag_id": "et2", "name": "银"}]}]


class Reads:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.library = list(LIB)

    def customer_view(self, corp_id: str, external_userid: str, timeline_limit: int = 20) -> dict[str, Any] | None:
        return None

    def follow(self, corp_id: str, external_userid: str, userid: str) -> dict[str, Any] | None:
        f = self.store.follow(corp_id, external_userid, userid)
        return dict(f) if f else None

    def tag_library(self, corp_id: str) -> list[dict[str, Any]]:
        return self.library

    def employees_page(self, corp_id: str, after: str = "", limit: int = 100):
        return [], ""


class WeCom:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail: WeComError | None = None
        self.remarks: dict[str, str] = {}
        self.tags: set[str] = {"et1"}

    def _call(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        if self.fail is not None:
            raise self.fail

    def remark(self, userid, external_userid, fields):
        self._call("remark", userid, external_userid, fields)
        self.remarks.update(fields)

    def mark_tag(self, userid, external_userid, add, remove):
        self._call("mark_tag", userid, external_userid, add, remove)
        self.tags = (self.tags | set(add)) - set(remove)

    def get_customer(self, external_userid):
        self.calls.append(("get_customer", (external_userid,)))
        return CustomerProfile(external_userid, name="王"), [FollowInfo("u1", remark=self.remarks.get("remark", ""),
                                                             tags=tuple(TagRef(t) for t in sorted(self.tags)))]

    def get_tag_groups(self, tag_ids=(), group_ids=()):
        return [TagGroup("etg", "级别", tags=(Tag("et1", "金"),))]

    def add_corp_tags(self, names, group_id="", group_name="", order=None):
        self._call("add_corp_tags", names, group_id, group_name)
        return TagGroup("etg", "级别", tags=tuple(Tag(f"etn{i}", n) for i, n in enumerate(names)))

    def edit_corp_tag(self, tag_or_group_id, name=None, order=None):
        self._call("edit_corp_tag", tag_or_group_id, name, order)

    def del_corp_tags(self, tag_ids=(), group_ids=()):
        self._call("del_corp_tags", tuple(tag_ids), tuple(group_ids))


@pytest.fixture
def rig():
    store = FakeStore()
    store.sync_follow(CORP, "wm1", FollowInfo("u1", tags=(TagRef("et1"),)), 1)
    wecom = WeCom()
    svc = CustomerAdmin(store, search=None, reads=Reads(store), wecom=lambda corp: wecom)  # type: ignore[arg-type]
    return svc, store, wecom


@pytest.mark.parametrize("body, field", [
    ({"userid": "u1", "remark": "长" * 21}, "remark"),
    ({"userid": "u1", "description": "x" * 151}, "description"),
    ({"userid": "u1", "remark": 5}, "remark"),
    ({"userid": "u1", "remark_mobiles": ["1"] * 6}, "remark_mobiles"),
    ({"remark": "ok"}, "userid"),
    ({"userid": "u9", "remark": "ok"}, "userid"),
])
def test_bad_remarks_never_reach_wecom(rig, body, field):
    svc, store, wecom = rig
    with pytest.raises(DomainError) as err:
        svc.edit_remark(CORP, "wm1", body)
    assert err.value.field == field and status(err.value) in (400, 404)
    assert wecom.calls == []


def test_an_accepted_remark_is_read_back_and_stored(rig):
    svc, store, wecom = rig
    out = svc.edit_remark(CORP, "wm1", {"userid": "u1", "remark": "老客户"})
    assert [c[0] for c in wecom.calls] == ["remark", "get_customer"]
    assert out["remark"] == "老客户" and store.follow(CORP, "wm1", "u1")["remark"] == "老客户"


def test_wecom_refusals_map_to_clear_statuses_and_store_nothing(rig):
    svc, store, wecom = rig
    for code, expected in ((84061, 404), (40058, 400), (60011, 502), (45009, 502)):
        wecom.fail = WeComError(code, "refused, hint: [x]", "externalcontact/remark")
        with pytest.raises(DomainError) as err:
            svc.edit_remark(CORP, "wm1", {"userid": "u1", "remark": "x"})
        assert status(err.value) == expected and str(code) in err.value.message
    assert store.follow(CORP, "wm1", "u1").get("remark") is None


def test_tag_edits_check_the_library_first(rig):
    svc, store, wecom = rig
    for body, field in (({"userid": "u1", "add": ["etX"]}, "add"), ({"userid": "u1", "add": ["et1"], "remove": ["et1"]}, "add"),
                        ({"userid": "u1", "add": "et1"}, "add")):
        with pytest.raises(DomainError) as err:
            svc.edit_tags(CORP, "wm1", body)
        assert err.value.field == field
    assert wecom.calls == []
    out = svc.edit_tags(CORP, "wm1", {"userid": "u1", "add": ["et2"], "remove": ["et1"]})
    assert out["tag_ids"] == {"et2"} or sorted(out["tag_ids"]) == ["et2"]
    assert [t["name"] for t in out["tags"]] == ["银"]


def test_tag_library_input_is_checked(rig):
    svc, store, wecom = rig
    for body, field in (({"tags": ["a"]}, "group_id"), ({"group_id": "g", "group_name": "n", "tags": ["a"]}, "group_id"),
                        ({"group_name": "g", "tags": []}, "tags"), ({"group_name": "g", "tags": ["x" * 31]}, "tags"),
                        ({"group_name": "g", "tags": ["a"], "order": -1}, "order"),
                        ({"group_name": 5, "tags": ["a"]}, "group_name"), ({"group_id": ["g"], "tags": ["a"]}, "group_id")):
        with pytest.raises(DomainError) as err:
            svc.create_tags(CORP, body)
        assert err.value.field == field
    with pytest.raises(DomainError) as err:
        svc.edit_tag(CORP, "etnope", {"name": "x"})
    assert status(err.value) == 404
    assert wecom.calls == []
    assert svc.create_tags(CORP, {"group_id": "etg", "tags": ["铜"]})["tag_ids"] == ["etn0"]
