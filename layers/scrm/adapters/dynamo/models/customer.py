from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta


class CustomerItem(Model):
    """pk = corp#external_userid. Profile as last read from externalcontact/get."""

    Meta = meta("customers")
    pk = UnicodeAttribute(hash_key=True)
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
