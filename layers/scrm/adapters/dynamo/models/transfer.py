from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from scrm.adapters.dynamo.models.base import meta
from scrm.resources import index


class ByDue(GlobalSecondaryIndex):
    """Open jobs of a corp by when they next need work (sparse: only open jobs carry due_pk)."""

    class Meta:
        index_name = index("transfers", "by_due")
        projection = AllProjection()

    due_pk = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class TransferItem(Model):
    """Every item of the transfers table (see scrm.resources for the key shapes). ``data`` is the
    domain's dict (a job, a chunk, an index entry); ``version`` guards read-modify-write."""

    Meta = meta("transfers")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    due_pk = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
    by_due = ByDue()
