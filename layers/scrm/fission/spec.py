"""A campaign's input checked into a Campaign: every refusal names the field (a 400 in the admin API).
The admin API's pydantic model checked the shapes; here are the rules that need more than a shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrm.fission.model import MAX_MEMBERS, Campaign, Spot
from scrm.kernel.errors import InvalidInput

MAX_SIDE = 4000
MAX_DAYS = 90


def _int(body: Mapping[str, Any], name: str, low: int, high: int) -> int:
    v = body.get(name)
    if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
        raise InvalidInput(name, f"{name}: a whole number from {low} to {high}")
    return v


def _text(body: Mapping[str, Any], name: str, high: int) -> str:
    v = body.get(name)
    if not isinstance(v, str) or not v.strip() or len(v) > high:
        raise InvalidInput(name, f"{name}: 1 to {high} characters")
    return v.strip()


def parse_campaign(campaign_id: str, body: Mapping[str, Any], now: int, by: str) -> Campaign:
    name = _text(body, "name", 64)
    background = _text(body, "background", 256)
    poster = body.get("poster") if isinstance(body.get("poster"), Mapping) else {}
    width = _int(poster, "width", 200, MAX_SIDE) if "width" in poster else 750
    height = _int(poster, "height", 200, MAX_SIDE) if "height" in poster else 1334
    name_spot = Spot.parse(poster.get("name", {"x": 40, "y": 40, "size": 36}), "poster.name", width, height)
    avatar_spot = Spot.parse(poster.get("avatar", {"x": 40, "y": 100, "size": 96}), "poster.avatar", width, height)
    qr_spot = Spot.parse(poster.get("qr", {"x": width // 2 - 150, "y": height - 400, "size": 300}), "poster.qr",
                         width, height)  # fmt: skip
    if qr_spot.size < 64:
        raise InvalidInput("poster.qr.size", "poster.qr.size: at least 64 pixels (a QR smaller cannot be scanned)")
    if qr_spot.x + qr_spot.size > width or qr_spot.y + qr_spot.size > height:
        raise InvalidInput("poster.qr", "poster.qr: the QR must fit on the poster")
    threshold = _int(body, "threshold", 1, 1000)
    keep_days = _int(body, "keep_days", 0, MAX_DAYS)
    reward_text = _text(body, "reward_text", 1000)
    if "{code}" not in reward_text:
        raise InvalidInput("reward_text", "reward_text: must hold {code}, where the coupon code goes")
    members = body.get("members")
    if not isinstance(members, list) or not members or not all(isinstance(m, str) and m for m in members):
        raise InvalidInput("members", "members: 1 to 100 members who receive the invited friends")
    members = list(dict.fromkeys(members))
    if len(members) > MAX_MEMBERS:
        raise InvalidInput("members", f"members: at most {MAX_MEMBERS} (a contact way's limit)")
    start_at = _int(body, "start_at", 0, 2**40) if "start_at" in body else now
    end_at = _int(body, "end_at", 1, 2**40)
    if end_at <= start_at:
        raise InvalidInput("end_at", "end_at: after start_at")
    if end_at <= now:
        raise InvalidInput("end_at", "end_at: in the future")
    return Campaign(campaign_id, name, background, width, height, name_spot, avatar_spot, qr_spot, threshold,
                    keep_days, reward_text, tuple(members), start_at, end_at, created_at=now, created_by=by)  # fmt: skip
