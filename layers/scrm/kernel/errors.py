"""What a service says when it refuses, in the domain's words; the admin API's route wrapper alone turns
these into HTTP statuses (functions/admin/api.py), and the CLI prints them as one line.

Each error carries the one line a caller is shown (``message``, also ``str(exc)``), the input field at
fault when there is one, and optional ``details`` (e.g. which customers the 90-day rule blocks).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal a caller can act on; anything else that escapes a service is a bug (a 500)."""

    def __init__(self, message: str, field: str = "", details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class NotFound(DomainError):
    """The thing named does not exist for this corp (or WeCom says it is gone)."""

    def __init__(self, what: str, field: str = "") -> None:
        super().__init__(what, field)


class Conflict(DomainError):
    """The request is valid but the current state forbids it (exists already, changed meanwhile, a cap)."""

    def __init__(self, why: str, field: str = "", details: list[Any] | None = None) -> None:
        super().__init__(why, field, details)


class InvalidInput(DomainError, ValueError):
    """Bad input; ``why`` is the whole line shown (it usually starts with the field's name)."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(why, field)
        self.why = why


class LimitReached(DomainError):
    """WeCom allows no more of this for now (e.g. 3 reminders per task per 24 h): the caller must wait,
    and unlike ``Throttled`` no shared budget is involved, so there is no retry time to give."""


class WeComRefused(DomainError):
    """WeCom answered an error code the service has no better word for."""

    def __init__(self, code: int | None, errmsg: str) -> None:
        super().__init__(f"WeCom refused the call: {code or 0} {errmsg.split(',')[0]}".strip())
        self.code = code
        self.errmsg = errmsg


class Unauthenticated(DomainError):
    """The caller is not (or no longer) known: a bad, used or expired login code, an ended session."""


class NotAllowed(DomainError):
    """The caller is known but may not do this (no console role, a role below the route's)."""


class Throttled(DomainError):
    """The shared budget for this API is spent until ``retry_after_s`` from now (or WeCom said 45009/45033)."""

    def __init__(self, api: str, retry_after_s: float) -> None:
        super().__init__(f"{api}: call budget spent, retry in {retry_after_s:.0f} s")
        self.api = api
        self.retry_after_s = retry_after_s
