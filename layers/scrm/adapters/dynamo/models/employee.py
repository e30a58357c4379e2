from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class EmployeeItem(table_model("employees")):
    """pk = corp, sk = userid."""

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
