"""What WeCom's handover codes mean for a customer or a chat, in the words a job's progress shows.

A reason is stored with a failed entry and shown to the admin: the codes WeCom's pages name get a name,
any other code is kept as ``wecom_<code>``. The registry of what a code means for retrying lives in
kernel/wecom_errors.py; this table only names the outcome.
"""

from __future__ import annotations

# transfer_customer's per-customer answers (the call itself answers 0)
STARTED = 0
ALREADY_IN_TRANSFER = frozenset({40129, 40100})
TAKER_AT_LIMIT = 40099
REASONS = {
    # 40131: the handover member does not follow this customer (92125 / 90313). WeCom does not answer 84061
    # ("no friend relation") here; if it ever did, the customer fails as wecom_84061 like any other code.
    40131: "not_a_customer_of_handover",
    40096: "invalid_external_userid",  # malformed or unknown, or the follower is outside the app's scope
    40130: "handover_is_taker",
    40128: "transferred_twice_in_90_days",
    40129: "already_in_transfer",
    40100: "already_in_transfer",
    40099: "taker_at_customer_limit",
    40097: "handover_has_not_left",
    60111: "unknown_member",
    # groupchat/transfer and onjob_transfer, per chat (90313, as crawled by go-workwx errcodes/mod.go). WeCom's
    # pages name no code for the new owner's 300 a day nor for on-job's twice in 90 days: we key nothing on one.
    90500: "owner_has_not_left",  # 群主并未离职
    90501: "not_a_customer_group",  # 该群不是客户群
    90502: "owner_has_left",  # 群主已经离职
    90503: "group_full_needs_client_confirmation",  # 满人 & 99个微信成员，没办法踢，要客户端确认
    90504: "already_owner",  # 群主没变
    90507: "inheritance_in_progress",  # 离职群正在继承处理中
    90508: "already_inherited",  # 离职群已经继承
}
NEW_OWNER_DAILY_LIMIT = "new_owner_daily_limit"  # queued for our own count of the new owner's 300 a day
# Per-chat answers that no later call changes: failed with their reason (90504 / 90508 after a call of ours
# that may have reached WeCom, and 90500 / 90508 when the taker owns the group, are our handover: the
# service filters them out first).
GROUP_FINAL = frozenset({90500, 90501, 90502, 90503, 90504, 90508})
# After a call of ours that may have reached WeCom, these mean that call handed the group over.
GROUP_HANDED_OVER_ON_RETRY = frozenset({90504, 90507, 90508})
GROUP_RETRY_S = (3600, 6 * 3600, 24 * 3600)  # any other per-chat code: asked again after these, then failed


def reason_of(errcode: int) -> str:
    return REASONS.get(errcode, f"wecom_{errcode}")


GROUP_CODES = frozenset({90500, 90501, 90502, 90503, 90504, 90507, 90508})


def group_reason_of(errcode: int) -> str:
    """A group's reason: the group-transfer codes by name, any other code as WeCom's code (a customer code
    such as 40128 may mean something else for a group: WeCom's pages name no code for groups' limits)."""
    return REASONS[errcode] if errcode in GROUP_CODES else f"wecom_{errcode}"
