from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta


class EmployeeItem(Model):
    """pk = corp, sk = userid."""

    Meta = meta("employees")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    corp_id = UnicodeAttribute()
    userid = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    departments = ListAttribute(of=NumberAttribute, null=True)
    position = UnicodeAttribute(null=True)
    wecom_status = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    status_version = NumberAttribute(null=True)
    renamed_to = UnicodeAttribute(null=True)
    synced_at_ms = NumberAttribute(null=True)
