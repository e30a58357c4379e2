"""What every admin API model shares: the base class, how "may be null" is said, and how a pydantic
validation error becomes the API's one-line 400 naming the field (``recipients.external_userids[1]``).

Models are imported by the admin function only (pydantic costs ~100 ms to import; the callback function's
whole budget is 300 ms), so nothing under ``scrm.domain`` or ``scrm.services`` may import this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

# Optional fields are ``T | None = None`` in Python, but in the document they are "may be absent", not "may
# be null" (admin/openapi.py drops the null); a field that really may be null says so with this marker.
NULLABLE: dict[str, Any] = {"x-nullable": True}

M = TypeVar("M", bound=BaseModel)


class Model(BaseModel):
    """A request or answer body. Unknown keys are ignored by default: the services that check bodies refuse
    unknown fields themselves, with their own wording, and answers may carry more than is promised."""

    model_config = ConfigDict(populate_by_name=True)


def field_name(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the API names fields: ``("recipients", "external_userids", 1)`` →
    ``recipients.external_userids[1]`` (the same spelling as scrm.kernel.input_limits)."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def validated(model: type[M], data: Mapping[str, Any], messages: Mapping[str, str] | None = None) -> M:
    """``data`` as ``model`` (strict: JSON has no "5" for 5), or ``InvalidInput`` naming the first bad field.
    Unknown fields are reported before the rest, as the services do. ``messages`` keeps a route's historic
    wording: ``"field:missing"`` (field and pydantic's error type) or ``"field"`` → the line to answer."""
    from scrm.kernel.errors import InvalidInput

    try:
        return model.model_validate(dict(data), strict=True)
    except ValidationError as exc:
        extra = "extra_forbidden"  # unknown fields first, by name (as the services name them); the rest in order
        errors = sorted(exc.errors(), key=lambda e: (e["type"] != extra, str(e["loc"]) if e["type"] == extra else ""))
        first = errors[0]
        name = field_name(tuple(first["loc"]))
        if first["type"] == "extra_forbidden":
            raise InvalidInput(name, f"unknown field {name}") from None
        top = str(first["loc"][0]) if first["loc"] else ""
        wording = (messages or {}).get(f"{top}:{first['type']}") or (messages or {}).get(top)
        raise InvalidInput(name, wording or f"{name}: {first['msg'][:1].lower()}{first['msg'][1:]}") from None
