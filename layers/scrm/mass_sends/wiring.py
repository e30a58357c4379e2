"""How the application builds mass sends over DynamoDB and WeCom (bootstrap.py delegates here). What
belongs to other features comes in as arguments: the WeCom clients (the caller picks their call budget)
and the planners of planned sends (the SOP tick)."""

from __future__ import annotations

from collections.abc import Callable

from scrm.mass_sends.ports import GroupMsgWeCom, Planned
from scrm.mass_sends.service import MassSends


def mass_sends(for_corp: Callable[[str], GroupMsgWeCom], planners: dict[str, Planned]) -> MassSends:
    """Mass sends with every source of recipients: the store's relations (filter or list), its groups,
    and the planners' (planned sends); a {name} step reads the customer's name."""
    from scrm.adapters.dynamo import reads
    from scrm.adapters.dynamo.directory import DynamoDirectory
    from scrm.mass_sends.ledger import QuotaLedger
    from scrm.mass_sends.recipient_repository import DynamoGroups, DynamoRecipients
    from scrm.mass_sends.repository import DynamoMassSends

    def customer_name(corp_id: str, external_userid: str) -> str:
        return str((reads.customer(corp_id, external_userid) or {}).get("name") or "")

    repo = DynamoMassSends()
    return MassSends(
        repo, QuotaLedger(repo), DynamoRecipients(), for_corp, employed=DynamoDirectory().known_employees,
        planners=planners, groups=DynamoGroups(), customer_name=customer_name,
    )  # fmt: skip
