"""What the content service needs from storage and from WeCom. The DynamoDB adapter is repository.py, the
WeCom call wecom.py (mixed into the shared gateway); tests/unit/content_fakes.py fakes each."""

from __future__ import annotations

from typing import Protocol

from scrm.content.model import Material, Media, Script


class ContentRepo(Protocol):
    """Scripts and materials of a corp: corp-wide ones (owner "") and each member's own."""

    def scripts(self, corp_id: str, owner: str) -> list[Script]:
        """Every script of that scope: owner "" the corp-wide ones, else that member's own."""
        ...

    def script(self, corp_id: str, owner: str, script_id: str) -> Script | None: ...

    def put_script(self, script: Script, new: bool) -> bool:
        """Save; ``new``: only if no such script exists, else only if it still does. False otherwise."""
        ...

    def delete_script(self, corp_id: str, owner: str, script_id: str) -> bool: ...

    def materials(self, corp_id: str, owner: str) -> list[Material]: ...

    def material(self, corp_id: str, owner: str, material_id: str) -> Material | None: ...

    def put_material(self, material: Material, new: bool, content: bytes | None = None) -> bool:
        """Save; with ``content``, its bytes under the material's (new) ``blob_id`` first."""
        ...

    def delete_material(self, corp_id: str, owner: str, material_id: str) -> bool: ...

    def content(self, material: Material) -> bytes:
        """The bytes of the material's current content."""
        ...

    def take_upload(self, material: Material, now: int, lease_s: int, token: str) -> bool:
        """Lease the upload of the material's content: only while its media is still the one read (nobody
        stored a newer one) and no unexpired lease is held. False if someone else holds it or was first."""
        ...

    def store_media(self, material: Material, media: Media, token: str) -> bool:
        """Keep the media_id (and end the lease) if the content is still ``material.blob_id``."""
        ...

    def add_use(self, corp_id: str, kind: str, item_id: str, userid: str, now: int) -> None:
        """One send of the item by the member: atomic additions to the item's, the member's and the
        member-and-item's counters."""
        ...

    def uses(self, corp_id: str, prefix: str) -> list[dict[str, object]]:
        """The counters whose key starts with ``prefix`` ("i#" items, "t#" members, "u#<userid>#")."""
        ...


class MediaWeCom(Protocol):
    """One corp's media/upload (90253); failures raise WeComError, a spent budget Throttled."""

    def upload_media(self, media_type: str, filename: str, content: bytes) -> tuple[str, int]:
        """(media_id, WeCom's created_at)."""
        ...
