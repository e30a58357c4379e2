"""``media/upload?type=`` (90253), multipart: media.py has the rules. dispatch.py hands the multipart field
``media`` in as ``body["media"]`` ({filename, content_type, data}), and records only its name and size.

``media/upload_attachment?media_type=&attachment_type=`` (95098) answers the same shape with ``created_at`` an
integer; its media_ids live in their own store (media.py)."""

from __future__ import annotations

from typing import Any

from .. import media
from .errors import ApiError
from .registry import ApiContext, route


@route("POST", "media/upload")
def media_upload(ctx: ApiContext) -> dict[str, Any]:
    part = ctx.body.get("media")
    try:
        uploaded = media.upload(ctx.corp.media, ctx.query.get("type", ""), part if isinstance(part, dict) else None,
                                ctx.app.world.now())  # fmt: skip
    except media.Refused as exc:
        raise ApiError(exc.errcode, exc.detail) from None
    return {"type": uploaded.type, "media_id": uploaded.media_id, "created_at": str(uploaded.created_at)}


@route("POST", "media/upload_attachment")
def media_upload_attachment(ctx: ApiContext) -> dict[str, Any]:
    part = ctx.body.get("media")
    try:
        uploaded = media.upload_attachment(ctx.corp.media, ctx.query.get("media_type", ""),
                                           ctx.query.get("attachment_type", ""),
                                           part if isinstance(part, dict) else None, ctx.app.world.now())  # fmt: skip
    except media.Refused as exc:
        raise ApiError(exc.errcode, exc.detail) from None
    return {"type": uploaded.type, "media_id": uploaded.media_id, "created_at": uploaded.created_at}
