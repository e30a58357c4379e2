from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta


class ContactStatItem(Model):
    """One table, three kinds of item (see scrm.adapters.dynamo.contact_stats):

    - counter rows, pk = corp#cust#<yyyy-mm> or corp#group#<yyyy-mm>, sk = <China day>#<userid>: what our
      events counted that day for that employee (group rows: for that owner), and WeCom's own figures
      stored next to them by the nightly reconcile;
    - a relation's facts, pk = corp#rel#<external_userid>, sk = <userid>#add|loss|end#<time:010d>, and its
      guard, sk = <userid>#guard, holding what those facts contributed to the rows (``applied``, JSON) and
      a ``version`` that serialises writers of one relation;
    - a group member change, pk = corp#chat#<chat_id>, sk = <time:010d>#<event_id>: counted once.
    """

    Meta = meta("contact_stats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # counter rows
    day = UnicodeAttribute(null=True)
    userid = UnicodeAttribute(null=True)
    adds = NumberAttribute(null=True)
    lost_by_customer = NumberAttribute(null=True)
    lost_by_employee = NumberAttribute(null=True)
    lost_in_7 = NumberAttribute(null=True)
    lost_in_30 = NumberAttribute(null=True)
    joins = NumberAttribute(null=True)
    quits = NumberAttribute(null=True)
    customer_joins = NumberAttribute(null=True)
    customer_quits = NumberAttribute(null=True)
    wecom_new_contact = NumberAttribute(null=True)
    wecom_negative_feedback = NumberAttribute(null=True)
    wecom_new_apply = NumberAttribute(null=True)
    wecom_new_member = NumberAttribute(null=True)
    wecom_at = NumberAttribute(null=True)
    # facts
    kind = UnicodeAttribute(null=True)  # add | loss | end (relation), member (group)
    at = NumberAttribute(null=True)
    by = UnicodeAttribute(null=True)  # loss: customer | employee
    half = BooleanAttribute(null=True)
    event_id = UnicodeAttribute(null=True)
    # guard
    version = NumberAttribute(null=True)
    applied = UnicodeAttribute(null=True)
