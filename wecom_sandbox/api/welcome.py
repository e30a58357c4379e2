"""send_welcome_msg (92137) and the message-content rules it shares with group welcome templates.

A welcome code comes with add_external_contact / add_half_external_contact and is valid for
WELCOME_CODE_TTL_S seconds on the world clock, once: unknown or expired 41050, already used
41051 (WeCom's "externaluser has started chatting", which apps treat as success).  Every call
with a known code — failed, injected fault or success — is an attempt in the corp's welcome log.

Content rules (92137): text.content at most 4000 bytes; at most 9 attachments (41064); each
attachment's msgtype is image, link, miniprogram, video or file (else 41065) and carries that
type's required fields (else 40058 naming the field); neither text nor attachments: 44004.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .registry import ApiContext, route

TEXT_MAX_BYTES = 4000
MAX_ATTACHMENTS = 9

REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "image": (("media_id", "pic_url"),),  # one of the two
    "link": (("title",), ("url",)),
    "miniprogram": (("title",), ("pic_media_id",), ("appid",), ("page",)),
    "video": (("media_id",),),
    "file": (("media_id",),),
}
"""msgtype → the fields it needs; each inner tuple is satisfied by any one of its fields."""

MAX_BYTES: dict[tuple[str, str], int] = {
    ("link", "title"): 128,
    ("link", "desc"): 512,
    ("miniprogram", "title"): 64,
}


def check_content_object(kind: str, value: Any, path: str, missing_errcode: int = 40058) -> None:
    """Validate one image/link/miniprogram/video/file object; errors name the field by `path`."""
    if not isinstance(value, dict):
        raise ApiError(40058, f"{path} must be an object")
    for one_of in REQUIRED[kind]:
        if not any(isinstance(value.get(name), str) and value.get(name) for name in one_of):
            raise ApiError(missing_errcode, f"{path}.{' or '.join(one_of)} is required")
    for name, item in value.items():
        if not isinstance(item, str):
            raise ApiError(40058, f"{path}.{name} must be a string")
        limit = MAX_BYTES.get((kind, name))
        if limit is not None and len(item.encode("utf-8")) > limit:
            raise ApiError(40058, f"{path}.{name} is longer than {limit} bytes")


def check_text(value: Any, max_bytes: int = TEXT_MAX_BYTES) -> str:
    """text {content}: returns the content ('' when absent)."""
    if value is None:
        return ""
    if not isinstance(value, dict) or not isinstance(value.get("content", ""), str):
        raise ApiError(40058, "text must be an object with a string content")
    content: str = value.get("content", "")
    if len(content.encode("utf-8")) > max_bytes:
        raise ApiError(40058, f"text.content is longer than {max_bytes} bytes")
    return content


def check_attachments(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(40058, "attachments must be an array")
    if len(value) > MAX_ATTACHMENTS:
        raise ApiError(41064, f"attachments holds {len(value)} items, at most {MAX_ATTACHMENTS}")
    for i, item in enumerate(value):
        path = f"attachments[{i}]"
        if not isinstance(item, dict):
            raise ApiError(40058, f"{path} must be an object")
        kind = item.get("msgtype")
        if kind not in REQUIRED:
            raise ApiError(41065, f"{path}.msgtype {kind!r} (image, link, miniprogram, video or file)")
        check_content_object(kind, item.get(kind), f"{path}.{kind}")
    return value


def _fault_attempt(ctx: ApiContext, errcode: int) -> None:
    """An injected fault (e.g. 41096 "being sent") answered instead: still an attempt on the code."""
    code = ctx.body.get("welcome_code")
    record = ctx.corp.welcomes.get(code) if isinstance(code, str) else None
    if record is not None:
        record.attempt(ctx.app.world.now(), errcode)


@route("POST", "externalcontact/send_welcome_msg", on_fault=_fault_attempt)
def send_welcome_msg(ctx: ApiContext) -> dict[str, Any]:
    code = ctx.body_str("welcome_code", 41049)
    record = ctx.corp.welcomes.get(code)
    if record is None:
        raise ApiError(41050, "unknown welcome_code")
    now = ctx.app.world.now()
    try:
        if record.expired(now):
            raise ApiError(41050, "welcome_code expired (valid for 20 s)")
        if record.used:
            raise ApiError(41051)
        text = check_text(ctx.body.get("text"))
        attachments = check_attachments(ctx.body.get("attachments"))
        if not text and not attachments:
            raise ApiError(44004, "text and attachments are both empty")
    except ApiError as err:
        record.attempt(now, err.errcode)
        raise
    record.attempt(now, 0)
    record.sent_at = now
    record.text = text or None
    record.attachments = ctx.corp.welcomes.intern(attachments)
    return {}
