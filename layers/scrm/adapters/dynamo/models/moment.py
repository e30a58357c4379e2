from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute

from scrm.adapters.dynamo.models.base import table_model


class MomentItem(table_model("moments")):
    """Every item of the moments table (key shapes: scrm.resources): tasks and their request items.
    ``data`` is the aggregate's dict; ``version`` guards read-modify-write."""

    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    posted = BooleanAttribute(null=True)  # a member row's: whether they posted (the members list's filter)
