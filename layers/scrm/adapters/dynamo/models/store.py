from pynamodb.attributes import JSONAttribute, NumberAttribute

from scrm.adapters.dynamo.models.base import table_model


class StoreItem(table_model("stores")):
    """Every item of the stores table (key shapes: scrm.resources): a store's ``data``, its index copies,
    and the scan / add counters."""

    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    scans = NumberAttribute(null=True)
    adds = NumberAttribute(null=True)
