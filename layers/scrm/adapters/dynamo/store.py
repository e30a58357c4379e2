"""The Store port on DynamoDB through pynamodb: every write conditional, so retries and reorders are safe.

One class composed of the parts, each in its own module by what it holds."""

from __future__ import annotations

from scrm.adapters.dynamo.customer_store import CustomerStore
from scrm.adapters.dynamo.employee_store import EmployeeStore
from scrm.adapters.dynamo.group_store import GroupStore
from scrm.adapters.dynamo.tag_store import TagStore


class DynamoStore(CustomerStore, TagStore, GroupStore, EmployeeStore):
    """Customers, relations and timelines; tags; groups and members; employees."""


__all__ = ["DynamoStore"]
