"""A model's table from scrm.resources: its Meta, its key attributes and its indexes, so that a model cannot
drift from the table the template declares. A model subclasses ``table_model(logical)`` and declares only
the attributes its items carry beyond the table's keys."""

from __future__ import annotations

from pynamodb.attributes import Attribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from scrm.adapters.aws import region_of
from scrm.resources import IndexDef, KeyAttr, table

_TYPES: dict[str, type[Attribute]] = {"S": UnicodeAttribute, "N": NumberAttribute}


def meta(logical: str) -> type:
    t = table(logical)

    class Meta:
        table_name = t.name
        region = region_of()
        billing_mode = "PAY_PER_REQUEST"
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 3
        max_pool_connections = 50  # one connection pool per model, shared by a container's threads

    return Meta


def _keys(hash_key: KeyAttr, range_key: KeyAttr | None) -> dict[str, Attribute]:
    keys = {hash_key.name: _TYPES[hash_key.type](hash_key=True)}
    if range_key:
        keys[range_key.name] = _TYPES[range_key.type](range_key=True)
    return keys


def _index(logical: str, index: IndexDef) -> GlobalSecondaryIndex:
    """A global secondary index projecting every attribute (the only kind the tables have)."""
    meta = type("Meta", (), {"index_name": index.name, "projection": AllProjection()})
    name = "".join(part.title() for part in index.name.split("_"))  # by_owner -> ByOwner
    cls = type(name, (GlobalSecondaryIndex,), {"Meta": meta, **_keys(index.hash_key, index.range_key)})
    cls.__qualname__ = f"{logical}.{name}"
    return cls()


def table_model(logical: str) -> type[Model]:
    """The base of the model of table ``logical``: Meta, the key attributes (``pk``, ``sk``, …) and one
    attribute per index, named as the index (``FollowItem.by_employee.query(…)``)."""
    t = table(logical)
    namespace: dict[str, object] = {"Meta": meta(logical), **_keys(t.hash_key, t.range_key)}
    namespace.update({index.name: _index(logical, index) for index in t.indexes})
    return type(f"Table_{logical}", (Model,), namespace)
