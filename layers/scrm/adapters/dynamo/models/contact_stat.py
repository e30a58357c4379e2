from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class ContactStatItem(table_model("contact_stats")):
    """One table, three kinds of item (see scrm.contact_stats.repository):

    - counter items, one per (corp, kind, month, employee): pk = corp#cust#<yyyy-mm> or
      corp#group#<yyyy-mm>, sk = <userid> (group items: the owner). Each China day's figures are top-level
      numbers named <figure>_<dd> (``adds_05``, ``lost_in_7_05``, ``wecom_new_contact_05``, ``wecom_at_05``):
      what our events counted that day (moved with ADD) and WeCom's own figures stored next to them by the
      nightly reconcile (SET). They are not declared here (13 figures × 31 days): the adapter names them in
      its update actions and reads these items raw;
    - a relation's facts, pk = corp#rel#<external_userid>, sk = <userid>#add|loss|end#<time:010d>, and its
      guard, sk = <userid>#guard, holding what those facts contributed to the rows (``applied``, JSON) and
      a ``version`` that serialises writers of one relation;
    - a group member change, pk = corp#chat#<chat_id>, sk = <time:010d>#<event_id>: counted once;
    - the roll-ups (issue 18, scrm.contact_stats.rollup_repository), moved in the same transactions: the
      corp's day (pk = corp#cust#days, sk = <day>#<shard>, undeclared numbers named <counter>) and the
      member's month as running sums (pk = corp#cust#run#<month>, sk = <userid>, undeclared numbers named
      <code>_<dd>: scrm.contact_stats.rollup.running_name).
    """

    # facts
    kind = UnicodeAttribute(null=True)  # add | loss | end (relation), member (group)
    at = NumberAttribute(null=True)
    by = UnicodeAttribute(null=True)  # loss: customer | employee
    half = BooleanAttribute(null=True)
    event_id = UnicodeAttribute(null=True)
    userid = UnicodeAttribute(null=True)  # member: the group's owner it was counted for
    day = UnicodeAttribute(null=True)  # member: the China day it was counted on
    # guard
    version = NumberAttribute(null=True)
    applied = UnicodeAttribute(null=True)
