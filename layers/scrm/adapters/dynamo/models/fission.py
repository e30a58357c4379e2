from pynamodb.attributes import JSONAttribute, NumberAttribute

from scrm.adapters.dynamo.models.base import table_model


class FissionItem(table_model("fission")):
    """Every item of the fission table (key shapes: scrm.resources): campaigns, inviters, friends' credits,
    the due index and the coupon pool. ``data`` is the aggregate's dict; ``version`` guards read-modify-write."""

    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
