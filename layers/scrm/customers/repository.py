"""The Store port on DynamoDB through pynamodb: every write conditional, so retries and reorders are safe.

One class composed of the parts, each in its own module by what it holds."""

from __future__ import annotations

from scrm.customers.customer_repository import CustomerStore
from scrm.customers.employee_repository import EmployeeStore
from scrm.customers.group_repository import GroupStore
from scrm.customers.tag_repository import TagStore


class DynamoStore(CustomerStore, TagStore, GroupStore, EmployeeStore):
    """Customers, relations and timelines; tags; groups and members; employees."""


__all__ = ["DynamoStore"]
