"""Fission campaigns (好友裂变, issue 21; admin/fission.py). The request's shape is checked here; the domain's
rules (scrm.fission.spec: the poster's spots on the poster, {code} in the reward text, end after start, the
members and the background material the corp holds) take the typed values and name the field they refuse."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from admin.schemas.base import Body, Model

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class SpotInput(Body):
    x: int = Field(ge=0, le=4000, description="pixels from the poster's left")
    y: int = Field(ge=0, le=4000, description="pixels from the poster's top")
    size: int = Field(ge=8, le=4000, description="text: the font's size; avatar and QR: the side, in pixels")
    color: Color = Field("#000000", description="#rrggbb (text colour; the avatar disc's colour)")


class PosterInput(Body):
    width: int = Field(750, ge=200, le=4000, description="the poster's width in pixels (the background is scaled)")
    height: int = Field(1334, ge=200, le=4000)
    name: SpotInput | None = Field(None, description="where the inviter's name is written")
    avatar: SpotInput | None = Field(None, description="where the inviter's avatar disc goes")
    qr: SpotInput | None = Field(None, description="where the QR of the inviter's contact way goes (≥ 64 px)")


class CampaignInput(Body):
    name: str = Field(min_length=1, max_length=64)
    background: Id = Field(description="an image material of the corp's content library (the poster's background)")
    poster: PosterInput = Field(default_factory=PosterInput)
    threshold: int = Field(ge=1, le=1000, description="N: friends an inviter must bring for the reward")
    keep_days: int = Field(ge=0, le=90, description="K: days each friend must stay a friend to count")
    reward_text: str = Field(min_length=1, max_length=1000, description="the reward message; {code} is the coupon code")
    members: list[Id] = Field(min_length=1, max_length=100, description="members who receive the invited friends")
    start_at: int | None = Field(None, ge=0, description="unix seconds (default: now)")
    end_at: int = Field(ge=1, description="unix seconds: posters and counting stop, the contact ways are deleted")
    activate: bool = Field(False, description="active at once (else a draft: POST …/activate)")

    def fields(self) -> dict[str, Any]:
        data = self.model_dump(exclude_none=True)
        data["poster"] = {k: v for k, v in data.get("poster", {}).items() if v is not None}
        return data


class CodesInput(Body):
    codes: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=10_000, description="coupon codes; a code uploaded before is skipped")


class Spot(Model):
    x: int
    y: int
    size: int
    color: str


class Campaign(Model):
    campaign_id: str
    name: str
    background: str
    width: int
    height: int
    name_spot: Spot
    avatar_spot: Spot
    qr_spot: Spot
    threshold: int
    keep_days: int
    reward_text: str
    members: list[str]
    start_at: int
    end_at: int
    status: str = Field(description="draft, active, ended")
    created_at: int
    created_by: str
    ended_at: int
    ways_left: Any = Field(description="ended with contact ways still to delete (the minute job goes on)")
    pool_alerted: bool = Field(description="the coupon pool ran out and the admins were told")
    version: int


class CampaignShown(Campaign):
    pool: dict[str, int] = Field(description="free and used coupon codes")


class CampaignList(Model):
    items: list[Campaign]


class CodesAdded(Model):
    added: int
    duplicates: int
    pool: dict[str, int]
    served: int = Field(description="inviters who had reached the threshold while the pool was empty and got "
                        "their code from this upload (a mass-send task each)")
    waiting: int = Field(description="inviters still waiting for a code: the minute job serves them while the pool "
                         "has codes (more codes are needed when `pool.free` is 0)")


class InviterRow(Model):
    key: str
    external_userid: str
    name: str
    config_id: str = Field(description="the inviter's contact way ('' until their first poster)")
    pending: int = Field(description="friends within their K days")
    confirmed: int
    lost: int = Field(description="friends who deleted the member within K days")
    reward_state: str = Field(description="'', calling, sent, pool_empty (told, no code), failed")
    reward_code: str
    reward_error: str


class Progress(Model):
    campaign_id: str
    status: str
    threshold: int
    items: list[InviterRow]
    next_after: str = Field(description="pass as `after` for the next page ('' at the end)")


class ProgressQuery(Model):
    after: str | None = Field(None, description="next_after of the page before")
    limit: int | None = Field(None, description="rows, 1..200 (default 100)")


class LinkQuery(Model):
    external_userid: str = Field(description="the inviter: a customer of the corp")


class Link(Model):
    token: str = Field(description="signed (HMAC-SHA256) over corp, campaign, customer and expiry")
    expires_at: int
    poster: str = Field(description="the public poster PNG's path")
    progress: str = Field(description="the public progress JSON's path")
    page: str = Field(description="the customer's poster page (web/landing/fission.html): the link to send them")


class PublicQuery(Model):
    t: str = Field(description="the inviter's token from GET /admin/fission/{campaign_id}/link")


class InviterProgress(Model):
    campaign_id: str
    campaign: str
    status: str
    threshold: int
    keep_days: int
    end_at: int
    pending: int
    confirmed: int
    lost: int
    reward: str = Field(description="not_yet, sending, sent, pool_empty (the pool ran out: staff will follow up), failed")
    poster_made: bool
