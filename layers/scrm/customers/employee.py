"""An employee (WeCom member) of a corp."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EmployeeStatus(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"  # delete_user: the employee left; their customers await transfer
    RENAMED = "renamed"  # update_user with NewUserID: the record lives on under the new userid


@dataclass(frozen=True)
class Employee:
    userid: str
    name: str = ""
    departments: tuple[int, ...] = ()
    position: str = ""
    wecom_status: int = 0  # 1 active, 2 disabled, 4 not activated, 5 left
