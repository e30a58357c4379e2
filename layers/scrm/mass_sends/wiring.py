"""How the application builds mass sends and their queue steps over DynamoDB and WeCom (bootstrap.py
delegates here). What belongs to other features comes in as arguments: the WeCom clients (the caller picks
their call budget), the planners of planned sends (the SOP tick), the relations as the customers' search
reads them and the SOP reminders."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scrm import resources

if TYPE_CHECKING:
    from scrm.mass_sends.ports import GroupMsgWeCom, Notify, Planned, Recipients
    from scrm.mass_sends.received import Received
    from scrm.mass_sends.runner import MassSendRunner
    from scrm.mass_sends.service import MassSends


def mass_sends(
    for_corp: Callable[[str], GroupMsgWeCom], planners: dict[str, Planned], recipients: Recipients
) -> MassSends:
    """Mass sends with every source of recipients: the store's relations (filter or list, read by
    ``recipients`` through the customers' search), its groups, and the planners' (planned sends); a {name}
    step reads the customer's name; the admin's page of outcomes reads its customers' names in batches."""
    from scrm.adapters.dynamo import reads
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.mass_sends.ledger import QuotaLedger
    from scrm.mass_sends.recipient_repository import DynamoCustomerNames, DynamoGroups
    from scrm.mass_sends.repository import DynamoMassSends
    from scrm.mass_sends.service import MassSends

    def customer_name(corp_id: str, external_userid: str) -> str:
        return str((reads.customer(corp_id, external_userid) or {}).get("name") or "")

    repo = DynamoMassSends()
    return MassSends(
        repo, QuotaLedger(repo), recipients, for_corp, employed=DynamoDirectory().known_employees,
        planners=planners, groups=DynamoGroups(), customer_name=customer_name, names=DynamoCustomerNames(),
    )  # fmt: skip


def runner(sends: MassSends, notify: Notify) -> MassSendRunner:
    """The mass-send queue's steps; ``notify`` tells a member what a planned send asks of them (SOP reminders)."""
    from scrm.adapters.queue import QueuePublisher
    from scrm.mass_sends.runner import MassSendRunner

    return MassSendRunner(sends, QueuePublisher(resources.queue("mass_sends")), notify=notify)


def received() -> Received:
    """What a customer received through mass sends and SOPs, for the sidebar's portrait."""
    from scrm.mass_sends.received import Received
    from scrm.mass_sends.repository import DynamoMassSends

    return Received(DynamoMassSends())
