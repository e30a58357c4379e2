from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class TagItem(table_model("tags")):
    """pk = corp, sk = group#<group_id> or tag#<tag_id>. A corp has at most 3000 tags (WeCom 40126)."""

    corp_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # group | tag
    id = UnicodeAttribute()
    group_id = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    order = NumberAttribute(null=True)
    create_time = NumberAttribute(null=True)
    strategy_id = UnicodeAttribute(null=True)
    deleted = BooleanAttribute(null=True)
    deleted_version = NumberAttribute(null=True)
    synced_at_ms = NumberAttribute(null=True)
