"""Customer moments (客户朋友圈) of the enterprise: add_moment_task / get_moment_task_result (95094),
cancel_moment_task (97612), get_moment_list / get_moment_task / get_moment_customer_list /
get_moment_send_result / get_moment_comments (93333). The model and the flow are in wecom_sandbox/moments.py;
the member's publish, likes and comments are control endpoints (control/moments.py).

Errors (the codes named by WeCom's global list 90313 unless marked as the sandbox's choice in docs/sandbox.md):
44004 neither text nor attachments; text over 2000 characters 45002 (95094's errmsg 'invalid text size');
41064 more than 9 images, 1 video or 1 link ('invalid attachments size'); 41065 mixed or unknown attachment
types ('invalid attachments msgtype'); 41006 a missing media_id; 40007 a media_id that is not a live
upload_attachment id of the right type; 40058 bad JSON types, more than 100,000 senders, link.title over 64 bytes,
a get_moment_list without start/end time, a bad filter_type or cursor; 600018 a list window over 30 days;
40088 an unknown or expired jobid; 41059 missing moment_id, 41060 unknown (or gone) moment_id, 41009 missing userid,
41061 a userid that is not a sender of the moment, 41062 a sender who has not published yet.
"""

from __future__ import annotations

from typing import Any

from .. import ids, media, moments
from ..moments import MemberPost, Moment, MomentJob
from ..world import Corp
from . import cursor
from .contact_ways import party_members
from .errors import ApiError, errmsg
from .registry import ApiContext, route
from .users import departments

MAX_TEXT_CHARS = 2000
MAX_SENDERS = 100_000
MAX_LINK_TITLE_BYTES = 64
MAX_PER_KIND = {"image": 9, "video": 1, "link": 1}
LIST_WINDOW_S = 30 * 86_400
LIST_LIMIT = (20, 20)
TASK_LIMIT = (500, 1000)
CUSTOMER_LIMIT = (500, 1000)
SEND_RESULT_LIMIT = (3000, 5000)
"""(default, maximum) per 93333; a limit over the maximum takes the default ("超过最大值时取默认值")."""
TOTAL_FAILURE = 81013
"""The whole job fails when no sender is valid (81013: UserID、部门ID、标签ID全部非法; the sandbox's choice)."""


def _text(ctx: ApiContext) -> str:
    raw = ctx.body.get("text")
    if raw is None:
        return ""
    content = raw.get("content", "") if isinstance(raw, dict) else None
    if not isinstance(content, str):
        raise ApiError(40058, "text must be {content: string}")
    if len(content) > MAX_TEXT_CHARS:
        raise ApiError(45002, f"invalid text size: {len(content)} characters, at most {MAX_TEXT_CHARS}")
    return content


def _media_id(ctx: ApiContext, obj: dict[str, Any], where: str, kind: str) -> str:
    media_id = obj.get("media_id")
    if media_id is None or media_id == "":
        raise ApiError(41006, f"missing {where}.media_id")
    if not isinstance(media_id, str):
        raise ApiError(40058, f"{where}.media_id must be a string")
    found = media.attachment(ctx.corp.media, media_id, ctx.app.world.now())
    if found is None or found.type != kind:
        raise ApiError(40007, f"{where}.media_id is not a live moments {kind} of media/upload_attachment")
    return media_id


def _attachments(ctx: ApiContext) -> list[dict[str, Any]]:
    raw = ctx.body.get("attachments")
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(a, dict) for a in raw):
        raise ApiError(40058, "attachments must be an array of objects")
    kinds = {a.get("msgtype") for a in raw}
    unknown = kinds - set(MAX_PER_KIND)
    if unknown:
        raise ApiError(41065, f"invalid attachments msgtype {sorted(map(str, unknown))[0]!r}")
    if len(kinds) > 1:
        raise ApiError(41065, "invalid attachments msgtype: images, a video or a link, not a mix")
    if raw:
        kind = raw[0]["msgtype"]
        if len(raw) > MAX_PER_KIND[kind]:
            raise ApiError(41064, f"invalid attachments size: at most {MAX_PER_KIND[kind]} {kind}")
    out: list[dict[str, Any]] = []
    for i, att in enumerate(raw):
        kind = att["msgtype"]
        where = f"attachments[{i}].{kind}"
        obj = att.get(kind)
        if not isinstance(obj, dict):
            raise ApiError(40058, f"{where} must be an object")
        if kind == "link":
            url, title = obj.get("url"), obj.get("title", "")
            if not isinstance(url, str) or not url:
                raise ApiError(40058, f"{where}.url is required")
            if not isinstance(title, str) or len(title.encode()) > MAX_LINK_TITLE_BYTES:
                raise ApiError(40058, f"{where}.title must be a string of at most {MAX_LINK_TITLE_BYTES} bytes")
            out.append({"msgtype": kind, kind: {"title": title, "url": url,
                                                "media_id": _media_id(ctx, obj, where, "image")}})  # fmt: skip
        else:
            out.append({"msgtype": kind, kind: {"media_id": _media_id(ctx, obj, where, kind)}})
    return out


def _visible_range(ctx: ApiContext) -> tuple[list[str] | None, list[int], list[str] | None]:
    """(user_list or None when no sender_list, department_list, tag_list or None when no external_contact_list)."""
    raw = ctx.body.get("visible_range")
    if raw is None:
        return None, [], None
    if not isinstance(raw, dict):
        raise ApiError(40058, "visible_range must be an object")
    senders, users, depts = raw.get("sender_list"), None, []
    if senders is not None:
        if not isinstance(senders, dict):
            raise ApiError(40058, "visible_range.sender_list must be an object")
        users = senders.get("user_list") or []
        depts = senders.get("department_list") or []
        if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
            raise ApiError(40058, "visible_range.sender_list.user_list must be an array of strings")
        if not isinstance(depts, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in depts):
            raise ApiError(40058, "visible_range.sender_list.department_list must be an array of integers")
        if len(users) > MAX_SENDERS:
            raise ApiError(40058, f"visible_range.sender_list.user_list holds {len(users)} userids, at most {MAX_SENDERS}")
        if not users and not depts:
            users = None
    contacts, tags = raw.get("external_contact_list"), None
    if contacts is not None:
        if not isinstance(contacts, dict):
            raise ApiError(40058, "visible_range.external_contact_list must be an object")
        tags = contacts.get("tag_list") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ApiError(40058, "visible_range.external_contact_list.tag_list must be an array of strings")
        tags = tags or None
    return (list(dict.fromkeys(users)) if users is not None else None,
            list(dict.fromkeys(depts)), list(dict.fromkeys(tags)) if tags is not None else None)  # fmt: skip


def _followers_with_tags(corp: Corp, tags: set[str]) -> list[str]:
    """Members with a two-way customer carrying one of the tags, in the corp's member order."""
    return [
        u for u in corp.employees
        if any(not r.one_way and tags.intersection(r.tag_ids) for r in corp.user_relations(u))
    ]  # fmt: skip


@route("POST", "externalcontact/add_moment_task")
def add_moment_task(ctx: ApiContext) -> dict[str, Any]:
    corp = ctx.corp
    text = _text(ctx)
    attachments = _attachments(ctx)
    if not text and not attachments:
        raise ApiError(44004, "text.content and attachments cannot both be empty")
    users, depts, tags = _visible_range(ctx)
    now = ctx.app.world.now()
    job = MomentJob("mj" + ids.rand_str(corp.rng, 40, ids.ID_ALPHABET), now, corp.moment_job_s)
    valid_tags: list[str] = []
    if tags is not None:
        valid_tags = [t for t in tags if t in corp.tags]
        job.invalid_tags = [t for t in tags if t not in corp.tags]
    if users is None and not depts:
        # No sender_list: every member of the app's visible range (all of them), or with tags only the
        # members following a customer who carries one of them (95094, 可见范围说明).
        senders = _followers_with_tags(corp, set(valid_tags)) if tags is not None else list(corp.employees)
    else:
        users = users or []
        known = departments(corp)
        job.invalid_users = [u for u in users if u not in corp.employees]
        job.invalid_departments = [d for d in depts if d not in known]
        senders = [u for u in users if u in corp.employees]
        senders += [u for u in party_members(corp, [d for d in depts if d in known]) if u not in senders]
    if tags is not None and not valid_tags:
        job.errcode = 40068  # every target tag is unknown: the sandbox's choice (no customer could see it)
    elif not senders:
        job.errcode = TOTAL_FAILURE
    else:
        moment = Moment("mom" + ids.rand_str(corp.rng, 30, ids.ID_ALPHABET), corp.next_seq(), int(now),
                        now + corp.moment_job_s, text, attachments, valid_tags)  # fmt: skip
        moment.tasks = {u: MemberPost(u) for u in senders}
        corp.moments.moments[moment.moment_id] = moment
        job.moment_id = moment.moment_id
    corp.moments.jobs[job.jobid] = job
    return {"jobid": job.jobid}


@route("GET", "externalcontact/get_moment_task_result")
def get_moment_task_result(ctx: ApiContext) -> dict[str, Any]:
    jobid = ctx.query_str("jobid")
    now = ctx.app.world.now()
    job = ctx.corp.moments.jobs.get(jobid)
    if job is None or job.expired(now):
        raise ApiError(40088, f"jobid {jobid} does not exist or expired (a jobid lives 24 h)")
    status = job.status(now)
    answer: dict[str, Any] = {"status": status, "type": "add_moment_task"}
    if status == moments.JOB_DONE:
        result: dict[str, Any] = {"errcode": job.errcode, "errmsg": errmsg(job.errcode)}
        if not job.errcode:
            result["moment_id"] = job.moment_id
        result["invalid_sender_list"] = {"user_list": job.invalid_users, "department_list": job.invalid_departments}
        result["invalid_external_contact_list"] = {"tag_list": job.invalid_tags}
        answer["result"] = result
    return answer


def _moment(ctx: ApiContext) -> Moment:
    moment_id = ctx.body_str("moment_id", missing_errcode=41059)
    moment = ctx.corp.moments.moments.get(moment_id)
    if moment is None or not moment.visible_to_api(ctx.app.world.now()):
        raise ApiError(41060, f"moment_id {moment_id}")
    return moment


def _post(ctx: ApiContext, published: bool = True) -> tuple[Moment, MemberPost]:
    moment = _moment(ctx)
    userid = ctx.body_str("userid", missing_errcode=41009)
    post = moment.tasks.get(userid)
    if post is None:
        raise ApiError(41061, f"moment {moment.moment_id} is not posted by {userid}")
    if published and post.publish_status != moments.PUBLISHED:
        raise ApiError(41062, f"{userid} has not published moment {moment.moment_id} yet")
    return moment, post


@route("POST", "externalcontact/cancel_moment_task")
def cancel_moment_task(ctx: ApiContext) -> dict[str, Any]:
    moment = _moment(ctx)
    if not moment.cancelled_at:
        moment.cancelled_at = ctx.app.world.now_int()
    return {}


def _limit(ctx: ApiContext, default_most: tuple[int, int]) -> int:
    default, most = default_most
    value = ctx.body_int("limit", default)
    if value is None or value < 1:
        raise ApiError(40058, "limit must be a positive integer")
    return default if value > most else value


def _page(ctx: ApiContext, items: list[Any], limit: int) -> tuple[list[Any], str]:
    start = 0
    if ctx.body.get("cursor"):
        (start,) = cursor.decode(str(ctx.body["cursor"]), 1)
    more = start + limit < len(items)
    return items[start : start + limit], cursor.encode(start + limit) if more else ""


def _moment_item(m: Moment) -> dict[str, Any]:
    item: dict[str, Any] = {"moment_id": m.moment_id, "create_time": m.created_at, "create_type": m.create_type,
                            "visible_type": 0 if m.tag_ids else 1}  # fmt: skip
    if m.text:
        item["text"] = {"content": m.text}
    images = [a["image"] for a in m.attachments if a["msgtype"] == "image"]
    if images:
        item["image"] = [{"media_id": i["media_id"]} for i in images]
    for a in m.attachments:
        if a["msgtype"] == "video":
            item["video"] = {"media_id": a["video"]["media_id"], "thumb_media_id": ""}
        elif a["msgtype"] == "link":
            item["link"] = {"title": a["link"]["title"], "url": a["link"]["url"]}
    return item


@route("POST", "externalcontact/get_moment_list")
def get_moment_list(ctx: ApiContext) -> dict[str, Any]:
    start, end = ctx.body_int("start_time"), ctx.body_int("end_time")
    if start is None or end is None:
        raise ApiError(40058, "start_time and end_time are required")
    if end < start or end - start > LIST_WINDOW_S:
        raise ApiError(600018, "start_time and end_time must be at most 30 days apart")
    filter_type = ctx.body_int("filter_type", 2)
    if filter_type not in (0, 1, 2):
        raise ApiError(40058, "filter_type must be 0, 1 or 2")
    creator = ctx.body_str("creator", required=False)
    limit = _limit(ctx, LIST_LIMIT)
    now = ctx.app.world.now()
    items = [
        m for m in ctx.corp.moments.moments.values()
        if m.visible_to_api(now) and start < m.created_at < end and filter_type in (2, m.create_type)
        and not creator  # API-made moments carry no creator (93333), so a creator filter never matches them
    ]  # fmt: skip
    page, next_cursor = _page(ctx, items, limit)
    return {"next_cursor": next_cursor, "moment_list": [_moment_item(m) for m in page]}


@route("POST", "externalcontact/get_moment_task")
def get_moment_task(ctx: ApiContext) -> dict[str, Any]:
    moment = _moment(ctx)
    page, next_cursor = _page(ctx, list(moment.tasks.values()), _limit(ctx, TASK_LIMIT))
    tasks = [{"userid": t.userid, "publish_status": t.publish_status} for t in page]
    return {"next_cursor": next_cursor, "task_list": tasks}


@route("POST", "externalcontact/get_moment_customer_list")
def get_moment_customer_list(ctx: ApiContext) -> dict[str, Any]:
    _moment_, post = _post(ctx)
    page, next_cursor = _page(ctx, post.visible, _limit(ctx, CUSTOMER_LIMIT))
    return {"next_cursor": next_cursor,
            "customer_list": [{"userid": post.userid, "external_userid": e} for e in page]}  # fmt: skip


@route("POST", "externalcontact/get_moment_send_result")
def get_moment_send_result(ctx: ApiContext) -> dict[str, Any]:
    _moment_, post = _post(ctx)
    page, next_cursor = _page(ctx, post.reached, _limit(ctx, SEND_RESULT_LIMIT))
    return {"next_cursor": next_cursor, "customer_list": [{"external_userid": e} for e in page]}


@route("POST", "externalcontact/get_moment_comments")
def get_moment_comments(ctx: ApiContext) -> dict[str, Any]:
    _moment_, post = _post(ctx)
    return {"comment_list": [c.to_api() for c in post.comments], "like_list": [lk.to_api() for lk in post.likes]}
