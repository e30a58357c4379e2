"""The stages feature's refusals, as the kernel's domain errors (only functions/admin maps them to statuses)."""

from __future__ import annotations

from scrm.kernel.errors import Conflict, NotFound


class UnknownCustomer(NotFound):
    """A customer this corp does not hold (never synced, or another corp's): 404 naming external_userid."""

    def __init__(self, external_userid: str) -> None:
        super().__init__(f"no customer {external_userid}", "external_userid")


class Contended(Conflict):
    """The customer's stage kept changing under us (many writers at once): retry."""

    def __init__(self) -> None:
        super().__init__("the customer's stage changed meanwhile; retry", "stage")
