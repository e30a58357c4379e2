"""The inviter's poster, drawn on the server with Pillow: the campaign's background (an image material of the
content library, scaled to the poster's size), the inviter's name as text, an avatar disc and the QR of the
inviter's contact way (qrcode; WeCom's ``qr_code`` is a URL of an image, and the sandbox's is a URL too, so
the QR encodes that URL: a WeChat scan opens it, which is how WeCom's own 联系我 links behave).

The name draws in the font the layer ships (``SHIPPED_FONT``, infra/poster_font.py); characters it has no
glyph for (emoji) are left out, not drawn as boxes.
The avatar is a disc with the name's first character: the customer's avatar is a URL on WeChat's CDN and the
server fetches nothing from outside at request time (docs/architecture.md, Issue 21: fission).
Decoded backgrounds are kept per (corp, material) in the process, so a poster costs one draw, not one decode.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from scrm.fission.model import Campaign

# The one font: WenQuanYi Micro Hei cut down to the characters of names (infra/poster_font.py builds it here,
# `make font`; infra/package.py puts it in the layer at the same place under /opt/python). The local stack
# and the tests draw with this same file, so they see what Lambda draws. Missing (a checkout nobody built
# the font in), Pillow's own font draws: Latin only, every Chinese character dropped (never a box).
SHIPPED_FONT = Path(__file__).resolve().parent / "fonts" / "poster-sc.ttf"
SURELY_MISSING = "\U0010fffd"  # a private-use code point no font maps: it draws the font's .notdef glyph
_lock = threading.Lock()
_backgrounds: dict[tuple[str, str, int, int], Image.Image] = {}
MAX_BACKGROUNDS = 64
log = logging.getLogger("scrm.fission")


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    if SHIPPED_FONT.is_file():
        return ImageFont.truetype(str(SHIPPED_FONT), size)
    log.warning("fission poster font missing; names draw in Latin only", extra={"path": str(SHIPPED_FONT)})
    return ImageFont.load_default(size)


PROBE_SIZE = 32  # whether a glyph exists does not depend on the size: probed small, whatever the spot's size


@lru_cache(maxsize=4096)
def _has_glyph(ch: str) -> bool:
    """Whether the font draws ``ch`` as itself: a character it does not map draws its .notdef glyph (a box
    in most fonts), the same bitmap as a code point no font maps."""
    if ch.isspace():
        return True
    return _bitmap(ch) != _bitmap(SURELY_MISSING)


@lru_cache(maxsize=64)
def _bitmap(ch: str) -> bytes:
    canvas = Image.new("L", (PROBE_SIZE * 2, PROBE_SIZE * 2))
    ImageDraw.Draw(canvas).text((PROBE_SIZE // 2, PROBE_SIZE // 2), ch, font=_font(PROBE_SIZE), fill=255)
    return canvas.tobytes()


def drawable(name: str) -> str:
    """The name as the poster draws it: characters the font lacks (emoji, their joiners and variation
    selectors, CJK extension B and beyond) dropped rather than drawn as boxes; spaces collapsed."""
    kept = "".join(ch for ch in name if ch.isprintable() and _has_glyph(ch))
    return " ".join(kept.split())


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
    initial_size = max(8, a.size // 2)
    shown = drawable(name)
    initial = shown[:1]  # a name of emoji only: the disc without a letter
    if initial.strip():
        draw.text((a.x + a.size / 2, a.y + a.size / 2), initial, font=_font(initial_size), fill="#ffffff",
                  anchor="mm")  # fmt: skip
    n = campaign.name_spot
    if shown:
        draw.text((n.x, n.y), shown, font=_font(n.size), fill=n.color)
    q = campaign.qr_spot
    poster.paste(qr_image(qr_text, q.size), (q.x, q.y))
    out = io.BytesIO()
    poster.save(out, "PNG", optimize=False, compress_level=1)
    return out.getvalue()
