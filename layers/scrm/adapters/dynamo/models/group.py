from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta
from scrm.resources import index


class ByOwner(GlobalSecondaryIndex):
    class Meta:
        index_name = index("groups", "by_owner")
        projection = AllProjection()

    owner_pk = UnicodeAttribute(hash_key=True)
    create_sk = UnicodeAttribute(range_key=True)


class GroupItem(Model):
    """pk = corp#chat_id."""

    Meta = meta("groups")
    pk = UnicodeAttribute(hash_key=True)
    corp_id = UnicodeAttribute()
    chat_id = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    owner_pk = UnicodeAttribute(null=True)
    create_sk = UnicodeAttribute(null=True)
    create_time = NumberAttribute(null=True)
    notice = UnicodeAttribute(null=True)
    member_version = UnicodeAttribute(null=True)
    member_count = NumberAttribute(null=True)
    admins = UnicodeSetAttribute(null=True)
    status = UnicodeAttribute(null=True)
    status_version = NumberAttribute(null=True)
    synced_at_ms = NumberAttribute(null=True)
    # The SCRM's own labels (WeCom keeps no group tags): set by admins only, never by a sync or an event.
    tags = UnicodeSetAttribute(null=True)
    by_owner = ByOwner()


class GroupMemberItem(Model):
    """pk = corp#chat_id, sk = member id. Members who left stay, with status left and the time seen."""

    Meta = meta("group_members")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    corp_id = UnicodeAttribute()
    chat_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    type = UnicodeAttribute()
    status = UnicodeAttribute()  # member | left
    join_time = NumberAttribute(null=True)
    join_scene = NumberAttribute(null=True)
    invitor = UnicodeAttribute(null=True)
    group_nickname = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    left_seen_ms = NumberAttribute(null=True)
    synced_at_ms = NumberAttribute(null=True)
