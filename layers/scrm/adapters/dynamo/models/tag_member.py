from pynamodb.attributes import NumberAttribute

from scrm.adapters.dynamo.models.base import table_model


class TagMemberItem(table_model("tag_members")):
    """pk = corp#tag_id, sk = external_userid#userid: one relation that carries the tag.

    ``version`` is the relation's ``synced_at_ms`` when this was written: a put wins when not older, a
    delete only when strictly newer, so a late writer can leave a stale member (search re-checks every
    candidate against the relation) but can never remove a current one.
    """

    version = NumberAttribute()
