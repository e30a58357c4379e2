"""Scripts (话术库), materials (素材库) and their send counts (admin/content.py). The service
(scrm.content) checks every field's length and form; these models give the shapes and the document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from admin.schemas.base import Body, Model

KINDS = Literal["text", "image", "link", "miniprogram", "file", "video"]
CONTENT = ("the file's bytes in base64 (image: JPG or PNG; video: MP4; file: any), 6 bytes to 700 KiB: the API's "
           "1 MB body holds that as base64")  # fmt: skip


class ScriptPatch(Body):
    """Only the fields given change."""

    title: str | None = Field(None, description="≤ 64 characters, required on create")
    group: str | None = Field(None, description="≤ 30 characters; '' for none")
    text: str | None = Field(None, description="≤ 2,000 characters; {name} becomes the customer's name when sent")

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ScriptInput(ScriptPatch):
    title: str = Field(description="≤ 64 characters")
    text: str = Field(description="≤ 2,000 characters; {name} becomes the customer's name when sent")


class Script(Model):
    script_id: str
    scope: Literal["corp", "personal"]
    owner: str = Field(description="'' for corp-wide, else the member whose own it is")
    group: str
    title: str
    text: str
    created_by: str
    created_at: int
    updated_at: int


class ScriptList(Model):
    items: list[Script]
    next_cursor: str = Field(description="'' at the end")
    groups: list[str] = Field(description="the groups of every script that matched (for a group filter)")


class ScriptQuery(Model):
    q: str | None = Field(None, description="words in the title or text (case-insensitive)")
    group: str | None = Field(None, description="only this group")
    cursor: str | None = None
    limit: int | None = Field(None, description="1..200 (default 50)")


class MaterialPatch(Body):
    """Only the fields given change; the kind never does. New content drops the media_id kept for the old."""

    title: str | None = Field(None, description="≤ 64 characters, required on create; {name} is filled in links")
    group: str | None = Field(None, description="≤ 30 characters")
    text: str | None = Field(None, description="text: the message, ≤ 2,000 characters, {name} filled")
    url: str | None = Field(None, description="link: the page (http or https)")
    desc: str | None = Field(None, description="link: summary, ≤ 256 characters")
    cover_url: str | None = Field(None, description="link (optional) and miniprogram (required): the cover "
                                  "image's http(s) address (sendChatMessage's imgUrl)")  # fmt: skip
    appid: str | None = Field(None, description="miniprogram: the corp's linked mini program (wx…)")
    page: str | None = Field(None, description="miniprogram: the page, ending in .html")
    filename: str | None = Field(None, description="image, file, video: the name shown in the chat")
    content: str | None = Field(None, description=CONTENT)

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class MaterialInput(MaterialPatch):
    kind: KINDS = Field(description="text, image, link, miniprogram, file or video")
    title: str = Field(description="≤ 64 characters")


class Material(Model):
    material_id: str
    scope: Literal["corp", "personal"]
    owner: str
    kind: KINDS
    group: str
    title: str
    text: str | None = None
    url: str | None = None
    desc: str | None = None
    cover_url: str | None = None
    appid: str | None = None
    page: str | None = None
    filename: str | None = None
    size: int | None = Field(None, description="image, file, video: bytes")
    media_uploaded_at: int | None = Field(None, description="image, file, video: when its current media_id was "
                                          "uploaded (0: not yet; uploaded on the first send)")  # fmt: skip
    created_by: str
    created_at: int
    updated_at: int


class MaterialList(Model):
    items: list[Material]
    next_cursor: str
    groups: list[str]


class MaterialQuery(ScriptQuery):
    kind: KINDS | None = Field(None, description="only this kind")


class Deleted(Model):
    deleted: str


class UsageRow(Model):
    kind: Literal["script", "material"] | None = None
    item_id: str | None = None
    title: str | None = Field(None, description="corp-wide items' title ('' for personal or deleted ones)")
    scope: str | None = None
    userid: str | None = None
    sends: int
    last_at: int = Field(description="the last send counted (seconds)")


class Usage(Model):
    items: list[UsageRow]
    next_cursor: str
    total_sends: int = Field(description="over every row of the report, not only this page")


class UsageQuery(Model):
    by: Literal["item", "member"] | None = Field(None, description="item (default): sends per item; member: per member")
    userid: str | None = Field(None, description="with by=member: that member's sends per item")
    cursor: str | None = None
    limit: int | None = Field(None, description="1..200 (default 50)")
