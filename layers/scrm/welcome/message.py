"""A welcome message: text with the customer's name filled in, plus up to 9 attachments.

Validated when an admin saves it, not when a customer scans: by then there are 20 seconds left and no one
to tell that an attachment was malformed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scrm.kernel.field_error import FieldError

NAME_PLACEHOLDER = "{name}"
TEXT_MAX_BYTES = 4000  # WeCom's limit for text.content
MAX_ATTACHMENTS = 9
# msgtype -> the fields WeCom requires inside that attachment (send_welcome_msg, 92137).
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "image": (("media_id", "pic_url"),),  # one of
    "link": (("title",), ("url",)),
    "miniprogram": (("title",), ("pic_media_id",), ("appid",), ("page",)),
    "video": (("media_id",),),
    "file": (("media_id",),),
}


@dataclass(frozen=True)
class Welcome:
    text: str = ""
    attachments: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def needs_name(self) -> bool:
        return NAME_PLACEHOLDER in self.text

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "attachments": [dict(a) for a in self.attachments]}

    def payload(self, customer_name: str = "") -> dict[str, Any]:
        """send_welcome_msg's body without the code: the name filled in, empty parts left out."""
        body: dict[str, Any] = {}
        text = self.text.replace(NAME_PLACEHOLDER, customer_name)
        if text:
            body["text"] = {"content": text}
        if self.attachments:
            body["attachments"] = [dict(a) for a in self.attachments]
        return body


def parse_welcome(value: Any, path: str = "welcome") -> Welcome | None:
    """``None``/absent means no welcome; anything malformed raises FieldError naming the exact field."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FieldError(path, "must be an object with text and/or attachments")
    unknown = set(value) - {"text", "attachments"}
    if unknown:
        raise FieldError(f"{path}.{sorted(unknown)[0]}", "unknown field")
    text = value.get("text", "")
    if not isinstance(text, str):
        raise FieldError(f"{path}.text", "must be a string")
    if len(text.encode()) > TEXT_MAX_BYTES:
        raise FieldError(f"{path}.text", f"must be at most {TEXT_MAX_BYTES} bytes (WeCom's limit)")
    attachments = parse_attachments(value.get("attachments", []), f"{path}.attachments")
    if not text.replace(NAME_PLACEHOLDER, "").strip() and not attachments:
        raise FieldError(path, "needs text (more than the name) or at least one attachment")
    return Welcome(text, attachments)


def parse_attachments(raw: Any, path: str) -> tuple[dict[str, Any], ...]:
    """Up to 9 attachments in WeCom's shape; send_welcome_msg and add_msg_template take the same one."""
    if not isinstance(raw, list):
        raise FieldError(path, "must be a list")
    if len(raw) > MAX_ATTACHMENTS:
        raise FieldError(path, f"at most {MAX_ATTACHMENTS} attachments (WeCom's limit), got {len(raw)}")
    return tuple(_attachment(a, f"{path}[{i}]") for i, a in enumerate(raw))


def _attachment(a: Any, path: str) -> dict[str, Any]:
    if not isinstance(a, dict):
        raise FieldError(path, "must be an object")
    kind = a.get("msgtype")
    if kind not in REQUIRED:
        raise FieldError(f"{path}.msgtype", f"must be one of {', '.join(REQUIRED)}")
    body = a.get(kind)
    if not isinstance(body, dict):
        raise FieldError(f"{path}.{kind}", "must be an object")
    for alternatives in REQUIRED[kind]:
        if not any(isinstance(body.get(k), str) and body.get(k) for k in alternatives):
            raise FieldError(f"{path}.{kind}.{alternatives[0]}", f"required: {' or '.join(alternatives)}")
    return {"msgtype": kind, kind: dict(body)}


def render(template: str, customer_name: str, limit: int) -> str:
    """A remark/description template with the name filled in, cut to WeCom's length limit."""
    return template.replace(NAME_PLACEHOLDER, customer_name)[:limit]
