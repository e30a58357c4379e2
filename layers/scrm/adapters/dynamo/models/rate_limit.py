from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta


class RateLimitItem(Model):
    """pk = corp#api#window (e.g. m29123456 for a minute, h485391 for an hour): calls counted so far."""

    Meta = meta("rate_limits")
    pk = UnicodeAttribute(hash_key=True)
    count = NumberAttribute()
    expires_at = NumberAttribute()
