"""The inviter's poster, drawn on the server with Pillow: the campaign's background (an image material of the
content library, scaled to the poster's size), the inviter's name as text, an avatar disc and the QR of the
inviter's contact way (qrcode; WeCom's ``qr_code`` is a URL of an image, and the sandbox's is a URL too, so
the QR encodes that URL: a WeChat scan opens it, which is how WeCom's own 联系我 links behave).

The avatar is a disc with the name's first character: the customer's avatar is a URL on WeChat's CDN and the
server fetches nothing from outside at request time (docs/architecture.md, Issue 21: fission).
Decoded backgrounds are kept per (corp, material) in the process, so a poster costs one draw, not one decode.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from functools import lru_cache

import qrcode
from PIL import Image, ImageDraw, ImageFont

from scrm.fission.model import Campaign

# Fonts with Chinese glyphs, first found wins; SCRM_POSTER_FONT names another. Without any, Pillow's own
# font draws (Latin only): the name stays readable for Latin names and the poster still renders.
FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
_lock = threading.Lock()
_backgrounds: dict[tuple[str, str, int, int], Image.Image] = {}
MAX_BACKGROUNDS = 64


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for path in (os.environ.get("SCRM_POSTER_FONT", ""), *FONT_PATHS):
        if path and os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _background(key: tuple[str, str, int, int], load: Callable[[], bytes | None]) -> Image.Image:
    with _lock:
        hit = _backgrounds.get(key)
    if hit is not None:
        return hit
    raw = load()
    if raw:
        try:
            image = Image.open(io.BytesIO(raw)).convert("RGB").resize((key[2], key[3]))
        except Exception:  # a material that is no image: a plain poster, not a 500
            image = Image.new("RGB", (key[2], key[3]), "#ffffff")
    else:
        image = Image.new("RGB", (key[2], key[3]), "#ffffff")
    with _lock:
        if len(_backgrounds) >= MAX_BACKGROUNDS:
            _backgrounds.pop(next(iter(_backgrounds)))
        _backgrounds[key] = image
    return image


def qr_image(text: str, size: int) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB").resize(
        (size, size), Image.Resampling.NEAREST)  # fmt: skip


def render(corp_id: str, campaign: Campaign, name: str, qr_text: str, load_background: Callable[[], bytes | None]) -> bytes:
    """The poster as PNG bytes."""
    key = (corp_id, campaign.background, campaign.width, campaign.height)
    poster = _background(key, load_background).copy()
    draw = ImageDraw.Draw(poster)
    a = campaign.avatar_spot
    draw.ellipse((a.x, a.y, a.x + a.size, a.y + a.size), fill=a.color if a.color != "#000000" else "#07c160")
    initial = (name or "?")[:1]
    draw.text((a.x + a.size / 2, a.y + a.size / 2), initial, font=_font(max(8, a.size // 2)), fill="#ffffff",
              anchor="mm")  # fmt: skip
    n = campaign.name_spot
    draw.text((n.x, n.y), name or "", font=_font(n.size), fill=n.color)
    q = campaign.qr_spot
    poster.paste(qr_image(qr_text, q.size), (q.x, q.y))
    out = io.BytesIO()
    poster.save(out, "PNG", optimize=False, compress_level=1)
    return out.getvalue()
