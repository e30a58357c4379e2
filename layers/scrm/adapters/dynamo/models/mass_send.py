from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta


class MassSendItem(Model):
    """Every item of the mass_sends table (key shapes: scrm.resources): sends, their parts, recipient and
    outcome sub-items, and the quota ledger's buckets. ``data`` is the domain's dict; ``version`` guards
    read-modify-write."""

    Meta = meta("mass_sends")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
