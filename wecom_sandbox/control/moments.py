"""Control endpoints for customer moments (客户朋友圈, add_moment_task): read them, a member publishes their part,
customers (and members) like, un-like and comment.

WeCom publishes nothing until the member confirms in the client; POST …/moments/{moment_id}/publish stands in
for that tap. The post's visible customers are fixed then (moments.py). No callback exists for moments, so none
is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import moments
from ..moments import Interaction, MemberPost, Moment
from ..world import Corp
from .common import (
    ControlError,
    EmitOptions,
    Request,
    corp_or_404,
    customer_or_404,
    employee_or_404,
    field_value,
    str_list,
)

if TYPE_CHECKING:
    from ..app import Sandbox

MAX_COMMENT_CHARS = 2000


def _moment_or_404(corp: Corp, moment_id: str) -> Moment:
    moment = corp.moments.moments.get(moment_id)
    if moment is None:
        raise ControlError(404, f"unknown moment '{moment_id}' in corp '{corp.corp_id}'")
    return moment


def _post_or_404(moment: Moment, userid: str) -> MemberPost:
    post = moment.tasks.get(userid)
    if post is None:
        raise ControlError(404, f"member '{userid}' has no part in moment '{moment.moment_id}'")
    return post


def list_moments(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        now = app.world.now()
        return {
            "moments": [m.to_control(now) for m in corp.moments.moments.values()],
            "jobs": [j.to_control(now) for j in corp.moments.jobs.values()],
        }


def get_moment(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        return _moment_or_404(corp, req.params["moment_id"]).to_control(app.world.now())


def publish(app: Sandbox, req: Request) -> dict[str, Any]:
    """The member publishes their part: publish_status 1 at world time; who sees it is fixed now."""
    body = req.body
    userid = field_value(body, "userid", str, required=True)
    select = str_list(body, "select") if "select" in body else None
    opts = EmitOptions.parse(body)
    with app.world.lock:
        corp = corp_or_404(app, req.params["corp"])
        moment = _moment_or_404(corp, req.params["moment_id"])
        if app.world.now() < moment.ready_at:
            raise ControlError(409, f"the job of moment '{moment.moment_id}' is not done yet")
        post = _post_or_404(moment, userid)
        if moment.cancelled_at:
            raise ControlError(409, f"moment '{moment.moment_id}' was cancelled")
        if post.publish_status == moments.PUBLISHED:
            raise ControlError(409, f"member '{userid}' already published moment '{moment.moment_id}'")
        tags = set(moment.tag_ids)
        candidates = [r for r in corp.user_relations(userid) if not tags or tags.intersection(r.tag_ids)]
        if select is not None:
            allowed = {r.external_userid for r in candidates}
            outside = [e for e in select if e not in allowed]
            if outside:
                raise ControlError(400, f"field 'select': '{outside[0]}' is not a customer this post may show to")
            chosen = set(select)
            candidates = [r for r in candidates if r.external_userid in chosen]
        post.visible = [r.external_userid for r in candidates]
        post.reached = [r.external_userid for r in candidates if not r.one_way]
        post.publish_status = moments.PUBLISHED
        post.publish_time = opts.time(app)
        return {"moment_id": moment.moment_id, "task": post.to_control()}


def _actor(corp: Corp, body: dict[str, Any], post: MemberPost) -> tuple[str, str]:
    """(external_userid, userid) of who interacts: a customer the post reached, or a member."""
    ext = field_value(body, "external_userid", str)
    member = field_value(body, "from_userid", str)
    if bool(ext) == bool(member):
        raise ControlError(400, "give exactly one of 'external_userid' (a customer) and 'from_userid' (a member)")
    if ext:
        customer_or_404(corp, ext)
        if ext not in post.reached:
            raise ControlError(409, f"customer '{ext}' cannot see the post of '{post.userid}'")
        return ext, ""
    employee_or_404(corp, member)
    return "", member


def _published_post(app: Sandbox, req: Request) -> tuple[Corp, Moment, MemberPost]:
    corp = corp_or_404(app, req.params["corp"])
    moment = _moment_or_404(corp, req.params["moment_id"])
    post = _post_or_404(moment, field_value(req.body, "userid", str, required=True))
    if post.publish_status != moments.PUBLISHED:
        raise ControlError(409, f"member '{post.userid}' has not published moment '{moment.moment_id}'")
    if moment.gone():
        raise ControlError(409, f"moment '{moment.moment_id}' is gone")
    return corp, moment, post


def like(app: Sandbox, req: Request) -> dict[str, Any]:
    opts = EmitOptions.parse(req.body)
    with app.world.lock:
        corp, moment, post = _published_post(app, req)
        ext, member = _actor(corp, req.body, post)
        if any(lk.external_userid == ext and lk.userid == member for lk in post.likes):
            raise ControlError(409, "already liked")
        post.likes.append(Interaction(opts.time(app), ext, member))
        return {"moment_id": moment.moment_id, "task": post.to_control()}


def unlike(app: Sandbox, req: Request) -> dict[str, Any]:
    with app.world.lock:
        corp, moment, post = _published_post(app, req)
        ext, member = _actor(corp, req.body, post)
        kept = [lk for lk in post.likes if not (lk.external_userid == ext and lk.userid == member)]
        if len(kept) == len(post.likes):
            raise ControlError(409, "not liked")
        post.likes = kept
        return {"moment_id": moment.moment_id, "task": post.to_control()}


def comment(app: Sandbox, req: Request) -> dict[str, Any]:
    content = field_value(req.body, "content", str, default="")
    if len(content) > MAX_COMMENT_CHARS:
        raise ControlError(400, f"field 'content' is longer than {MAX_COMMENT_CHARS} characters")
    opts = EmitOptions.parse(req.body)
    with app.world.lock:
        corp, moment, post = _published_post(app, req)
        ext, member = _actor(corp, req.body, post)
        post.comments.append(Interaction(opts.time(app), ext, member, content))
        return {"moment_id": moment.moment_id, "task": post.to_control()}
