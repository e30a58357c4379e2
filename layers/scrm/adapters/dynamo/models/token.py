from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class TokenItem(table_model("tokens")):
    """key = corp_id:<hash of the app secret>. One access token per corp and app, shared by every Lambda.

    ``lock_until`` is the refresh lock: one caller at a time fetches a new token (a conditional write).
    ``reissued``: WeCom's last gettoken answered this same token, so nobody asks again before it expires.
    """

    token = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    lock_owner = UnicodeAttribute(null=True)
    lock_until = NumberAttribute(null=True)
    reissued = BooleanAttribute(null=True)
