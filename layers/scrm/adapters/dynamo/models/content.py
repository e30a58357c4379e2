from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class ContentItem(table_model("content")):
    """Scripts and materials (pk = corp, sk = "s#…" / "m#…"), a material's bytes in chunks (pk =
    corp#blob#<blob_id>, sk = <n>) and send counters (pk = corp#use). Attributes by item kind: see
    scrm/content/repository.py."""

    kind = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    group = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    url = UnicodeAttribute(null=True)
    desc = UnicodeAttribute(null=True)
    cover_url = UnicodeAttribute(null=True)
    appid = UnicodeAttribute(null=True)
    page = UnicodeAttribute(null=True)
    filename = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    blob_id = UnicodeAttribute(null=True)
    chunks = NumberAttribute(null=True)
    media_id = UnicodeAttribute(null=True)
    media_at = NumberAttribute(null=True)
    lease_until = NumberAttribute(null=True)
    lease_by = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    created_at = NumberAttribute(null=True)
    updated_at = NumberAttribute(null=True)
    data = BinaryAttribute(null=True, legacy_encoding=False)
    sends = NumberAttribute(null=True)
    last_at = NumberAttribute(null=True)
