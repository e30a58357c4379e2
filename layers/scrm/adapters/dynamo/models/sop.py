from pynamodb.attributes import JSONAttribute, NumberAttribute

from scrm.adapters.dynamo.models.base import table_model


class SopItem(table_model("sops")):
    """Every item of the sops table (key shapes: scrm.resources): SOPs, their due items, the planner's
    minute marks and runs. ``data`` is the domain's dict; ``version`` guards read-modify-write;
    ``expires_at`` lets DynamoDB drop due items and minute marks a week after their minute."""

    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)
