"""Scripts, materials, their bytes and their send counters in DynamoDB (``scrm-content``).

Keys: pk = corp, sk = "s#c#<id>" / "m#c#<id>" (corp-wide) or "s#p#<userid>#<id>" / "m#p#<userid>#<id>" (a
member's own), so that one Query reads a scope and a member's items can only be reached with their userid.
A material's bytes: pk = corp#blob#<blob_id>, sk = "0000"…, ``CHUNK`` bytes each (DynamoDB's item is 400 KB);
new content gets a new blob_id and the old chunks go after the material points at the new ones. Counters:
pk = corp#use, each send an atomic ADD on "i#<kind>#<id>", "t#<userid>" and "u#<userid>#<kind>#<id>".
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DeleteError

from scrm.adapters.dynamo.conditional import condition_failed, consistent_get, save_if, update_if
from scrm.adapters.dynamo.models import ContentItem
from scrm.content.model import Kind, Material, Media, Script

C = ContentItem
CHUNK = 350_000


def _sk(prefix: str, owner: str, item_id: str) -> str:
    return f"{prefix}#p#{owner}#{item_id}" if owner else f"{prefix}#c#{item_id}"


def _scope(prefix: str, owner: str) -> str:
    return f"{prefix}#p#{owner}#" if owner else f"{prefix}#c#"


def _script(corp_id: str, i: ContentItem) -> Script:
    return Script(corp_id, i.sk.rsplit("#", 1)[1], i.owner or "", i.group or "", i.title or "", i.text or "",
                  i.created_by or "", int(i.created_at or 0), int(i.updated_at or 0))  # fmt: skip


def _material(corp_id: str, i: ContentItem) -> Material:
    return Material(
        corp_id, i.sk.rsplit("#", 1)[1], i.owner or "", Kind(i.kind), i.group or "", i.title or "",
        text=i.text or "", url=i.url or "", desc=i.desc or "", cover_url=i.cover_url or "", appid=i.appid or "",
        page=i.page or "", filename=i.filename or "", size=int(i.size or 0), blob_id=i.blob_id or "",
        chunks=int(i.chunks or 0), media=Media(i.media_id or "", int(i.media_at or 0)),
        created_by=i.created_by or "", created_at=int(i.created_at or 0), updated_at=int(i.updated_at or 0),
    )  # fmt: skip


def _blob_pk(corp_id: str, blob_id: str) -> str:
    return f"{corp_id}#blob#{blob_id}"


class DynamoContent:
    # scripts
    def scripts(self, corp_id: str, owner: str) -> list[Script]:
        return [_script(corp_id, i) for i in C.query(corp_id, C.sk.startswith(_scope("s", owner)), consistent_read=True)]

    def script(self, corp_id: str, owner: str, script_id: str) -> Script | None:
        i = consistent_get(C, corp_id, _sk("s", owner, script_id))
        return None if i is None else _script(corp_id, i)

    def put_script(self, script: Script, new: bool) -> bool:
        item = C(script.corp_id, _sk("s", script.owner, script.script_id), owner=script.owner or None,
                 group=script.group, title=script.title, text=script.text, created_by=script.created_by or None,
                 created_at=script.created_at, updated_at=script.updated_at)  # fmt: skip
        return save_if(item, C.pk.does_not_exist() if new else C.pk.exists())

    def delete_script(self, corp_id: str, owner: str, script_id: str) -> bool:
        return self._delete(corp_id, _sk("s", owner, script_id)) is not None

    # materials
    def materials(self, corp_id: str, owner: str) -> list[Material]:
        return [_material(corp_id, i) for i in C.query(corp_id, C.sk.startswith(_scope("m", owner)), consistent_read=True)]

    def material(self, corp_id: str, owner: str, material_id: str) -> Material | None:
        i = consistent_get(C, corp_id, _sk("m", owner, material_id))
        return None if i is None else _material(corp_id, i)

    def put_material(self, material: Material, new: bool, content: bytes | None = None) -> bool:
        m = material
        old = None if new or content is None else self.material(m.corp_id, m.owner, m.material_id)
        chunks = m.chunks
        if content is not None:
            parts = [content[n : n + CHUNK] for n in range(0, len(content), CHUNK)]
            with C.batch_write() as batch:
                for n, part in enumerate(parts):
                    batch.save(C(_blob_pk(m.corp_id, m.blob_id), f"{n:04d}", data=part))
            chunks = len(parts)
        item = C(m.corp_id, _sk("m", m.owner, m.material_id), kind=m.kind.value, owner=m.owner or None,
                 group=m.group, title=m.title, text=m.text or None, url=m.url or None, desc=m.desc or None,
                 cover_url=m.cover_url or None, appid=m.appid or None, page=m.page or None,
                 filename=m.filename or None, size=m.size or None, blob_id=m.blob_id or None, chunks=chunks or None,
                 media_id=m.media.media_id or None, media_at=m.media.uploaded_at,
                 created_by=m.created_by or None, created_at=m.created_at, updated_at=m.updated_at)  # fmt: skip
        saved = save_if(item, C.pk.does_not_exist() if new else C.pk.exists())
        if not saved and content is not None:
            self._drop_blob(m.corp_id, m.blob_id, chunks)
        elif saved and old is not None and old.blob_id and old.blob_id != m.blob_id:
            self._drop_blob(m.corp_id, old.blob_id, old.chunks)
        return saved

    def delete_material(self, corp_id: str, owner: str, material_id: str) -> bool:
        gone = self._delete(corp_id, _sk("m", owner, material_id))
        if gone is None:
            return False
        if gone.blob_id:
            self._drop_blob(corp_id, gone.blob_id, int(gone.chunks or 0))
        return True

    def content(self, material: Material) -> bytes:
        pk = _blob_pk(material.corp_id, material.blob_id)
        return b"".join(bytes(i.data or b"") for i in C.query(pk, consistent_read=True))

    def take_upload(self, material: Material, now: int, lease_s: int, token: str) -> bool:
        item = C(material.corp_id, _sk("m", material.owner, material.material_id))
        condition = (C.pk.exists() & (C.media_at == material.media.uploaded_at) & (C.blob_id == material.blob_id)
                     & (C.lease_until.does_not_exist() | (C.lease_until < now)))  # fmt: skip
        return update_if(item, [C.lease_until.set(now + lease_s), C.lease_by.set(token)], condition)

    def store_media(self, material: Material, media: Media, token: str) -> bool:
        item = C(material.corp_id, _sk("m", material.owner, material.material_id))
        actions: list[Any] = [C.media_at.set(media.uploaded_at), C.lease_until.remove(), C.lease_by.remove()]
        actions.append(C.media_id.set(media.media_id) if media.media_id else C.media_id.remove())
        condition = C.pk.exists() & (C.blob_id == material.blob_id) & (C.lease_by == token)
        return update_if(item, actions, condition)

    # counters
    def add_use(self, corp_id: str, kind: str, item_id: str, userid: str, now: int) -> None:
        pk = f"{corp_id}#use"
        for sk in (f"i#{kind}#{item_id}", f"t#{userid}", f"u#{userid}#{kind}#{item_id}"):
            C(pk, sk).update(actions=[C.sends.add(1), C.last_at.set(now)])

    def uses(self, corp_id: str, prefix: str) -> list[dict[str, object]]:
        return [{"key": i.sk, "sends": int(i.sends or 0), "last_at": int(i.last_at or 0)}
                for i in C.query(f"{corp_id}#use", C.sk.startswith(prefix), consistent_read=True)]  # fmt: skip

    # helpers
    def _delete(self, pk: str, sk: str) -> ContentItem | None:
        """Delete and return the item as it was; None if there was none."""
        item = consistent_get(C, pk, sk)
        if item is None:
            return None
        try:
            item.delete(condition=C.pk.exists())
        except DeleteError as exc:
            if condition_failed(exc):
                return None
            raise
        return item

    def _drop_blob(self, corp_id: str, blob_id: str, chunks: int) -> None:
        with C.batch_write() as batch:
            for n in range(max(chunks, 1)):
                batch.delete(C(_blob_pk(corp_id, blob_id), f"{n:04d}"))
