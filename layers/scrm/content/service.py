"""Scripts (话术库) and materials (素材库): the libraries, what one tap sends, and how often each item was sent.

Every method takes the acting member (``by_userid`` / ``for_userid``) explicitly: the admin API manages the
corp-wide items, the sidebar's routes (the lead's) call the same methods with the session's member after
checking that member serves the customer. Corp-wide writes (``personal=False``) are for the admin API's
operators and admins only; a member's own items (``personal=True``) are stored under that member and can
only be reached with that member's userid, so nobody else can read, edit or send them.

Sending images, files and videos needs a temporary media_id (media/upload, 90253, valid 3 days). One is
kept on the material with its upload time and reused until it is ``REUPLOAD_AFTER_S`` old; the upload is
leased with a conditional write, so concurrent sends of a stale material upload once (a lease ends after
``LEASE_S``: a crashed uploader costs one more upload, never a stuck material).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from scrm.content.model import (
    CORP_ITEMS_MAX,
    MEDIA_KINDS,
    PERSONAL_ITEMS_MAX,
    Kind,
    Material,
    Media,
    Script,
    kind_of,
    material_fields,
    render,
    script_fields,
    send_params,
)
from scrm.content.ports import ContentRepo, MediaWeCom
from scrm.kernel import page_cursor
from scrm.kernel.errors import Conflict, NotFound, WeComRefused
from scrm.kernel.field_error import FieldError
from scrm.kernel.wecom_error import WeComError

LEASE_S = 30  # longer than one upload of 700 KB with the client's retries
WAIT_S = 20.0  # how long a send waits for another's upload before it answers 409
SEND_KINDS = ("script", "material")
USAGE_BY = ("item", "member")


def _limit(limit: int) -> int:
    if not 1 <= limit <= 200:
        raise FieldError("limit", "1..200")
    return limit


def _owner(by_userid: str, personal: bool) -> str:
    if personal and not by_userid:
        raise FieldError("by_userid", "a personal item needs its member")
    return by_userid if personal else ""


def _matches(q: str, *texts: str) -> bool:
    return not q or any(q in t.lower() for t in texts)


class ContentService:
    def __init__(
        self,
        repo: ContentRepo,
        wecom: Callable[[str], MediaWeCom],
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.repo = repo
        self.wecom = wecom
        self.clock = clock
        self.sleep = sleep

    render = staticmethod(render)

    # scripts ------------------------------------------------------------------------------------
    def list_scripts(
        self, corp_id: str, for_userid: str = "", q: str = "", group: str = "", cursor: str = "", limit: int = 50
    ) -> dict[str, Any]:
        """Corp-wide scripts and, with ``for_userid``, that member's own; ``q`` searches title and text
        (case-insensitive), ``group`` is exact. Ordered by group, title; paged by ``cursor``."""
        rows = self.repo.scripts(corp_id, "") + (self.repo.scripts(corp_id, for_userid) if for_userid else [])
        needle = q.strip().lower()
        rows = [s for s in rows if _matches(needle, s.title.lower(), s.text.lower())
                and (not group or s.group == group)]  # fmt: skip
        taken, after = page_cursor.page(rows, lambda s: f"{s.group}\x1f{s.title}\x1f{s.script_id}", corp_id,
                                        f"scripts/{for_userid}/{needle}/{group}", cursor, _limit(limit))  # fmt: skip
        groups = sorted({s.group for s in rows})
        return {"items": [s.to_dict() for s in taken], "next_cursor": after, "groups": groups}

    def script(self, corp_id: str, script_id: str, for_userid: str = "") -> dict[str, Any]:
        return self._script(corp_id, script_id, for_userid).to_dict()

    def create_script(
        self, corp_id: str, by_userid: str, fields: dict[str, Any], personal: bool = False
    ) -> dict[str, Any]:
        owner = _owner(by_userid, personal)
        checked = script_fields(fields)
        cap = PERSONAL_ITEMS_MAX if owner else CORP_ITEMS_MAX
        if len(self.repo.scripts(corp_id, owner)) >= cap:
            raise Conflict(f"at most {cap} {'personal' if owner else 'corp-wide'} scripts")
        now = int(self.clock())
        script = Script(corp_id, "s" + secrets.token_hex(8), owner, checked["group"], checked["title"],
                        checked["text"], by_userid, now, now)  # fmt: skip
        if not self.repo.put_script(script, new=True):
            raise Conflict("a script of that id exists; try again")
        return script.to_dict()

    def update_script(
        self, corp_id: str, script_id: str, by_userid: str, fields: dict[str, Any], personal: bool = False
    ) -> dict[str, Any]:
        owner = _owner(by_userid, personal)
        old = self.repo.script(corp_id, owner, script_id)
        if old is None:
            raise NotFound(f"no such script: {script_id}", "script_id")
        changed = replace(old, **script_fields(fields, partial=True), updated_at=int(self.clock()))
        if not self.repo.put_script(changed, new=False):
            raise NotFound(f"no such script: {script_id}", "script_id")
        return changed.to_dict()

    def delete_script(self, corp_id: str, script_id: str, by_userid: str, personal: bool = False) -> dict[str, Any]:
        if not self.repo.delete_script(corp_id, _owner(by_userid, personal), script_id):
            raise NotFound(f"no such script: {script_id}", "script_id")
        return {"deleted": script_id}

    def _script(self, corp_id: str, script_id: str, for_userid: str) -> Script:
        """A corp-wide script, else the member's own; NotFound for anything else (another member's)."""
        found = self.repo.script(corp_id, "", script_id)
        if found is None and for_userid:
            found = self.repo.script(corp_id, for_userid, script_id)
        if found is None:
            raise NotFound(f"no such script: {script_id}", "script_id")
        return found

    # materials ----------------------------------------------------------------------------------
    def list_materials(
        self, corp_id: str, for_userid: str = "", q: str = "", kind: str = "", group: str = "",
        cursor: str = "", limit: int = 50,
    ) -> dict[str, Any]:  # fmt: skip
        """Corp-wide materials and, with ``for_userid``, that member's own; ``q`` searches title, text,
        description and file name; ``kind`` and ``group`` are exact. Ordered by group, title."""
        wanted = kind_of(kind) if kind else None
        rows = self.repo.materials(corp_id, "") + (self.repo.materials(corp_id, for_userid) if for_userid else [])
        needle = q.strip().lower()
        rows = [m for m in rows if _matches(needle, m.title.lower(), m.text.lower(), m.desc.lower(),
                                            m.filename.lower())
                and (wanted is None or m.kind is wanted) and (not group or m.group == group)]  # fmt: skip
        taken, after = page_cursor.page(rows, lambda m: f"{m.group}\x1f{m.title}\x1f{m.material_id}", corp_id,
                                        f"materials/{for_userid}/{needle}/{kind}/{group}", cursor, _limit(limit))  # fmt: skip
        return {"items": [m.to_dict() for m in taken], "next_cursor": after, "groups": sorted({m.group for m in rows})}

    def material(self, corp_id: str, material_id: str, for_userid: str = "") -> dict[str, Any]:
        return self._material(corp_id, material_id, for_userid).to_dict()

    def create_material(
        self, corp_id: str, by_userid: str, fields: dict[str, Any], personal: bool = False
    ) -> dict[str, Any]:
        owner = _owner(by_userid, personal)
        kind = kind_of(fields.get("kind"))
        checked = material_fields(kind, fields)
        content: bytes | None = checked.pop("content", None)
        cap = PERSONAL_ITEMS_MAX if owner else CORP_ITEMS_MAX
        if len(self.repo.materials(corp_id, owner)) >= cap:
            raise Conflict(f"at most {cap} {'personal' if owner else 'corp-wide'} materials")
        now = int(self.clock())
        material = Material(corp_id, "m" + secrets.token_hex(8), owner, kind, created_by=by_userid,
                            created_at=now, updated_at=now, **checked)  # fmt: skip
        if content is not None:
            material = replace(material, size=len(content), blob_id=secrets.token_hex(8))
        if not self.repo.put_material(material, new=True, content=content):
            raise Conflict("a material of that id exists; try again")
        return material.to_dict()

    def update_material(
        self, corp_id: str, material_id: str, by_userid: str, fields: dict[str, Any], personal: bool = False
    ) -> dict[str, Any]:
        """Change the given fields (the kind stays); new content drops the media_id kept for the old."""
        owner = _owner(by_userid, personal)
        old = self.repo.material(corp_id, owner, material_id)
        if old is None:
            raise NotFound(f"no such material: {material_id}", "material_id")
        if "kind" in fields and fields["kind"] != old.kind.value:
            raise FieldError("kind", "a material's kind cannot change; create a new one")
        checked = material_fields(old.kind, fields, partial=True)
        content: bytes | None = checked.pop("content", None)
        changed = replace(old, **checked, updated_at=int(self.clock()))
        if content is not None:
            changed = replace(changed, size=len(content), blob_id=secrets.token_hex(8), media=Media())
        if not self.repo.put_material(changed, new=False, content=content):
            raise NotFound(f"no such material: {material_id}", "material_id")
        return changed.to_dict()

    def delete_material(
        self, corp_id: str, material_id: str, by_userid: str, personal: bool = False
    ) -> dict[str, Any]:
        if not self.repo.delete_material(corp_id, _owner(by_userid, personal), material_id):
            raise NotFound(f"no such material: {material_id}", "material_id")
        return {"deleted": material_id}

    def _material(self, corp_id: str, material_id: str, for_userid: str) -> Material:
        found = self.repo.material(corp_id, "", material_id)
        if found is None and for_userid:
            found = self.repo.material(corp_id, for_userid, material_id)
        if found is None:
            raise NotFound(f"no such material: {material_id}", "material_id")
        return found

    def media(self, corp_id: str, material_id: str) -> tuple[str, str, bytes] | None:
        """A corp-wide material's (kind, file name, bytes), None when there is none or it holds no bytes:
        what another feature uploads itself (a moment's media/upload_attachment)."""
        material = self.repo.material(corp_id, "", material_id)
        if material is None or not material.blob_id:
            return None
        return str(material.kind), material.filename, self.repo.content(material)

    # sending ------------------------------------------------------------------------------------
    def payload_for_send(
        self, corp_id: str, by_userid: str, *, script_id: str = "", material_id: str = "", customer_name: str = ""
    ) -> dict[str, Any]:
        """The params of ``wx.invoke('sendChatMessage', …)`` (98539) for a corp-wide item or the member's
        own: ``{name}`` filled with ``customer_name``; images, files and videos by a media_id uploaded at
        most once per ``REUPLOAD_AFTER_S`` for the whole corp (never per send)."""
        if bool(script_id) == bool(material_id):
            raise FieldError("script_id" if script_id else "material_id", "name exactly one of script_id and material_id")
        if script_id:
            return send_params(self._script(corp_id, script_id, by_userid), customer_name)
        material = self._material(corp_id, material_id, by_userid)
        media_id = self._media_id(material, by_userid) if material.kind in MEDIA_KINDS else ""
        return send_params(material, customer_name, media_id)

    def _media_id(self, material: Material, by_userid: str) -> str:
        deadline = time.monotonic() + WAIT_S
        while True:
            now = self.clock()
            if material.media.fresh(now):
                return material.media.media_id
            token = secrets.token_hex(8)
            if self.repo.take_upload(material, int(now), LEASE_S, token):
                return self._upload(material, int(now), token)
            if time.monotonic() > deadline:
                raise Conflict("the material is being uploaded to WeCom; try again in a moment", "material_id")
            self.sleep(0.1)
            again = self.repo.material(material.corp_id, material.owner, material.material_id)
            if again is None:
                raise NotFound(f"no such material: {material.material_id}", "material_id")
            material = again

    def _upload(self, material: Material, now: int, token: str) -> str:
        """Upload the content under our lease; the upload time kept is when it started (the conservative
        end of WeCom's 3 days)."""
        try:
            content = self.repo.content(material)
            media_id, _created = self.wecom(material.corp_id).upload_media(
                Kind(material.kind).value, material.filename, content)  # fmt: skip
        except WeComError as exc:
            self.repo.store_media(material, material.media, token)  # ends the lease, keeps what was there
            raise WeComRefused(exc.errcode, exc.errmsg) from None
        except BaseException:
            self.repo.store_media(material, material.media, token)
            raise
        self.repo.store_media(material, Media(media_id, now), token)
        return media_id

    def record_send(self, corp_id: str, kind: str, item_id: str, by_userid: str) -> dict[str, Any]:
        """Count one send of a script or material (one the member may send) for the item and the member:
        atomic additions, so concurrent sends are all counted."""
        if kind not in SEND_KINDS:
            raise FieldError("kind", "script or material")
        if not by_userid:
            raise FieldError("by_userid", "is required")
        item = self._script(corp_id, item_id, by_userid) if kind == "script" else self._material(corp_id, item_id, by_userid)
        self.repo.add_use(corp_id, kind, item_id, by_userid, int(self.clock()))
        return {"counted": True, "kind": kind, "item_id": item_id, "owner": item.owner}

    def usage(
        self, corp_id: str, by: str = "item", userid: str = "", cursor: str = "", limit: int = 50
    ) -> dict[str, Any]:
        """Sends counted per item (``by=item``), per member (``by=member``), or one member's per item
        (``by=member&userid=``); most sent first. Corp-wide items carry their title."""
        if by not in USAGE_BY:
            raise FieldError("by", "item or member")
        if userid and by == "item":
            raise FieldError("userid", "only with by=member")
        if by == "member" and not userid:
            rows = [{"userid": str(r["key"])[2:], "sends": int(r["sends"]), "last_at": int(r["last_at"])}  # type: ignore[call-overload]
                    for r in self.repo.uses(corp_id, "t#")]  # fmt: skip
            key = lambda r: f"{10**9 - r['sends']:010d}\x1f{r['userid']}"  # noqa: E731
        else:
            prefix = f"u#{userid}#" if userid else "i#"
            rows = []
            for r in self.repo.uses(corp_id, prefix):
                kind, _, item_id = str(r["key"])[len(prefix):].partition("#")
                rows.append({"kind": kind, "item_id": item_id, "sends": int(r["sends"]), "last_at": int(r["last_at"])})  # type: ignore[call-overload]
            titles = {s.script_id: s.title for s in self.repo.scripts(corp_id, "")}
            titles.update({m.material_id: m.title for m in self.repo.materials(corp_id, "")})
            for r in rows:
                r["title"] = titles.get(r["item_id"], "")
                r["scope"] = "corp" if r["item_id"] in titles else "personal_or_deleted"
            key = lambda r: f"{10**9 - r['sends']:010d}\x1f{r['kind']}\x1f{r['item_id']}"  # noqa: E731
        taken, after = page_cursor.page(rows, key, corp_id, f"usage/{by}/{userid}", cursor, _limit(limit))
        return {"items": taken, "next_cursor": after, "total_sends": sum(r["sends"] for r in rows)}


__all__ = ["ContentService"]
