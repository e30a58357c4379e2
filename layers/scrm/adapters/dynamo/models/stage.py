from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class StageItem(table_model("stages")):
    """Every item of the stages table (key shapes: scrm.resources). ``data``: the config or the customer's
    last change; ``version`` guards read-modify-write; ``n``: a counter; ``stage``: a customer's stage id."""

    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    n = NumberAttribute(null=True)
    stage = UnicodeAttribute(null=True)


class NoteItem(table_model("notes")):
    """A follow-up note, or its request's marker (``ref``: the note's sort key)."""

    corp_id = UnicodeAttribute(null=True)
    note_sk = UnicodeAttribute(null=True)
    member_pk = UnicodeAttribute(null=True)
    note_id = UnicodeAttribute(null=True)
    external_userid = UnicodeAttribute(null=True)
    by_userid = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    created_ms = NumberAttribute(null=True)
    ref = UnicodeAttribute(null=True)
