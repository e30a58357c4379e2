from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class LiveCodeItem(table_model("live_codes")):
    """pk = corp; sk = "c#<state>" | "g#<state>" | "default#welcome". ``data`` is the code as the API shows
    it (validated by the domain before it is written); ``version`` guards concurrent edits."""

    status = UnicodeAttribute(null=True)  # active | deleted
    version = NumberAttribute(null=True)
    data = JSONAttribute(null=True)
