from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute

from scrm.adapters.dynamo.models.base import table_model


class GroupItem(table_model("groups")):
    """pk = corp#chat_id."""

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


class GroupMemberItem(table_model("group_members")):
    """pk = corp#chat_id, sk = member id. Members who left stay, with status left and the time seen."""

    corp_id = UnicodeAttribute()
    chat_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    member_pk = UnicodeAttribute(null=True)  # corp#member_id while a member (the by_member index)
    type = UnicodeAttribute()
    status = UnicodeAttribute()  # member | left
    join_time = NumberAttribute(null=True)
    join_scene = NumberAttribute(null=True)
    invitor = UnicodeAttribute(null=True)
    group_nickname = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    left_seen_ms = NumberAttribute(null=True)
    synced_at_ms = NumberAttribute(null=True)
