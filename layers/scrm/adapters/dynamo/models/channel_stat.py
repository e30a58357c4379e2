from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta


class ChannelStatItem(Model):
    """pk = corp#state; sk = <China day>#<userid>. Counters move only together with the acquisition record
    that justifies them (one transaction), so a retried event never counts twice."""

    Meta = meta("channel_stats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    day = UnicodeAttribute(null=True)
    userid = UnicodeAttribute(null=True)
    adds = NumberAttribute(null=True)
    lost_by_customer = NumberAttribute(null=True)
    lost_by_employee = NumberAttribute(null=True)
    welcomes_missed = NumberAttribute(null=True)
