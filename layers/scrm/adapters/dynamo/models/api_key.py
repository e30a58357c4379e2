from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta
from scrm.resources import index


class ByCorp(GlobalSecondaryIndex):
    class Meta:
        index_name = index("api_keys", "by_corp")
        projection = AllProjection()

    corp_id = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute(range_key=True)


class ApiKeyItem(Model):
    """pk = sha256 hex of the whole key. The key is shown once at creation and never stored."""

    Meta = meta("api_keys")
    pk = UnicodeAttribute(hash_key=True)
    corp_id = UnicodeAttribute()
    key_id = UnicodeAttribute()
    role = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    revoked = BooleanAttribute(null=True)
    revoked_at = NumberAttribute(null=True)
    by_corp = ByCorp()
