"""Where a customer came from, read off the state WeCom hands back on add_external_contact.

Every contact way we make carries a state (at most 30 characters); the features that make them keep to
prefixes so that any reader (the timeline, reports, the event consumer) can tell a store's code from a
channel code without a table read: ``store_<store id>`` is a store code (门店活码), ``fi:<campaign>:<inviter>``
a fission inviter's way (issue 21). Any other state is a channel code's; no state is a direct add.
"""

from __future__ import annotations

STORE_PREFIX = "store_"
FISSION_PREFIX = "fi:"


def source_of(state: str) -> str:
    """``store``, ``channel`` (any other state) or ``""`` (added without a code)."""
    if not state:
        return ""
    if state.startswith(STORE_PREFIX) and len(state) > len(STORE_PREFIX):
        return "store"
    return "channel"


def may_be_channel_code(state: str) -> bool:
    """Whether the event consumer should look the state up among the channel codes: a fission inviter's way
    is never one, and with 10,000 inviters each state was a table read (a miss) per consumer process."""
    return bool(state) and not state.startswith(FISSION_PREFIX)
