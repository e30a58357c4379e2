"""What every admin API model shares: the base class, how "may be null" is said, and how a pydantic
validation error becomes the API's one-line 400 naming the field (``recipients.external_userids[1]``).

Models are imported by the admin function only (pydantic costs ~100 ms to import; the callback function's
whole budget is 300 ms), so nothing under ``layers/scrm`` may import this package.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

# Optional fields are ``T | None = None`` in Python, but in the document they are "may be absent", not "may
# be null" (admin/openapi.py drops the null); a field that really may be null says so with this marker.
NULLABLE: dict[str, Any] = {"x-nullable": True}

M = TypeVar("M", bound=BaseModel)


class Model(BaseModel):
    """A request or answer body. Answers may carry more than is promised, so unknown keys are ignored by
    default; request bodies that refuse unknown fields say so (``Body``).

    ``wording``: a route's historic line for a bad field, by the field's path without indices
    (``schedule.start``) and optionally pydantic's error type (``"msg_quota:missing"``); the most specific
    key wins, then the top-level field's. Without one the line is pydantic's message after the path."""

    model_config = ConfigDict(populate_by_name=True)
    wording: ClassVar[Mapping[str, str]] = {}
    unknown: ClassVar[str] = "unknown field {field}"  # the line for a field the body may not carry
    whole: ClassVar[frozenset[str]] = frozenset()  # fields whose items' errors name the field, as they always did


class Body(Model):
    """A request body: unknown fields are refused (``unknown field x``), as the API always did."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")


# A union's member tags in pydantic's locations ("literal['all']", "list[str]", "function-after[...]",
# "SopTargets") are not fields: fields are lower-case names (or their aliases, like "from").
_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")
_TYPE_TAGS = {"str", "int", "float", "bool", "list", "dict", "none", "literal"}


def field_name(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the API names fields: ``("recipients", "external_userids", 1)`` →
    ``recipients.external_userids[1]`` (the same spelling as scrm.kernel.input_limits); a union's member
    tags are left out."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        elif _FIELD.match(part) and part not in _TYPE_TAGS:
            name += f".{part}" if name else part
    return name


def _line(model: type[Model], name: str, kind: str, message: str, messages: Mapping[str, str]) -> str:
    """The line to answer for a bad field: the most specific wording, else pydantic's message."""
    path = re.sub(r"\[\d+\]", "", name)
    parts = path.split(".")
    for depth in range(len(parts), 0, -1):
        key = ".".join(parts[:depth])
        for wanted in (f"{key}:{kind}", key):
            if wanted in messages:
                return messages[wanted].replace("{field}", name)
    return f"{name}: {message[:1].lower()}{message[1:]}" if name else message


def refusal_of(model: type[Model], exc: ValidationError, messages: Mapping[str, str] | None = None) -> Any:
    """``InvalidInput`` naming the first bad field of a pydantic error, unknown fields first and by name (as
    the services always reported them); the caller raises it."""
    from scrm.kernel.errors import InvalidInput

    extra = "extra_forbidden"
    errors = sorted(exc.errors(), key=lambda e: (e["type"] != extra, str(e["loc"]) if e["type"] == extra else ""))
    first = errors[0]
    name = field_name(tuple(first["loc"]))
    if first["type"] == extra:
        return InvalidInput(name, model.unknown.replace("{field}", name))
    error = first.get("ctx", {}).get("error")
    if first["type"] == "value_error" and isinstance(error, InvalidInput):
        return error  # a validator's own refusal, with its field and line
    if first["type"] == "value_error":  # a validator's ValueError: its line after the field's path
        first = {**first, "msg": str(error)}
    if first["loc"] and first["loc"][0] in model.whole:
        name = str(first["loc"][0])
    wording = {**model.wording, **(messages or {})}
    return InvalidInput(name, _line(model, name, first["type"], first["msg"], wording))


def validated(model: type[M], data: Mapping[str, Any], messages: Mapping[str, str] | None = None) -> M:
    """``data`` as ``model`` (strict: JSON has no "5" for 5), or ``InvalidInput`` naming the first bad field
    (``refusal_of``). ``messages`` adds to the model's ``wording``."""
    from scrm.kernel.errors import InvalidInput

    if not isinstance(data, Mapping):
        raise InvalidInput("body", "the body must be a JSON object")
    try:
        return model.model_validate(dict(data), strict=True)
    except ValidationError as exc:
        raise refusal_of(model, exc, messages) from None  # type: ignore[arg-type]
