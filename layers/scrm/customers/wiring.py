"""How the composition root builds the customers feature: the store (customers, relations, tags, groups,
employees), the event applier, the admin services and the customer search.

``scrm.bootstrap`` keeps one cached getter per part and hands in what other features give: the WeCom clients
(the caller picks their call budget), the acquisition service and the event observers. Imports stay inside
the functions: the callback function imports none of this.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.acquisition.service import Acquisition
    from scrm.customers.groups import GroupAdmin
    from scrm.customers.handlers import Handlers
    from scrm.customers.ports import AdminWeCom, EventObserver, Store, WeComDirectory
    from scrm.customers.repository import DynamoStore
    from scrm.customers.search_repository import DynamoCustomerSearch
    from scrm.customers.service import CustomerAdmin


def store() -> DynamoStore:
    from scrm.customers.repository import DynamoStore

    return DynamoStore()


def search(budget: int = 2000) -> DynamoCustomerSearch:
    """The customer search; a request examines at most ``budget`` candidates."""
    from scrm.customers.search_repository import DynamoCustomerSearch

    return DynamoCustomerSearch(budget)


def handlers(
    store: Store, wecom: WeComDirectory, channels: Acquisition, observers: Sequence[EventObserver]
) -> Handlers:
    from scrm.customers.handlers import Handlers

    return Handlers(store=store, wecom=wecom, channels=channels, observers=observers)


def admin(store: Store, for_corp: Callable[[str], AdminWeCom]) -> CustomerAdmin:
    """The admin API's customers; its WeCom clients share the event consumer's token store, not its instances."""
    from scrm.adapters.dynamo import reads
    from scrm.customers.service import CustomerAdmin

    return CustomerAdmin(store, search(), reads, for_corp)


def groups(store: DynamoStore) -> GroupAdmin:
    """The corp's groups, one with its members, and their labels, for the admin API and the CLI."""
    from scrm.adapters.dynamo import reads
    from scrm.customers.groups import GroupAdmin

    return GroupAdmin(store, reads.group, store)
