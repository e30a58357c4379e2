"""The one error the admin services raise: an HTTP status and one clear line, naming the field at fault."""

from __future__ import annotations

from typing import Any


class AdminError(Exception):
    """A 4xx/5xx with one clear line; ``field`` names the offending input when there is one."""

    def __init__(self, status: int, message: str, field: str = "", details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.message, **({"field": self.field} if self.field else {})}
        if self.details:
            out["details"] = self.details
        return out
