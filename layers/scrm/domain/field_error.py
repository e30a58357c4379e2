"""Bad input, with the path of the field at fault: the admin API turns it into a 400 naming that field."""

from __future__ import annotations


class FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
