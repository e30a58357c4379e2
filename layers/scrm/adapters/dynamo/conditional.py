"""Conditional writes that lose a race are not errors: the caller learns it lost and moves on."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from scrm.adapters.aws import region_of
from scrm.adapters.lazy import lazy


def condition_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def transaction_condition_failed(exc: Exception) -> bool:
    """A cancelled TransactWriteItems one of whose conditions failed (pynamodb gives the reasons as
    objects with ``code``). Any other cancellation is an error."""
    return any(getattr(r, "code", None) == "ConditionalCheckFailed" for r in exc.cancellation_reasons or [] if r)  # type: ignore[attr-defined]


@lazy
def transactions() -> Connection:
    """The connection TransactWrite needs (models have their own; transactions span tables)."""
    return Connection(region=region_of())


def consistent_get(model: Any, pk: str, sk: str) -> Any | None:
    """The item as last written, or None."""
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def save_if(item: Any, condition: Any) -> bool:
    """Put if the condition holds; False when it does not (created meanwhile, a newer version)."""
    try:
        item.save(condition=condition)
        return True
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise


def update_if(item: Any, actions: list[Any], condition: Any) -> bool:
    """Apply if the condition holds; False when it does not (a newer write, another lock owner)."""
    try:
        item.update(actions=actions, condition=condition)
        return True
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise


def transact_if(build: Callable[[TransactWrite], None]) -> bool:
    """Run the writes ``build`` adds as one transaction; False when one of its conditions failed (the
    transaction wrote nothing), any other cancellation is an error."""
    try:
        with TransactWrite(connection=transactions()) as tx:
            build(tx)
        return True
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            return False
        raise


__all__ = ["condition_failed", "transact_if", "update_if"]


# versioned aggregates: an item's ``data`` and ``version`` ---------------------------------------------
A = TypeVar("A")
Build = Callable[[dict[str, Any], int], A]


def loaded(build: Build[A], item: Any | None) -> A | None:
    """The aggregate a versioned item holds (``build(data, version)``); None without an item."""
    return None if item is None else build(item.data or {}, int(item.version or 0))


def loaded_all(build: Build[A], items: Iterable[Any]) -> list[A]:
    """The aggregates of a query's versioned items, in its order."""
    return [build(i.data or {}, int(i.version or 0)) for i in items]


def created(aggregate: Any, written: bool) -> bool:
    """A first write's answer: the aggregate is at version 1 once it is stored."""
    if written:
        aggregate.version = 1
    return written
