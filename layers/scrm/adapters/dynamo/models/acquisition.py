from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class AcquisitionItem(table_model("acquisitions")):
    """pk = corp#external_userid; sk = userid: the relation's latest arrival through a code (``added_at``
    guards against an older add overwriting a newer one) and, once lost, by whom; sk = "missed#<code>": a
    welcome counted as missed; sk = "welcomed#<code>": a welcome WeCom took (expires: only a late copy of
    the same event, within minutes, asks)."""

    state = UnicodeAttribute(null=True)
    day = UnicodeAttribute(null=True)
    added_at = NumberAttribute(null=True)
    lost_by = UnicodeAttribute(null=True)  # customer | employee
    lost_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)
