from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class TimelineItem(table_model("timeline")):
    """pk = corp#subject (customer:<id>, chat:<id>, employee:<id>, tags, corp);
    sk = create_time#rank#event_id (rank: domain.versions, so that one second reads add → edit → delete).

    One item per event, so a long history never grows one item towards the 400 KB limit; reading newest
    first is a reverse query.
    """

    corp_id = UnicodeAttribute()
    create_time = NumberAttribute()
    event = UnicodeAttribute()
    change_type = UnicodeAttribute(null=True)
    entry = JSONAttribute(null=True)
    applied = NumberAttribute(null=True)
    applied_at_ms = NumberAttribute(null=True)
