from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta


class LiveCodeItem(Model):
    """pk = corp; sk = "c#<state>" | "g#<state>" | "default#welcome". ``data`` is the code as the API shows
    it (validated by the domain before it is written); ``version`` guards concurrent edits."""

    Meta = meta("live_codes")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute(null=True)  # active | deleted
    version = NumberAttribute(null=True)
    data = JSONAttribute(null=True)
