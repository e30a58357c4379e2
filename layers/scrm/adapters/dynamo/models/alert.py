from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from scrm.adapters.dynamo.models.base import table_model


class AlertItem(table_model("alerts")):
    """One table, four kinds of item (see scrm.resources): the corp's alert settings, one alert per
    (event, recipient) with its state, a recipient's pacing (``data`` = JSON of domain.alert_pacing.Pace,
    guarded by ``version``), and digest markers (``pending#`` per corp, ``digest#<day>`` per recipient).
    Index by_day: a corp's alerts of one China day (day_pk = corp#day, day_sk =
    create_time#event_id#recipient)."""

    # settings
    employee_alerts = BooleanAttribute(null=True)
    admin_alerts = BooleanAttribute(null=True)
    admins = ListAttribute(of=UnicodeAttribute, null=True)
    digest_above = NumberAttribute(null=True)
    digest_time = UnicodeAttribute(null=True)
    link_url = UnicodeAttribute(null=True)
    # alert records and digest markers
    state = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    recipient = UnicodeAttribute(null=True)
    day = UnicodeAttribute(null=True)
    event_id = UnicodeAttribute(null=True)
    create_time = NumberAttribute(null=True)
    external_userid = UnicodeAttribute(null=True)
    userid = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)  # JSON: what the digest lists (name, channel, days, …)
    card = UnicodeAttribute(null=True)  # JSON: the exact textcard sent (a resend must be identical)
    reason = UnicodeAttribute(null=True)
    msgid = UnicodeAttribute(null=True)
    updated_at = NumberAttribute(null=True)
    claim = UnicodeAttribute(null=True)  # who is sending a "sending" record now (SOP reminders)
    claimed_at = NumberAttribute(null=True)
    alert_sks = ListAttribute(of=UnicodeAttribute, null=True)  # a digest's alerts
    day_pk = UnicodeAttribute(null=True)
    day_sk = UnicodeAttribute(null=True)
    # pacing and pending markers
    data = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)
