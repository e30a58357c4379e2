"""What fission campaigns need from their table, from WeCom and from other features (composed in
scrm.bootstrap: the content library's bytes, the customers' store, the alerts' admin notices)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from scrm.fission.model import Campaign, Inviter


class FissionRepo(Protocol):
    """Campaigns and inviters as versioned aggregates (``save_*`` writes at the aggregate's version and moves
    it on, False when another writer won; ``add_*`` only where none is); friend credits as conditional puts."""

    def campaign(self, corp_id: str, campaign_id: str) -> Campaign | None: ...

    def campaigns(self, corp_id: str) -> list[Campaign]: ...

    def add_campaign(self, corp_id: str, campaign: Campaign) -> bool: ...

    def save_campaign(self, corp_id: str, campaign: Campaign) -> bool: ...

    def inviter(self, corp_id: str, campaign_id: str, key: str) -> Inviter | None: ...

    def inviters(self, corp_id: str, campaign_id: str, after: str = "", limit: int = 100) -> tuple[list[Inviter], str]: ...

    def add_inviter(self, corp_id: str, inviter: Inviter) -> bool: ...

    def save_inviter(self, corp_id: str, inviter: Inviter) -> bool: ...

    def claim_friend(self, corp_id: str, campaign_id: str, friend: str, key: str, userid: str, at: int) -> str:
        """The inviter key the friend is credited to in this campaign: ``key`` when this put made the credit,
        another inviter's key when one came first."""
        ...

    def credits(self, corp_id: str, friend: str) -> list[dict[str, Any]]:
        """The friend's credits in every campaign: {campaign_id, key, userid, at}."""
        ...

    def add_due(self, corp_id: str, campaign_id: str, due_at: int, key: str) -> None: ...

    def due(self, corp_id: str, campaign_id: str, now: int, limit: int = 100) -> list[tuple[int, str]]: ...

    def drop_due(self, corp_id: str, campaign_id: str, due_at: int, key: str) -> None: ...

    def add_codes(self, corp_id: str, campaign_id: str, codes: Sequence[str]) -> int:
        """Codes not in the pool yet, added; how many were new."""
        ...

    def draw_code(self, corp_id: str, campaign_id: str, key: str) -> str | None:
        """The inviter's code: the one drawn for them before, else a free one taken with a conditional write
        (each code goes to one inviter, whatever the workers); None when the pool is empty."""
        ...

    def pool(self, corp_id: str, campaign_id: str) -> dict[str, int]: ...

    def add_waiting(self, corp_id: str, campaign_id: str, key: str) -> None:
        """The inviter reached the threshold when the pool was empty: an upload or the job owes them a code."""
        ...

    def waiting(self, corp_id: str, campaign_id: str, limit: int = 100) -> list[str]:
        """Keys of inviters waiting for a code, oldest key order (the index, not a scan of the inviters)."""
        ...

    def waiting_count(self, corp_id: str, campaign_id: str) -> int: ...

    def drop_waiting(self, corp_id: str, campaign_id: str, key: str) -> None: ...


class FissionWeCom(Protocol):
    """The WeCom calls of a campaign, for one corp; failures raise WeComError."""

    def add_contact_way(self, wecom_type: int, fields: dict[str, Any]) -> tuple[str, str]: ...

    def get_contact_way(self, config_id: str) -> dict[str, Any]: ...

    def del_contact_way(self, config_id: str) -> None: ...

    def list_contact_way(self, start_time: int, end_time: int) -> list[str]: ...

    def add_msg_template(
        self,
        chat_type: str,
        content: dict[str, Any],
        sender: str = "",
        external_userids: Sequence[str] = (),
        chat_ids: Sequence[str] = (),
        allow_select: bool = False,
    ) -> tuple[str, list[str]]: ...

    def groupmsg_list(
        self, chat_type: str, start_time: int, end_time: int, creator: str = "", filter_type: int = 2
    ) -> Iterator[dict[str, Any]]: ...


class Customers(Protocol):
    """The customers' store, read: a customer's profile (name, avatar) and the members who hold them."""

    def customer(self, corp_id: str, external_userid: str) -> dict[str, Any] | None: ...

    def members_of(self, corp_id: str, external_userid: str) -> list[str]:
        """Members with an active relation to the customer."""
        ...

    def is_friend(self, corp_id: str, external_userid: str, userid: str) -> bool: ...

    def known_before(self, corp_id: str, external_userid: str, userid: str, at: int) -> bool:
        """The customer had a relation with another member than ``userid``, added before ``at`` (not a new
        friend of the company, whatever its status now)."""
        ...


class Backgrounds(Protocol):
    """The content library: an image material's (kind, file name, bytes), None when there is none."""

    def media(self, corp_id: str, material_id: str) -> tuple[str, str, bytes] | None: ...


class AdminNotices(Protocol):
    """Tell the corp's alert admins once per (``key``, ``at``): an app message each; each admin's outcome."""

    def notify_admins(self, corp_id: str, key: str, at: int, title: str, lines: Sequence[str]) -> dict[str, str]: ...
