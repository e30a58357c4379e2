"""The fission poster's Chinese font (issue 21): the font the layer ships draws a Chinese name as its own
glyphs (not one .notdef box per character), characters it lacks (emoji) are left out rather than boxed, and
infra/poster_font.py makes the same bytes every build. These fail when the font is missing (``make font``):
Pillow's own font has no Chinese glyph, so every character would draw the same box."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from scrm.fission import poster
from scrm.fission.spec import parse_campaign

from infra import poster_font


def _glyph(ch: str) -> bytes:
    return poster._bitmap(ch)


def _campaign():  # the default layout: the name at (40, 40) in 36 px, the avatar disc below it
    body = {"name": "春季裂变", "background": "bg", "threshold": 2, "keep_days": 3, "reward_text": "券码 {code}",
            "members": ["m1"], "end_at": 2_000_000_000}  # fmt: skip
    return parse_campaign("abcd1234", body, 1_800_000_000, "admin")


def _name_area(name: str) -> Image.Image:
    png = poster.render("wwcorp", _campaign(), name, "https://example.test/qr", lambda: None)
    return Image.open(io.BytesIO(png)).convert("L").crop((40, 40, 400, 90))


def test_the_shipped_font_is_there():
    assert poster.SHIPPED_FONT.is_file(), f"{poster.SHIPPED_FONT} missing: run `make font`"
    assert poster.SHIPPED_FONT.stat().st_size < 4 * 1024 * 1024  # a subset, not the whole 5 MB collection


def test_a_chinese_name_draws_its_own_glyphs():
    notdef = _glyph(poster.SURELY_MISSING)
    glyphs = [_glyph(ch) for ch in "王小明"]
    assert all(g != notdef for g in glyphs), "a character drew the .notdef box"
    assert len(set(glyphs)) == 3, "different characters drew the same picture"
    assert all(any(g) for g in glyphs), "a character drew nothing"
    # names with characters outside GB2312, traditional ones, the · separator and fullwidth punctuation
    for ch in "喆堃玥陳·！":
        assert _glyph(ch) != notdef, ch
    assert poster.drawable("王小明") == "王小明"


def test_the_poster_shows_the_name():
    blank = _name_area("")
    one, other = _name_area("王小明"), _name_area("李小红")
    assert one.tobytes() != blank.tobytes()
    assert one.tobytes() != other.tobytes()


def test_characters_the_font_lacks_are_left_out_not_boxed():
    assert poster.drawable("王🌸小明") == "王小明"
    assert poster.drawable("👨\u200d👩\u200d👧 张三") == "张三"  # the joiners go with the emoji
    assert poster.drawable("🌸🎉") == ""
    assert _name_area("王🌸小明").tobytes() == _name_area("王小明").tobytes()
    assert _name_area("🌸").tobytes() == _name_area("").tobytes()


def test_the_font_build_is_reproducible(tmp_path):
    if not poster_font.SOURCE.is_file():
        pytest.fail(f"{poster_font.SOURCE} missing: apt-get install {poster_font.SOURCE_PACKAGE} (make browser)")
    built = poster_font.build(tmp_path / "poster-sc.ttf")
    assert hashlib.sha256(built.read_bytes()).digest() == hashlib.sha256(poster.SHIPPED_FONT.read_bytes()).digest()
    assert {"NOTICE.txt", "Apache-2.0.txt", "wqy-microhei.copyright"} <= {p.name for p in tmp_path.iterdir()}


def test_a_different_source_is_refused(tmp_path):
    other = tmp_path / "other.ttc"
    other.write_bytes(b"not the pinned font")
    with pytest.raises(poster_font.FontError, match="SHA-256"):
        poster_font.build(tmp_path / "out.ttf", source=other)


def test_without_the_font_chinese_is_dropped_not_boxed(monkeypatch, tmp_path):
    """A checkout nobody ran `make font` in: Pillow's Latin font draws, and the Chinese is left out."""
    caches = (poster._font, poster._has_glyph, poster._bitmap)
    monkeypatch.setattr(poster, "SHIPPED_FONT", tmp_path / "missing.ttf")
    for cache in caches:
        cache.cache_clear()
    try:
        assert poster.drawable("Lei 王小明") == "Lei"
        assert _name_area("Lei 王小明").tobytes() == _name_area("Lei").tobytes()
    finally:
        for cache in caches:
            cache.cache_clear()
