from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class ApiKeyItem(table_model("api_keys")):
    """pk = sha256 hex of the whole key. The key is shown once at creation and never stored."""

    corp_id = UnicodeAttribute()
    key_id = UnicodeAttribute()
    role = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    revoked = BooleanAttribute(null=True)
    revoked_at = NumberAttribute(null=True)
