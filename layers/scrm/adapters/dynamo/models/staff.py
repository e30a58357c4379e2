from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class StaffRoleItem(table_model("staff_roles")):
    """pk = corp, sk = userid: the member's console role (viewer / operator / admin)."""

    role = UnicodeAttribute()
    granted_at = NumberAttribute()
    granted_by = UnicodeAttribute(null=True)


class StaffSessionItem(table_model("staff_sessions")):
    """pk = sha256 of the session id. ``expires_at`` is the TTL (the absolute end); ``role`` is the role at
    login (the role table decides on every request; absent for a sidebar member without one); ``kind`` is
    "sidebar" for a sidebar session (absent: a console session)."""

    corp_id = UnicodeAttribute()
    userid = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    csrf = UnicodeAttribute()
    created_at = NumberAttribute()
    last_seen = NumberAttribute()
    expires_at = NumberAttribute()
    kind = UnicodeAttribute(null=True)
