"""The nightly reconcile over fakes: WeCom's refusals, whatever their code, are skipped and named, and the
rest of the run goes on (600018 "invalid start endtime" is one WeCom uses for ranges its pages do not
describe; the sandbox answers it for spans it chose to refuse)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from scrm.contact_stats.reconcile import StatsReconcile, day_start
from scrm.contact_stats.service import CUSTOMERS, GROUPS
from scrm.customers.employee import Employee
from scrm.kernel.wecom_error import WeComError

from tests.unit.contact_stats_fakes import FakeContactStats

CORP = "wwcorp"
DAYS = ["2025-03-01", "2025-03-02"]


class FakeStatsWeCom:
    def __init__(self, refuse_behavior: dict[str, int], refuse_groups: dict[str, int]) -> None:
        self.refuse_behavior = refuse_behavior  # userid → errcode
        self.refuse_groups = refuse_groups  # day → errcode
        self.group_calls: list[int] = []

    def list_employees(self) -> list[Employee]:
        return [Employee("amy"), Employee("bob")]

    def user_behavior(self, userid: str, start_time: int, end_time: int) -> list[dict[str, Any]]:
        if userid in self.refuse_behavior:
            raise WeComError(self.refuse_behavior[userid], "refused", "externalcontact/get_user_behavior_data")
        return [{"stat_time": day_start(d), "new_contact_cnt": 2} for d in DAYS]

    def group_statistic(self, day_time: int, owners: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.group_calls.append(day_time)
        for day, code in self.refuse_groups.items():
            if day_start(day) == day_time:
                raise WeComError(code, "refused", "externalcontact/groupchat/statistic")
        return {o: {"new_member_cnt": 3} for o in owners}


@pytest.mark.parametrize("code", [600018, 40058, 99999])
def test_refusals_are_skipped_with_wecoms_code_and_the_run_goes_on(code: int) -> None:
    repo = FakeContactStats()
    wecom = FakeStatsWeCom({"amy": code}, {DAYS[0]: code})
    result = StatsReconcile(repo, lambda corp: wecom, clock=lambda: 1_741_000_000.0).run(CORP, DAYS)
    assert result["skipped"] == [{"userid": "amy", "errcode": code}]
    assert result["skipped_groups"] == [{"day": DAYS[0], "owners": 2, "errcode": code}]
    assert result["complete"] is False
    assert len(wecom.group_calls) == 2  # the second day was still asked for
    assert repo.row(CORP, DAYS[1], "bob", CUSTOMERS) == {"wecom_new_contact": 2}
    assert repo.row(CORP, DAYS[1], "amy", GROUPS) == {"wecom_new_member": 3}
    assert repo.row(CORP, DAYS[0], "amy", GROUPS) == {}


def test_a_run_without_refusals_is_complete() -> None:
    repo = FakeContactStats()
    result = StatsReconcile(repo, lambda corp: FakeStatsWeCom({}, {}), clock=lambda: 1_741_000_000.0).run(CORP, DAYS)
    assert result["complete"] is True and "skipped" not in result and "skipped_groups" not in result
