from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class CustomerItem(table_model("customers")):
    """pk = corp#external_userid. Profile as last read from externalcontact/get."""

    corp_id = UnicodeAttribute()
    external_userid = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    type = NumberAttribute(null=True)
    gender = NumberAttribute(null=True)
    avatar = UnicodeAttribute(null=True)
    unionid = UnicodeAttribute(null=True)
    corp_name = UnicodeAttribute(null=True)
    position = UnicodeAttribute(null=True)
    synced_at_ms = NumberAttribute(null=True)
    last_transfer_fail = MapAttribute(null=True)
