from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)

from scrm.adapters.dynamo.models.base import table_model


class FollowItem(table_model("follows")):
    """pk = corp#external_userid, sk = userid. Status is event-versioned; the rest is refreshed from WeCom.
    ``name`` is the customer's name, copied here so that search can filter and sort by it.

    Indexes: by_employee, customers of an employee by add time (employee_pk = corp#userid, add_sk =
    add_time#external_userid); by_corp, every relation of a corp by add time (the search's driver when no
    narrower index applies); by_state, relations added through a channel code (state_pk = corp#state, absent
    when there is no state); by_name, customer name prefix (name_sk = name#external_userid#userid, absent
    until the name is known)."""

    corp_id = UnicodeAttribute(null=True)
    external_userid = UnicodeAttribute(null=True)
    userid = UnicodeAttribute(null=True)
    employee_pk = UnicodeAttribute(null=True)
    add_sk = UnicodeAttribute(null=True)
    state_pk = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    name_sk = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    status_version = NumberAttribute(null=True)
    status_at = NumberAttribute(null=True)
    half_added = BooleanAttribute(null=True)
    arrival_version = NumberAttribute(null=True)  # the add event that set half_added (and state)
    remark = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    add_time = NumberAttribute(null=True)
    add_way = NumberAttribute(null=True)
    state = UnicodeAttribute(null=True)
    oper_userid = UnicodeAttribute(null=True)
    remark_corp_name = UnicodeAttribute(null=True)
    remark_mobiles = ListAttribute(of=UnicodeAttribute, null=True)
    tags = ListAttribute(of=MapAttribute, null=True)
    tag_ids = UnicodeSetAttribute(null=True)
    synced_at_ms = NumberAttribute(null=True)
