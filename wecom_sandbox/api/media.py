"""``media/upload?type=`` (90253), multipart: media.py has the rules. dispatch.py hands the multipart field
``media`` in as ``body["media"]`` ({filename, content_type, data}), and records only its name and size."""

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
