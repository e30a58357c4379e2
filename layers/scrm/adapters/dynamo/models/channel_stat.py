from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class ChannelStatItem(table_model("channel_stats")):
    """pk = corp#state; sk = <China day>#<userid>. Counters move only together with the acquisition record
    that justifies them (one transaction), so a retried event never counts twice."""

    day = UnicodeAttribute(null=True)
    userid = UnicodeAttribute(null=True)
    adds = NumberAttribute(null=True)
    lost_by_customer = NumberAttribute(null=True)
    lost_by_employee = NumberAttribute(null=True)
    welcomes_missed = NumberAttribute(null=True)
