from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta


class TimelineItem(Model):
    """pk = corp#subject (customer:<id>, chat:<id>, employee:<id>, tags, corp);
    sk = create_time#rank#event_id (rank: domain.versions, so that one second reads add → edit → delete).

    One item per event, so a long history never grows one item towards the 400 KB limit; reading newest
    first is a reverse query.
    """

    Meta = meta("timeline")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    corp_id = UnicodeAttribute()
    create_time = NumberAttribute()
    event = UnicodeAttribute()
    change_type = UnicodeAttribute(null=True)
    entry = JSONAttribute(null=True)
    applied = NumberAttribute(null=True)
    applied_at_ms = NumberAttribute(null=True)
