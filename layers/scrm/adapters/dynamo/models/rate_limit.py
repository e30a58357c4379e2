from pynamodb.attributes import NumberAttribute

from scrm.adapters.dynamo.models.base import table_model


class RateLimitItem(table_model("rate_limits")):
    """pk = corp#api#window (e.g. m29123456 for a minute, h485391 for an hour): calls counted so far."""

    count = NumberAttribute()
    expires_at = NumberAttribute()
