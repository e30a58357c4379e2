"""Scripts and materials as values, with the rules of what each may hold and what WeCom's ``sendChatMessage``
(98539) takes for each kind. Pure: no storage, no WeCom.

Caps and why:
- Binary content (image, file, video) reaches us base64 inside the admin API's JSON body, whose cap is 1 MB
  (scrm.kernel.input_limits.BODY_MAX_BYTES): base64 makes 4 bytes of 3, so a file of at most ``CONTENT_MAX``
  (700 KiB) always fits with its fields. WeCom's own limits (media/upload, 90253: image 10 MB, video 10 MB,
  file 20 MB, more than 5 bytes) are all larger, so ours is the one a caller meets.
- A library is read whole for a page (corp-wide plus the member's own, filtered and sorted in memory):
  ``CORP_ITEMS_MAX`` and ``PERSONAL_ITEMS_MAX`` keep that one read small (about 1 KB an item).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from scrm.kernel.field_error import FieldError

CONTENT_MAX = 700 * 1024
CONTENT_MIN = 6  # WeCom: a media file must be larger than 5 bytes
TEXT_MAX = 2000  # a script or a text material (characters)
TITLE_MAX = 64
GROUP_MAX = 30
DESC_MAX = 256
URL_MAX = 1024
FILENAME_MAX = 128
CORP_ITEMS_MAX = 1000  # scripts, and materials, corp-wide
PERSONAL_ITEMS_MAX = 200  # scripts, and materials, of one member

MEDIA_TTL_S = 3 * 86_400  # a temporary media_id lives 3 days (90253)
REUPLOAD_AFTER_S = int(2.5 * 86_400)  # upload again half a day before: a page may send it hours later
NAME_SLOT = "{name}"


class Kind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    LINK = "link"
    MINIPROGRAM = "miniprogram"
    FILE = "file"
    VIDEO = "video"


MEDIA_KINDS = (Kind.IMAGE, Kind.FILE, Kind.VIDEO)  # sent by a media_id from media/upload
# WeCom's media/upload accepts images as JPG or PNG and videos as MP4 (90253); files in any format.
EXTENSIONS: dict[Kind, tuple[str, ...]] = {Kind.IMAGE: (".jpg", ".jpeg", ".png"), Kind.VIDEO: (".mp4",)}


@dataclass(frozen=True)
class Script:
    corp_id: str
    script_id: str
    owner: str  # "" corp-wide, else the member whose own it is
    group: str
    title: str
    text: str
    created_by: str = ""
    created_at: int = 0
    updated_at: int = 0

    @property
    def personal(self) -> bool:
        return bool(self.owner)

    def to_dict(self) -> dict[str, Any]:
        return {
            "script_id": self.script_id, "scope": "personal" if self.owner else "corp", "owner": self.owner,
            "group": self.group, "title": self.title, "text": self.text, "created_by": self.created_by,
            "created_at": self.created_at, "updated_at": self.updated_at,
        }  # fmt: skip


@dataclass(frozen=True)
class Media:
    """The temporary media_id last uploaded for a material's content, and when (our clock)."""

    media_id: str = ""
    uploaded_at: int = 0

    def fresh(self, now: float) -> bool:
        return bool(self.media_id) and now - self.uploaded_at < REUPLOAD_AFTER_S


@dataclass(frozen=True)
class Material:
    corp_id: str
    material_id: str
    owner: str
    kind: Kind
    group: str
    title: str
    text: str = ""  # text
    url: str = ""  # link
    desc: str = ""  # link
    cover_url: str = ""  # link (optional) and mini program (required): sendChatMessage's imgUrl
    appid: str = ""  # mini program
    page: str = ""  # mini program
    filename: str = ""  # image, file, video
    size: int = 0
    blob_id: str = ""  # where the bytes are (repository); a new one each time the content changes
    chunks: int = 0
    media: Media = field(default_factory=Media)
    created_by: str = ""
    created_at: int = 0
    updated_at: int = 0

    @property
    def personal(self) -> bool:
        return bool(self.owner)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "material_id": self.material_id, "scope": "personal" if self.owner else "corp", "owner": self.owner,
            "kind": self.kind.value, "group": self.group, "title": self.title,
            "created_by": self.created_by, "created_at": self.created_at, "updated_at": self.updated_at,
        }  # fmt: skip
        for name in _FIELDS[self.kind]:
            out[name] = getattr(self, name)
        if self.kind in MEDIA_KINDS:
            out["size"] = self.size
            out["media_uploaded_at"] = self.media.uploaded_at
        return out


# What each kind carries beyond title and group (and which of those must be given).
_FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.TEXT: ("text",),
    Kind.LINK: ("url", "desc", "cover_url"),
    Kind.MINIPROGRAM: ("appid", "page", "cover_url"),
    Kind.IMAGE: ("filename",),
    Kind.FILE: ("filename",),
    Kind.VIDEO: ("filename",),
}
_REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.TEXT: ("text",),
    Kind.LINK: ("url",),
    Kind.MINIPROGRAM: ("appid", "page", "cover_url"),
    Kind.IMAGE: ("filename", "content"),
    Kind.FILE: ("filename", "content"),
    Kind.VIDEO: ("filename", "content"),
}
_CAPS = {"text": TEXT_MAX, "url": URL_MAX, "desc": DESC_MAX, "cover_url": URL_MAX, "appid": 64, "page": 256,
         "filename": FILENAME_MAX, "title": TITLE_MAX, "group": GROUP_MAX}  # fmt: skip
_APPID = re.compile(r"^wx[0-9a-f]{16}$")


def render(text: str, customer_name: str) -> str:
    """The text as sent: every ``{name}`` is the customer's name (nothing else in braces is touched)."""
    return text.replace(NAME_SLOT, customer_name)


def _text(field_name: str, value: Any, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(field_name, "must be a string")
    value = value.strip()
    if required and not value:
        raise FieldError(field_name, "is required")
    cap = _CAPS.get(field_name, TEXT_MAX)
    if len(value) > cap:
        raise FieldError(field_name, f"at most {cap} characters (got {len(value)})")
    return value


def _web_url(field_name: str, value: str) -> str:
    if value and not re.match(r"^https?://[^\s/]+", value):
        raise FieldError(field_name, "must be an http:// or https:// address")
    return value


def script_fields(fields: dict[str, Any], partial: bool = False) -> dict[str, str]:
    """title, group and text of a script, checked; ``partial``: only the fields given (an edit)."""
    out: dict[str, str] = {}
    for name in ("title", "group", "text"):
        if partial and name not in fields:
            continue
        out[name] = _text(name, fields.get(name), required=name in ("title", "text"))
    return out


def kind_of(value: Any) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise FieldError("kind", f"one of {', '.join(k.value for k in Kind)}") from None


def decode_content(value: Any) -> bytes:
    """The bytes of ``content`` (base64), within CONTENT_MIN..CONTENT_MAX."""
    if not isinstance(value, str) or not value:
        raise FieldError("content", "is required (the file's bytes in base64)")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise FieldError("content", "is not valid base64") from None
    if len(raw) < CONTENT_MIN:
        raise FieldError("content", f"at least {CONTENT_MIN} bytes (WeCom refuses 5 bytes or fewer)")
    if len(raw) > CONTENT_MAX:
        raise FieldError("content", f"at most {CONTENT_MAX} bytes (the API's 1 MB body holds it as base64); got {len(raw)}")
    return raw


def material_fields(kind: Kind, fields: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    """The checked fields of a material of ``kind`` (title, group and the kind's own); ``content`` comes back
    as bytes. ``partial``: only what is given (an edit; the kind never changes)."""
    out: dict[str, Any] = {}
    allowed = ("title", "group", *_FIELDS[kind])
    for name in allowed:
        if partial and name not in fields:
            continue
        required = name == "title" or name in _REQUIRED[kind]
        out[name] = _text(name, fields.get(name), required=required)
    for name in ("url", "cover_url"):
        if name in out:
            _web_url(name, out[name])
    if "appid" in out and not _APPID.match(out["appid"]):
        raise FieldError("appid", "a mini program's appid: wx and 16 hex characters")
    if kind is Kind.MINIPROGRAM and "page" in out and not out["page"].endswith(".html") and ".html?" not in out["page"]:
        raise FieldError("page", "a mini program page ends in .html (sendChatMessage opens page.html)")
    if "filename" in out and kind in EXTENSIONS and not out["filename"].lower().endswith(EXTENSIONS[kind]):
        raise FieldError("filename", f"a {kind.value} must be {' or '.join(EXTENSIONS[kind])} (WeCom's media/upload)")
    if kind in MEDIA_KINDS and (not partial or "content" in fields):
        out["content"] = decode_content(fields.get("content"))
        if kind is Kind.IMAGE and not _image(out["content"]):
            raise FieldError("content", "is not a JPG or PNG image")
    extra = set(fields) - {*allowed, "kind", *(("content",) if kind in MEDIA_KINDS else ())}
    if extra:
        name = sorted(extra)[0]
        raise FieldError(name, f"is not a field of a {kind.value} material")
    return out


def _image(raw: bytes) -> bool:
    return raw.startswith(b"\xff\xd8\xff") or raw.startswith(b"\x89PNG\r\n\x1a\n")


def send_params(item: Script | Material, customer_name: str, media_id: str = "") -> dict[str, Any]:
    """``wx.invoke('sendChatMessage', params)``'s params (98539) for the item, names filled in."""
    if isinstance(item, Script):
        return {"msgtype": "text", "text": {"content": render(item.text, customer_name)}}
    m = item
    if m.kind is Kind.TEXT:
        return {"msgtype": "text", "text": {"content": render(m.text, customer_name)}}
    if m.kind is Kind.LINK:
        news = {"link": m.url, "title": render(m.title, customer_name), "desc": render(m.desc, customer_name)}
        if m.cover_url:
            news["imgUrl"] = m.cover_url
        return {"msgtype": "news", "news": news}
    if m.kind is Kind.MINIPROGRAM:
        return {"msgtype": "miniprogram", "miniprogram": {
            "appid": m.appid, "title": render(m.title, customer_name), "imgUrl": m.cover_url, "page": m.page}}  # fmt: skip
    return {"msgtype": m.kind.value, m.kind.value: {"mediaid": media_id}}


def with_media(material: Material, media: Media) -> Material:
    return replace(material, media=media)
