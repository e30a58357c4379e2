"""What the DynamoDB store's parts share: the update-expression helpers and the batched create."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.transactions import TransactWrite

from scrm.adapters.dynamo.conditional import transact_if
from scrm.customers.customer import FollowInfo


def _tag_maps(info: FollowInfo) -> list[dict[str, Any]]:
    return [
        {"tag_id": t.tag_id, "tag_name": t.tag_name, "group_name": t.group_name, "type": t.type} for t in info.tags
    ]


def _setv(attr: Any, value: Any) -> Any:
    """Set, or remove when empty: never store NULL (a NULL in an index key is rejected, and a NULL
    ``state`` would defeat the if_not_exists that lets an event fill it in)."""
    if value is None or value == "" or value == [] or value == set():
        return attr.remove()
    return attr.set(value)


def _texts(source: Any, *names: str) -> dict[str, Any]:
    """The named text attributes of ``source`` as item attributes: an empty one is absent (None), never ""."""
    return {name: getattr(source, name) or None for name in names}


def _newer(attr: Any, value: int) -> Any:
    return attr.does_not_exist() | (attr < value)


def _not_older(attr: Any, value: int) -> Any:
    return attr.does_not_exist() | (attr <= value)


class BatchCreate:
    """Creates absent items in transactions; the store's parts fall back to versioned updates for the rest."""

    def _put_all_new(self, items: Sequence[Any]) -> set[str]:
        """Create absent items, 100 per transaction (all or none of a chunk). Returns the keys created as
        "pk" or "pk|sk"; an item missing from the result is written by the caller's versioned path (someone
        created it meanwhile, so the whole chunk fell back)."""
        done: set[str] = set()
        for start in range(0, len(items), 100):
            chunk = items[start : start + 100]

            def build(tx: TransactWrite, chunk: Sequence[Any] = chunk) -> None:
                for item in chunk:
                    tx.save(item, condition=type(item).pk.does_not_exist())

            if not transact_if(build):
                continue
            done |= {f"{i.pk}|{i.sk}" if getattr(i, "sk", None) else i.pk for i in chunk}
        return done
