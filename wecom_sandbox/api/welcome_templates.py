"""入群欢迎语 materials (92366): externalcontact/group_welcome_template/add, edit, get, del.

A template holds text (content at most 3000 bytes, %NICKNAME% allowed) and optionally image,
link, miniprogram, file and video objects, each with the fields 92366 marks required.  At most
100 templates per corp (41055).  Nothing is ever sent from them in the sandbox; the SCRM only
needs to create, read, change and delete them.

Errors: an object missing a required field, or no content at all, 40063 ("some parameters are
empty", what WeCom answers for empty template fields); wrong types or over-long fields 40058;
a missing or unknown template_id 40037 ("invalid template_id" in WeCom's global list; which code
WeCom returns here is unconfirmed).
"""

from __future__ import annotations

from typing import Any

from .. import ids
from ..ways import GroupWelcomeTemplate
from ..world import Corp
from .errors import ApiError
from .fields import opt_int
from .registry import ApiContext, route
from .welcome import check_content_object, check_text

TEXT_MAX_BYTES = 3000
MAX_TEMPLATES = 100
KINDS = ("image", "link", "miniprogram", "file", "video")


def _content(body: dict[str, Any]) -> dict[str, Any]:
    """The content objects present in body, validated."""
    content: dict[str, Any] = {}
    if body.get("text") is not None and check_text(body["text"], TEXT_MAX_BYTES):
        content["text"] = {"content": body["text"]["content"]}
    for kind in KINDS:
        if body.get(kind) is not None:
            check_content_object(kind, body[kind], kind, missing_errcode=40063)
            content[kind] = dict(body[kind])
    return content


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    agentid = opt_int(body, "agentid")
    if agentid is not None:
        options["agentid"] = agentid
    notify = opt_int(body, "notify", 0, 1)
    if notify is not None:
        options["notify"] = notify
    return options


def _template_or_error(corp: Corp, body: dict[str, Any]) -> GroupWelcomeTemplate:
    template_id = body.get("template_id")
    if not isinstance(template_id, str) or not template_id:
        raise ApiError(40037, "missing template_id")
    template = corp.group_welcome_templates.get(template_id)
    if template is None:
        raise ApiError(40037, f"template_id {template_id}")
    return template


@route("POST", "externalcontact/group_welcome_template/add")
def add_template(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    content = _content(ctx.body)
    if not content:
        raise ApiError(40063, "text, image, link, miniprogram, file and video are all empty")
    options = _options(ctx.body)
    if len(corp.group_welcome_templates) >= MAX_TEMPLATES:
        raise ApiError(41055, f"a corp holds at most {MAX_TEMPLATES} group welcome templates")
    template_id = ids.template_id(corp.rng)
    corp.group_welcome_templates[template_id] = GroupWelcomeTemplate(
        template_id, content, ctx.app.world.now_int(), **options
    )
    return {"template_id": template_id}


@route("POST", "externalcontact/group_welcome_template/edit")
def edit_template(ctx: ApiContext) -> dict[str, Any]:
    """The given content objects replace the template's; absent ones are kept."""
    template = _template_or_error(ctx.corp, ctx.body)
    content = _content(ctx.body)
    options = _options(ctx.body)
    template.content.update(content)
    if "agentid" in options:
        template.agentid = options["agentid"]
    return {}


@route("POST", "externalcontact/group_welcome_template/get")
def get_template(ctx: ApiContext) -> dict[str, Any]:
    """WeCom's shape: the content objects at the top level, next to errcode."""
    template = _template_or_error(ctx.corp, ctx.body)
    return {kind: dict(value) for kind, value in template.content.items()}


@route("POST", "externalcontact/group_welcome_template/del")
def del_template(ctx: ApiContext) -> dict[str, Any]:
    template = _template_or_error(ctx.corp, ctx.body)
    del ctx.corp.group_welcome_templates[template.template_id]
    return {}
