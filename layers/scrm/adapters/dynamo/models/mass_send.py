from pynamodb.attributes import JSONAttribute, NumberAttribute

from scrm.adapters.dynamo.models.base import table_model


class MassSendItem(table_model("mass_sends")):
    """Every item of the mass_sends table (key shapes: scrm.resources): sends, their parts, recipient and
    outcome sub-items, and the quota ledger's buckets. ``data`` is the domain's dict; ``version`` guards
    read-modify-write."""

    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
