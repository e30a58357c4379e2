"""The HTTP status the admin API answers for a service's refusal, through the route wrapper's own mapping,
so service tests keep pinning statuses while services raise domain errors."""

from __future__ import annotations

from typing import Any

from scrm.kernel.errors import DomainError


def status(exc: DomainError) -> int:
    from admin.api import refusal

    return refusal(exc)[0]


def body(exc: DomainError) -> dict[str, Any]:
    from admin.api import refusal

    return refusal(exc)[1]
