from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta


class SopItem(Model):
    """Every item of the sops table (key shapes: scrm.resources): SOPs, their due items, the planner's
    minute marks and runs. ``data`` is the domain's dict; ``version`` guards read-modify-write;
    ``expires_at`` lets DynamoDB drop due items and minute marks a week after their minute."""

    Meta = meta("sops")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)
