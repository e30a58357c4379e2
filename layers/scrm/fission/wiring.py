"""How the composition root builds fission campaigns (bootstrap.py delegates here): the DynamoDB repository
and the service, with what other features give handed in (the content library's bytes, the customers'
store, the alerts' admin notices, the corp's link key) and the corp's WeCom gateway (budget: the caller's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrm.fission.ports import AdminNotices, Backgrounds, Customers
    from scrm.fission.repository import DynamoFission
    from scrm.fission.service import Fission


def repository() -> DynamoFission:
    from scrm.fission.repository import DynamoFission

    return DynamoFission()


def fission(for_corp: Callable[[str], Any], customers: Customers, backgrounds: Backgrounds, notices: AdminNotices,
            link_key: Callable[[str], bytes]) -> Fission:  # fmt: skip
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.fission.service import Fission

    return Fission(repository(), for_corp, customers, backgrounds, DynamoDirectory(), notices, link_key)
