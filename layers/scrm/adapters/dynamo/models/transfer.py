from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class TransferItem(table_model("transfers")):
    """Every item of the transfers table (see scrm.resources for the key shapes). ``data`` is the
    domain's dict (a job, a chunk, an index entry); ``version`` guards read-modify-write.
    Index by_due: open jobs of a corp by when they next need work (sparse: only open jobs carry due_pk)."""

    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    due_pk = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
