"""Scripts (话术库) and materials (素材库), corp-wide: list, read, create, edit, delete; and how often each was
sent, per item and per member. Members' own items are the sidebar's (its routes call the same service with the
session's member). Operators and admins write; viewers read."""

from __future__ import annotations

from typing import Any

from admin.api import Doc, json_response, limit_of, query_of, route
from admin.schemas import content as S

SCRIPT_ID = {"script_id": "from POST /admin/scripts"}
MATERIAL_ID = {"material_id": "from POST /admin/materials"}
CAP = {409: "the corp has 1,000 corp-wide scripts (or materials) already"}


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.content()


def _by(principal: Any) -> str:
    """Who made a corp-wide item: the console member, else the API key."""
    return getattr(principal, "userid", "") or f"key:{principal.key_id}"


@route("/admin/scripts", doc=Doc(
    "Corp-wide scripts, by group and title; q searches title and text",
    {200: ("a page of scripts", S.ScriptList)}, query=S.ScriptQuery,
))  # fmt: skip
def scripts(principal: Any, request: Any) -> Any:
    q = query_of(request)
    return _service().list_scripts(principal.corp_id, "", q.get("q", ""), q.get("group", ""), q.get("cursor", ""),
                                   limit_of(request, 50))  # fmt: skip


@route("/admin/scripts", methods=("POST",), write=True, doc=Doc(
    "Create a corp-wide script", {201: ("the script", S.Script)}, body=S.ScriptInput, errors=CAP,
))  # fmt: skip
def script_create(principal: Any, request: Any, body: S.ScriptInput) -> Any:
    return json_response(201, _service().create_script(principal.corp_id, _by(principal), body.fields()))


@route("/admin/scripts/{script_id}", doc=Doc(
    "A corp-wide script", {200: ("the script", S.Script)}, params=SCRIPT_ID, errors={404: None},
))  # fmt: skip
def script(principal: Any, request: Any, script_id: str) -> Any:
    return _service().script(principal.corp_id, script_id)


@route("/admin/scripts/{script_id}", methods=("PATCH",), write=True, doc=Doc(
    "Change a corp-wide script's title, group or text", {200: ("the script", S.Script)}, body=S.ScriptPatch,
    params=SCRIPT_ID, errors={404: None},
))  # fmt: skip
def script_update(principal: Any, request: Any, script_id: str, body: S.ScriptPatch) -> Any:
    return _service().update_script(principal.corp_id, script_id, _by(principal), body.fields())


@route("/admin/scripts/{script_id}", methods=("DELETE",), write=True, doc=Doc(
    "Delete a corp-wide script (its send counts stay)", {200: ("deleted", S.Deleted)}, params=SCRIPT_ID,
    errors={404: None},
))  # fmt: skip
def script_delete(principal: Any, request: Any, script_id: str) -> Any:
    return _service().delete_script(principal.corp_id, script_id, _by(principal))


@route("/admin/materials", doc=Doc(
    "Corp-wide materials, by group and title; q searches title, text, description and file name",
    {200: ("a page of materials (without their bytes)", S.MaterialList)}, query=S.MaterialQuery,
))  # fmt: skip
def materials(principal: Any, request: Any) -> Any:
    q = query_of(request)
    return _service().list_materials(principal.corp_id, "", q.get("q", ""), q.get("kind", ""), q.get("group", ""),
                                     q.get("cursor", ""), limit_of(request, 50))  # fmt: skip


@route("/admin/materials", methods=("POST",), write=True, doc=Doc(
    "Create a corp-wide material: text, image, link, miniprogram, file or video",
    {201: ("the material", S.Material)}, body=S.MaterialInput, errors=CAP,
    description="Images, files and videos carry their bytes in `content` (base64, at most 700 KiB: the API's "
    "1 MB body cap). They are uploaded to WeCom (media/upload) on the first send and again when the "
    "media_id is 2.5 days old (WeCom keeps one 3 days), once for the corp, never once per send.",
))  # fmt: skip
def material_create(principal: Any, request: Any, body: S.MaterialInput) -> Any:
    return json_response(201, _service().create_material(principal.corp_id, _by(principal), body.fields()))


@route("/admin/materials/{material_id}", doc=Doc(
    "A corp-wide material (without its bytes)", {200: ("the material", S.Material)}, params=MATERIAL_ID,
    errors={404: None},
))  # fmt: skip
def material(principal: Any, request: Any, material_id: str) -> Any:
    return _service().material(principal.corp_id, material_id)


@route("/admin/materials/{material_id}", methods=("PATCH",), write=True, doc=Doc(
    "Change a corp-wide material's fields (not its kind); new content is uploaded on its next send",
    {200: ("the material", S.Material)}, body=S.MaterialPatch, params=MATERIAL_ID, errors={404: None},
))  # fmt: skip
def material_update(principal: Any, request: Any, material_id: str, body: S.MaterialPatch) -> Any:
    return _service().update_material(principal.corp_id, material_id, _by(principal), body.fields())


@route("/admin/materials/{material_id}", methods=("DELETE",), write=True, doc=Doc(
    "Delete a corp-wide material and its bytes (its send counts stay)", {200: ("deleted", S.Deleted)},
    params=MATERIAL_ID, errors={404: None},
))  # fmt: skip
def material_delete(principal: Any, request: Any, material_id: str) -> Any:
    return _service().delete_material(principal.corp_id, material_id, _by(principal))


@route("/admin/content/usage", doc=Doc(
    "Sends of scripts and materials from the sidebar: per item (most sent first), per member, or one member's "
    "per item", {200: ("a page of counts", S.Usage)}, query=S.UsageQuery,
))  # fmt: skip
def usage(principal: Any, request: Any) -> Any:
    q = query_of(request)
    return _service().usage(principal.corp_id, q.get("by", "") or "item", q.get("userid", ""), q.get("cursor", ""),
                            limit_of(request, 50))  # fmt: skip
