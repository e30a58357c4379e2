"""How the application builds the store feature (bootstrap.py delegates here and hands in the channel-code
service that makes each store's contact way, and the directory's checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrm.stores.ports import Staff, StoreCodes, StoreRepo
    from scrm.stores.repository import DynamoStores
    from scrm.stores.service import StoreAdds, Stores


def repository() -> DynamoStores:
    from scrm.stores.repository import DynamoStores

    return DynamoStores()


def stores(repo: StoreRepo, codes: StoreCodes, staff: Staff) -> Stores:
    from scrm.stores.service import Stores

    return Stores(repo, codes, staff)


def adds(repo: StoreRepo) -> StoreAdds:
    from scrm.stores.service import StoreAdds

    return StoreAdds(repo)
