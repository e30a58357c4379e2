"""What an admin asks for when creating a moment task (客户朋友圈, issue 20), checked before anything is stored or
sent to WeCom: every rule of add_moment_task (95094) we can check ourselves is a 400 naming the field here,
so a task WeCom would refuse is never created.

WeCom's rules: text up to 2,000 characters; attachments up to 9 images, **or** 1 video, **or** 1 link (kinds
are not mixed); text and attachments not both empty; senders up to 100,000 members (``user_list``) and
departments; the customers who see it chosen by corp tags only (no rule-group tags). A video's 30 s is
checked by the service from its MP4 header (moments/video.py; one it cannot read is left to WeCom, whose
refusal is recorded with its code). Media come from the
material library (素材库): an image or video material's bytes are uploaded with
``media/upload_attachment`` (attachment_type 1) just before the task is created, since a media_id lives 3 days
and a task may be scheduled later than that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrm.kernel.field_error import FieldError

NAME_MAX = 64
TEXT_MAX = 2000
IMAGES_MAX = 9
SENDERS_MAX = 100_000
DEPARTMENTS_MAX = 1000  # our cap (WeCom names none): a department id list is read on every create
TAGS_MAX = 1000  # our cap (WeCom names none)
TITLE_MAX = 64
TITLE_BYTES_MAX = 64  # a link's title: WeCom counts bytes
URL_MAX = 1024
REMIND_AFTER_H, REMIND_AFTER_MAX_H = 24, 168  # our default: a day after the task exists; 0: never
SCHEDULE_AHEAD_MAX_S = 30 * 86_400  # our cap: a schedule further out than a month is a typo
IMAGE, VIDEO, LINK = "image", "video", "link"


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    cover: str = ""  # an image material whose bytes become the link's media_id (WeCom requires it)


@dataclass(frozen=True)
class MomentSpec:
    name: str
    text: str = ""
    images: tuple[str, ...] = ()  # image material ids, in order
    video: str = ""  # a video material id
    link: Link | None = None
    senders: tuple[str, ...] = ()  # members; with departments empty too: every member the app sees
    departments: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()  # corp tag ids; empty: every customer of each sender
    schedule_at: int | None = None
    remind_after_hours: int = REMIND_AFTER_H  # members who have not posted by then get an app message

    @property
    def attachment_kind(self) -> str:
        return IMAGE if self.images else VIDEO if self.video else LINK if self.link else ""

    def materials(self) -> list[str]:
        """Every material the task uploads, in the order of its attachments."""
        cover = [self.link.cover] if self.link and self.link.cover else []
        return [*self.images, *([self.video] if self.video else []), *cover]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "text": self.text}
        if self.images:
            out["images"] = list(self.images)
        if self.video:
            out["video"] = self.video
        if self.link is not None:
            out["link"] = {"title": self.link.title, "url": self.link.url, **({"cover": self.link.cover}
                                                                                if self.link.cover else {})}  # fmt: skip
        out["senders"], out["departments"], out["tags"] = list(self.senders), list(self.departments), list(self.tags)
        if self.schedule_at is not None:
            out["schedule_at"] = self.schedule_at
        out["remind_after_hours"] = self.remind_after_hours
        return out


def _str(body: Mapping[str, Any], key: str, most: int, required: bool = False, path: str = "") -> str:
    field = path or key
    value = body.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(field, "must be a string")
    value = value.strip()
    if required and not value:
        raise FieldError(field, "required")
    if len(value) > most:
        raise FieldError(field, f"at most {most} characters (got {len(value)})")
    return value


def _ids(body: Mapping[str, Any], key: str, most: int) -> tuple[str, ...]:
    value = body.get(key) or []
    if not isinstance(value, list):
        raise FieldError(key, "must be a list")
    if len(value) > most:
        raise FieldError(key, f"at most {most} (got {len(value)})")
    out: list[str] = []
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v.strip() or len(v) > 256:
            raise FieldError(f"{key}[{i}]", "must be a non-empty id of at most 256 characters")
        if v.strip() not in out:
            out.append(v.strip())
    return tuple(out)


def _departments(body: Mapping[str, Any]) -> tuple[int, ...]:
    value = body.get("departments") or []
    if not isinstance(value, list):
        raise FieldError("departments", "must be a list of department ids")
    if len(value) > DEPARTMENTS_MAX:
        raise FieldError("departments", f"at most {DEPARTMENTS_MAX} (got {len(value)})")
    out: list[int] = []
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise FieldError(f"departments[{i}]", "must be a department id (a positive integer)")
        if v not in out:
            out.append(v)
    return tuple(out)


def _link(body: Mapping[str, Any]) -> Link | None:
    value = body.get("link")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise FieldError("link", "must be an object {title, url, cover}")
    title = _str(value, "title", TITLE_MAX, path="link.title")
    url = _str(value, "url", URL_MAX, path="link.url")
    if not title:
        raise FieldError("link.title", "required")
    if len(title.encode()) > TITLE_BYTES_MAX:
        raise FieldError("link.title", f"at most {TITLE_BYTES_MAX} bytes in UTF-8 (WeCom's limit; a Chinese character is 3)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FieldError("link.url", "must be an http(s) URL")
    cover = value.get("cover") or ""
    if not isinstance(cover, str) or not cover.strip():
        raise FieldError("link.cover", "required: an image material id (WeCom needs the link's cover)")
    return Link(title, url, cover.strip())


def parse_spec(body: Mapping[str, Any], now: int) -> MomentSpec:
    """The spec of a create body, or a FieldError naming the first field WeCom (or we) would refuse."""
    name = _str(body, "name", NAME_MAX, required=True)
    text = body.get("text") or ""
    if not isinstance(text, str):
        raise FieldError("text", "must be a string")
    if len(text) > TEXT_MAX:
        raise FieldError("text", f"at most {TEXT_MAX} characters (got {len(text)})")
    images = _ids(body, "images", IMAGES_MAX)
    video = _str(body, "video", 256)
    link = _link(body)
    kinds = [k for k, v in ((IMAGE, images), (VIDEO, video), (LINK, link)) if v]
    if len(kinds) > 1:
        raise FieldError(kinds[1], "a moment carries up to 9 images, or 1 video, or 1 link: not "
                         + " and ".join(kinds))  # fmt: skip
    if not text.strip() and not kinds:
        raise FieldError("text", "a moment needs a text or an attachment")
    senders = _ids(body, "senders", SENDERS_MAX)
    departments = _departments(body)
    tags = _ids(body, "tags", TAGS_MAX)
    schedule_at = body.get("schedule_at")
    if schedule_at is not None:
        if isinstance(schedule_at, bool) or not isinstance(schedule_at, int):
            raise FieldError("schedule_at", "must be unix seconds")
        if schedule_at > now + SCHEDULE_AHEAD_MAX_S:
            raise FieldError("schedule_at", "at most 30 days ahead")
        if schedule_at <= now:
            schedule_at = None  # due now: created at once
    remind = body.get("remind_after_hours", REMIND_AFTER_H)
    if isinstance(remind, bool) or not isinstance(remind, int) or not 0 <= remind <= REMIND_AFTER_MAX_H:
        raise FieldError("remind_after_hours", f"hours from 0 (no reminder) to {REMIND_AFTER_MAX_H}")
    return MomentSpec(name, text, images, video, link, senders, departments, tags, schedule_at, remind)


def spec_from_dict(stored: Mapping[str, Any]) -> MomentSpec:
    """A spec as ``as_dict`` stored it (checked when it was made): read back as written."""
    link = stored.get("link")
    return MomentSpec(
        name=str(stored.get("name") or ""), text=str(stored.get("text") or ""),
        images=tuple(stored.get("images") or ()), video=str(stored.get("video") or ""),
        link=Link(link["title"], link["url"], link.get("cover", "")) if link else None,
        senders=tuple(stored.get("senders") or ()), departments=tuple(int(d) for d in stored.get("departments") or ()),
        tags=tuple(stored.get("tags") or ()), schedule_at=stored.get("schedule_at"),
        remind_after_hours=int(stored.get("remind_after_hours", REMIND_AFTER_H)),
    )  # fmt: skip


def unknown_paths(spec: MomentSpec, known_members: set[str], known_tags: set[str]) -> list[str]:
    """The field paths of senders and tags our store does not hold (``senders[3]``, ``tags[0]``)."""
    out = [f"senders[{i}]" for i, s in enumerate(spec.senders) if s not in known_members]
    out += [f"tags[{i}]" for i, t in enumerate(spec.tags) if t not in known_tags]
    return out


def wecom_body(spec: MomentSpec, media: Sequence[str]) -> dict[str, Any]:
    """add_moment_task's body: ``media`` the media_ids of ``spec.materials()``, in that order."""
    body: dict[str, Any] = {}
    if spec.text:
        body["text"] = {"content": spec.text}
    attachments: list[dict[str, Any]] = []
    if spec.images:
        attachments = [{"msgtype": IMAGE, IMAGE: {"media_id": m}} for m in media[: len(spec.images)]]
    elif spec.video:
        attachments = [{"msgtype": VIDEO, VIDEO: {"media_id": media[0]}}]
    elif spec.link is not None:
        link: dict[str, Any] = {"title": spec.link.title, "url": spec.link.url}
        if spec.link.cover:
            link["media_id"] = media[0]
        attachments = [{"msgtype": LINK, LINK: link}]
    if attachments:
        body["attachments"] = attachments
    visible: dict[str, Any] = {}
    if spec.senders or spec.departments:
        visible["sender_list"] = {**({"user_list": list(spec.senders)} if spec.senders else {}),
                                  **({"department_list": list(spec.departments)} if spec.departments else {})}  # fmt: skip
    if spec.tags:
        visible["external_contact_list"] = {"tag_list": list(spec.tags)}
    if visible:
        body["visible_range"] = visible
    return body
