"""Temporary media (media/upload, 90253), mixed into WeComGateway: multipart field "media" with the file's
name; the answer's media_id lives 3 days. Through ``_call``, which spends the corp's call budget and keeps
our token handling and retries (wechatpy's ``client.media.upload`` would go around both)."""

from __future__ import annotations

from typing import Any

from scrm.kernel.wecom_error import WeComError

MEDIA_TYPES = ("image", "voice", "video", "file")


class MediaCalls:
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:  # provided by WeComGateway
        raise NotImplementedError

    def upload_media(self, media_type: str, filename: str, content: bytes) -> tuple[str, int]:
        if media_type not in MEDIA_TYPES:
            raise ValueError(f"media type {media_type!r}")
        answer = self._call("post", "media/upload", params={"type": media_type},
                            files={"media": (filename, content)})  # fmt: skip
        media_id = (answer or {}).get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise WeComError(None, "the answer has no media_id", "media/upload")
        try:
            created_at = int(answer.get("created_at") or 0)  # WeCom sends it as a string
        except (TypeError, ValueError):
            created_at = 0
        return media_id, created_at
