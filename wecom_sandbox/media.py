"""Temporary media on WeCom's side (media/upload, 90253): what an upload may be and how long it lives.

- ``type`` is image, voice, video or file; anything else answers 40004 (invalid media type).
- The file comes as the multipart field ``media`` (with a filename); none answers 41005 (media data missing).
- Sizes (90253): image at most 10 MB (JPG or PNG), voice 2 MB (AMR), video 10 MB (MP4), file 20 MB; every
  file larger than 5 bytes. Too big or too small answers 40006 (invalid file size) for every type; a file
  whose bytes are not of the type's format answers 40005 (invalid file type). The page gives the limits but
  not which code each refusal gets: the codes are the sandbox's choice from WeCom's global error codes
  (docs/sandbox.md), as is checking the format by the file's first bytes.
- The answer: ``type``, ``media_id`` and ``created_at`` (a string of seconds, as WeCom sends it). The media_id
  lives 3 days on the world clock (``TTL_S``), after which it is expired (the sandbox keeps the record so a
  test can see that it expired).

``media/upload_attachment`` (95098, its 代开发 copy 96347) keeps its own store, ``MediaState.attachments``: a
media_id from one API is not valid in the other's place (``attachment``/``upload`` each look in their own).

- ``media_type`` is image, video or file (95098 names no voice); ``attachment_type`` 1 (朋友圈, moments) or 2
  (商品图册, product albums). "朋友圈附件类型，仅支持图片与视频": a file for attachment_type 1 is refused.
- Sizes and formats as media/upload's (95098 gives none of its own; add_moment_task 95094 says an image is at
  most 10 MB and a video at most 10 MB and 30 s). The 30 s are not checked (the sandbox does not read videos).
- The answer's ``created_at`` is an **integer** (95098's example, unlike media/upload's string).
- Codes: 40004 for a media_type outside image/video/file, or a file for moments; 40058 for an attachment_type
  other than 1 or 2; 41005, 40006, 40005 as media/upload. The codes are the sandbox's choice (95098 names none).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

TTL_S = 3 * 86_400
MIN_BYTES = 6
LIMITS = {"image": 10 * 1024 * 1024, "voice": 2 * 1024 * 1024, "video": 10 * 1024 * 1024, "file": 20 * 1024 * 1024}


@dataclass(frozen=True)
class Media:
    media_id: str
    type: str
    filename: str
    size: int
    sha256: str
    created_at: int
    attachment_type: int = 0
    """0 for media/upload; 1 (moments) or 2 (product albums) for media/upload_attachment."""

    def expired(self, now: float) -> bool:
        return now >= self.created_at + TTL_S

    def view(self, now: float) -> dict[str, Any]:
        return {"media_id": self.media_id, "type": self.type, "filename": self.filename, "size": self.size,
                "sha256": self.sha256, "created_at": self.created_at, "expires_at": self.created_at + TTL_S,
                "expired": self.expired(now), **({"attachment_type": self.attachment_type}
                                                   if self.attachment_type else {})}  # fmt: skip


@dataclass
class MediaState:
    uploads: dict[str, Media] = field(default_factory=dict)  # in upload order
    attachments: dict[str, Media] = field(default_factory=dict)
    """media/upload_attachment's media_ids (95098), in upload order; not valid where a media/upload id is."""


class Refused(Exception):
    def __init__(self, errcode: int, detail: str) -> None:
        super().__init__(detail)
        self.errcode = errcode
        self.detail = detail


def _format_ok(media_type: str, data: bytes) -> bool:
    if media_type == "image":
        return data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")
    if media_type == "voice":
        return data.startswith(b"#!AMR")
    if media_type == "video":
        return data[4:8] == b"ftyp"
    return True


def upload(state: MediaState, media_type: str, part: dict[str, Any] | None, now: float) -> Media:
    """Keep an upload and answer its record, or Refused with WeCom's code."""
    if media_type not in LIMITS:
        raise Refused(40004, f"type must be one of {', '.join(LIMITS)}")
    if not part or not isinstance(part.get("data"), bytes | bytearray):
        raise Refused(41005, "missing the multipart field 'media'")
    data = bytes(part["data"])
    if len(data) < MIN_BYTES or len(data) > LIMITS[media_type]:
        raise Refused(40006, f"a {media_type} must be {MIN_BYTES}..{LIMITS[media_type]} bytes, got {len(data)}")
    if not _format_ok(media_type, data):
        raise Refused(40005, f"the file is not a valid {media_type}")
    media_id = "3" + secrets.token_urlsafe(40)[:50]
    media = Media(media_id, media_type, str(part.get("filename") or ""), len(data),
                  hashlib.sha256(data).hexdigest(), int(now))  # fmt: skip
    state.uploads[media_id] = media
    return media


ATTACHMENT_TYPES = {1: ("image", "video"), 2: ("image", "video", "file")}
"""attachment_type -> the media types it takes (95098: moments take images and videos only)."""


def upload_attachment(state: MediaState, media_type: str, attachment_type: str, part: dict[str, Any] | None,
                      now: float) -> Media:  # fmt: skip
    """media/upload_attachment: keep the upload in the attachments store, or Refused with WeCom's code."""
    if media_type not in ("image", "video", "file"):
        raise Refused(40004, "media_type must be image, video or file")
    if attachment_type not in ("1", "2"):
        raise Refused(40058, "attachment_type must be 1 (moments) or 2 (product albums)")
    kind = int(attachment_type)
    if media_type not in ATTACHMENT_TYPES[kind]:
        raise Refused(40004, "a moments attachment (attachment_type 1) is an image or a video")
    checked = upload(MediaState(), media_type, part, now)
    media = Media("3" + secrets.token_urlsafe(40)[:50], checked.type, checked.filename, checked.size, checked.sha256,
                  checked.created_at, kind)  # fmt: skip
    state.attachments[media.media_id] = media
    return media


def attachment(state: MediaState, media_id: str, now: float, attachment_type: int = 1) -> Media | None:
    """An upload_attachment media_id of this corp and attachment_type, not expired (add_moment_task's check)."""
    found = state.attachments.get(media_id)
    if found is None or found.attachment_type != attachment_type or found.expired(now):
        return None
    return found


def valid(state: MediaState, media_id: str, now: float) -> Media | None:
    """The media if it was uploaded to this corp and has not expired (for the client stand-in's checks)."""
    found = state.uploads.get(media_id)
    return found if found is not None and not found.expired(now) else None
