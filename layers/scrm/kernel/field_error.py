"""Bad input, with the path of the field at fault: the admin API turns it into a 400 naming that field."""

from __future__ import annotations

from scrm.kernel.errors import InvalidInput


class FieldError(InvalidInput):
    """``InvalidInput`` whose line is always "field: why"; ``why`` is the part after the field's name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, f"{field}: {message}")
        self.why = message
