"""Fission campaigns (好友裂变, issue 21): the admin's campaigns (create, list, show, activate, end), their
coupon pools, the inviters' progress and the signed links; and the two public routes the customer-facing
poster page uses (no key: the link's signed token names the corp, campaign and inviter): the poster PNG
(the inviter's contact way made on the first request) and the inviter's progress."""

from __future__ import annotations

from typing import Any

from chalice import Response

from admin.api import Doc, json_response, limit_of, query_of, route
from admin.schemas import fission as S
from admin.sessions import PUBLIC_LIMITED, _open_route, limit_public

CAMPAIGN_ID = {"campaign_id": "from POST /admin/fission"}


def _service() -> Any:
    from scrm import bootstrap

    return bootstrap.fission()


def _by(principal: Any) -> str:
    return getattr(principal, "userid", "") or f"key:{principal.key_id}"


@route("/admin/fission", methods=("POST",), write=True, doc=Doc(
    "Create a fission campaign (好友裂变): a poster template, a reward rule (N friends who stay K days), a reward "
    "message with a coupon code, the members who receive the friends, start and end",
    {201: ("the campaign (a draft unless `activate`)", S.Campaign)}, body=S.CampaignInput,
    description="A 400 names the field at fault (a spot off the poster, {code} missing from reward_text, an "
    "unknown member, a background that is no image material). No WeCom call: each inviter's contact way is "
    "made on their first poster request.",
))  # fmt: skip
def create(principal: Any, request: Any, body: S.CampaignInput) -> Any:
    campaign = _service().create(principal.corp_id, body.fields(), _by(principal))
    return json_response(201, campaign.shown())


@route("/admin/fission", doc=Doc("The corp's fission campaigns, newest first", {200: ("campaigns", S.CampaignList)}))
def campaigns(principal: Any, request: Any) -> Any:
    return {"items": [c.shown() for c in _service().list(principal.corp_id)]}


@route("/admin/fission/{campaign_id}", doc=Doc(
    "A fission campaign with its coupon pool", {200: ("the campaign", S.CampaignShown)}, params=CAMPAIGN_ID,
    errors={404: None},
))  # fmt: skip
def campaign(principal: Any, request: Any, campaign_id: str) -> Any:
    return _service().show(principal.corp_id, campaign_id)


@route("/admin/fission/{campaign_id}/activate", methods=("POST",), write=True, doc=Doc(
    "Activate a draft campaign: posters and counting run from its start to its end",
    {200: ("the campaign", S.Campaign)}, params=CAMPAIGN_ID, errors={404: None, 409: "not a draft"},
))  # fmt: skip
def activate(principal: Any, request: Any, campaign_id: str) -> Any:
    return _service().activate(principal.corp_id, campaign_id).shown()


@route("/admin/fission/{campaign_id}/end", methods=("POST",), write=True, doc=Doc(
    "End a campaign now: no more posters or counting; its contact ways are deleted in WeCom (up to 200 now, "
    "the rest by the minute job; `ways_left` says how many remain)",
    {200: ("the campaign", S.Campaign)}, params=CAMPAIGN_ID, errors={404: None},
))  # fmt: skip
def end(principal: Any, request: Any, campaign_id: str) -> Any:
    return _service().end(principal.corp_id, campaign_id)


@route("/admin/fission/{campaign_id}/coupons", methods=("POST",), write=True, doc=Doc(
    "Add coupon codes to the campaign's pool (each code is drawn for one inviter, once)",
    {200: ("what was added, and the waiting inviters served", S.CodesAdded)}, params=CAMPAIGN_ID, body=S.CodesInput,
    errors={404: None},
    description="Inviters who reached the threshold while the pool was empty (told so, `pool_empty`) get their "
    "code from this upload: up to 20 within 10 s, one add_msg_template each (`served`); the minute job sends the "
    "rest while the pool has codes (`waiting`). Each inviter gets one task however uploads and the job overlap.",
))  # fmt: skip
def coupons(principal: Any, request: Any, campaign_id: str, body: S.CodesInput) -> Any:
    return _service().upload_codes(principal.corp_id, campaign_id, body.codes)


@route("/admin/fission/{campaign_id}/progress", doc=Doc(
    "The campaign's inviters a page at a time: their contact way, friends pending, confirmed and lost, reward",
    {200: ("inviters", S.Progress)}, params=CAMPAIGN_ID, query=S.ProgressQuery, errors={404: None},
))  # fmt: skip
def progress(principal: Any, request: Any, campaign_id: str) -> Any:
    return _service().progress(principal.corp_id, campaign_id, query_of(request).get("after") or "",
                               limit_of(request, 100))  # fmt: skip


@route("/admin/fission/{campaign_id}/link", doc=Doc(
    "An inviter's signed link (30 days) to their poster and progress, for the welcome message or a send",
    {200: ("the token and the public paths", S.Link)}, params=CAMPAIGN_ID, query=S.LinkQuery, errors={404: None},
))  # fmt: skip
def link(principal: Any, request: Any, campaign_id: str) -> Any:
    return _service().link(principal.corp_id, campaign_id, (query_of(request).get("external_userid") or "").strip())


@_open_route("/admin/public/fission/poster", "GET", Doc(
    "The inviter's poster (PNG): the campaign's background, their name and the QR of their own contact way",
    {200: ("the poster", None)}, query=S.PublicQuery, media="image/png",
    errors={404: "not a customer of the corp, or no such campaign", 409: "the campaign is not running, or the "
            "code is being made (retry in a few seconds)", 502: None, **PUBLIC_LIMITED},
    description="No key: the token (GET /admin/fission/{campaign_id}/link) names the corp, the campaign and the "
    "inviter, signed; a changed or expired token is a 400 on `t`. The first request makes the inviter's "
    "contact way (add_contact_way, state fi:<campaign>:<inviter>), once however many requests race.",
))  # fmt: skip
def public_poster(request: Any) -> Response:
    png = _service().poster(_token(request))
    return Response(body=png, status_code=200, headers={"Content-Type": "image/png", "Cache-Control": "private, max-age=300"})


@_open_route("/admin/public/fission/progress", "GET", Doc(
    "The inviter's progress: friends pending (within K days), confirmed and lost, and the reward's state",
    {200: ("progress", S.InviterProgress)}, query=S.PublicQuery, errors={404: "no such campaign", **PUBLIC_LIMITED},
    description="No key: the link's token names who asks. No friend's identity is shown.",
))  # fmt: skip
def public_progress(request: Any) -> Response:
    return json_response(200, _service().inviter_progress(_token(request)))


def _token(request: Any) -> str:
    """The link's token, after the request is counted for the client's address and the corp the token names
    (unverified here: the service verifies it; a forged token is limited as its corp's)."""
    from scrm.corps.corp import CORP_ID_RE
    from scrm.fission.links import corp_of
    from scrm.kernel.errors import InvalidInput

    token = (query_of(request).get("t") or "").strip()
    if not token:
        raise InvalidInput("t", "t: the link's token is required")
    corp = corp_of(token)
    if not CORP_ID_RE.fullmatch(corp):
        raise InvalidInput("t", "t: not a poster link's token")
    limit_public(request, corp)
    return token
