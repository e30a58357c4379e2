from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta
from scrm.resources import index


class ByEmployee(GlobalSecondaryIndex):
    """Customers of an employee by add time: employee_pk = corp#userid, add_sk = add_time#external_userid."""

    class Meta:
        index_name = index("follows", "by_employee")
        projection = AllProjection()

    employee_pk = UnicodeAttribute(hash_key=True)
    add_sk = UnicodeAttribute(range_key=True)


class ByCorp(GlobalSecondaryIndex):
    """Every relation of a corp by add time: the search's driver when no narrower index applies."""

    class Meta:
        index_name = index("follows", "by_corp")
        projection = AllProjection()

    corp_id = UnicodeAttribute(hash_key=True)
    add_sk = UnicodeAttribute(range_key=True)


class ByState(GlobalSecondaryIndex):
    """Relations added through a channel code: state_pk = corp#state (absent when there is no state)."""

    class Meta:
        index_name = index("follows", "by_state")
        projection = AllProjection()

    state_pk = UnicodeAttribute(hash_key=True)
    add_sk = UnicodeAttribute(range_key=True)


class ByName(GlobalSecondaryIndex):
    """Customer name prefix: name_sk = name#external_userid#userid (absent until the name is known)."""

    class Meta:
        index_name = index("follows", "by_name")
        projection = AllProjection()

    corp_id = UnicodeAttribute(hash_key=True)
    name_sk = UnicodeAttribute(range_key=True)


class FollowItem(Model):
    """pk = corp#external_userid, sk = userid. Status is event-versioned; the rest is refreshed from WeCom.
    ``name`` is the customer's name, copied here so that search can filter and sort by it."""

    Meta = meta("follows")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
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
    by_employee = ByEmployee()
    by_corp = ByCorp()
    by_state = ByState()
    by_name = ByName()
