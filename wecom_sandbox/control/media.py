"""Control endpoints for temporary media (media/upload), for tests to see what an app uploaded:

- ``GET /control/corps/{corp}/media``: every upload, oldest first: media_id, type, filename, size, sha256,
  created_at, expires_at and whether it has expired on the world clock (3 days after its upload).
- ``GET /control/corps/{corp}/media/{media_id}``: one of them (404 if the corp never issued it).
- media/upload_attachment's uploads (95098) are listed apart, under ``attachments`` (with ``attachment_type``),
  and ``GET …/media/{media_id}`` finds them too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import ControlError, Request, corp_or_404

if TYPE_CHECKING:
    from ..app import Sandbox


def list_media(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        now = app.world.now()
        return {"media": [m.view(now) for m in corp.media.uploads.values()],
                "attachments": [m.view(now) for m in corp.media.attachments.values()]}  # fmt: skip


def get_media(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        found = corp.media.uploads.get(req.params["media_id"]) or corp.media.attachments.get(req.params["media_id"])
        if found is None:
            raise ControlError(404, f"no media {req.params['media_id']} in corp {corp.corp_id}")
        return found.view(app.world.now())
