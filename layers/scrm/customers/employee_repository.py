"""Employees, on DynamoDB."""

from __future__ import annotations

from scrm.adapters.dynamo.conditional import update_if as _update
from scrm.adapters.dynamo.models import EmployeeItem
from scrm.customers.base_repository import _newer, _not_older, _setv
from scrm.customers.employee import Employee, EmployeeStatus


class EmployeeStore:
    # employees --------------------------------------------------------------------------------
    def save_employee(self, corp_id: str, employee: Employee, synced_at_ms: int) -> None:
        E = EmployeeItem
        _update(
            E(corp_id, employee.userid),
            [
                E.corp_id.set(corp_id),
                E.userid.set(employee.userid),
                _setv(E.name, employee.name),
                _setv(E.departments, list(employee.departments)),
                _setv(E.position, employee.position),
                E.wecom_status.set(employee.wecom_status),
                E.status.set(E.status | EmployeeStatus.ACTIVE.value),
                E.status_version.set(E.status_version | 0),
                E.synced_at_ms.set(synced_at_ms),
            ],
            _newer(E.synced_at_ms, synced_at_ms),
        )

    def set_employee_status(
        self, corp_id: str, userid: str, status: EmployeeStatus, version: int, renamed_to: str = ""
    ) -> bool:
        E = EmployeeItem
        actions = [
            E.corp_id.set(corp_id),
            E.userid.set(userid),
            E.status.set(status.value),
            E.status_version.set(version),
        ]
        actions.append(E.renamed_to.set(renamed_to) if renamed_to else E.renamed_to.remove())
        return _update(E(corp_id, userid), actions, _not_older(E.status_version, version))
