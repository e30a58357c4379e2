"""The fission poster's Chinese font (issue 21), built from a pinned input so every build makes the same bytes.

Lambda's image has no CJK font, so a name drawn with Pillow would come out as boxes. The layer carries one:
WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0; Debian's ``fonts-wqy-microhei`` 0.2.0-beta-3.1, the package the
Makefile already installs for the browser tests' screenshots), cut down with fontTools to the characters a
customer's name uses: every character GBK encodes (GB2312's 6,763 hanzi plus the rest of the 20,902 CJK
unified ideographs, so names with 喆, 堃, 玥 or a traditional 陳 draw too; kana, Greek, Cyrillic, bopomofo),
ASCII and Latin-1, general punctuation (the · of 艾力·买买提), CJK symbols and the fullwidth forms.

Reproducible offline: the source is checked against its SHA-256, fontTools is pinned (pyproject.toml), the
subset keeps the source's timestamp (no build time in the file) and drops hinting (the poster draws at
24 px and up, where FreeType's autohinter does as well). The output goes where the poster looks for it,
``layers/scrm/fission/fonts/`` (not committed: a build artefact, as web/*/dist), so the local stack, the tests
and the layer (infra/package.py copies ``layers/scrm``) all draw with the same file.

``python -m infra.poster_font`` builds it (``make font``); infra/package.py calls :func:`build` itself.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

from scrm.fission.poster import SHIPPED_FONT

SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
SOURCE_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"  # Debian 0.2.0-beta-3.1
SOURCE_PACKAGE = "fonts-wqy-microhei"
# Shipped beside the font: Apache-2.0 asks for the license and a notice of the changes made.
LICENSE_FILES = {
    Path("/usr/share/doc/fonts-wqy-microhei/copyright"): "wqy-microhei.copyright",
    Path("/usr/share/common-licenses/Apache-2.0"): "Apache-2.0.txt",
}
NOTICE = """poster-sc.ttf is WenQuanYi Micro Hei (文泉驿微米黑), Copyright 2008-2009 The WenQuanYi Project Board of
Trustees and Qianqian Fang, based on Google's Droid fonts; licensed under the Apache License, Version 2.0
(Apache-2.0.txt; the upstream copyright file is wqy-microhei.copyright).
Changed by this project's infra/poster_font.py: subset to the characters GBK encodes plus ASCII, Latin-1,
general punctuation, CJK symbols and fullwidth forms; hinting removed.
"""
EXTRA_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (José, Zoë)
    (0x2010, 0x205E),  # general punctuation: dashes, quotes, … and the name separator ·/‧
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF01, 0xFF5E),  # fullwidth forms
    (0xFFE0, 0xFFE6),  # fullwidth signs
)


class FontError(RuntimeError):
    pass


def charset() -> list[int]:
    """The code points a name may use that the poster draws (sorted; those the source lacks are skipped)."""
    wanted = {c for lo, hi in EXTRA_RANGES for c in range(lo, hi + 1)}
    for c in range(0x80, 0x10000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        try:
            chr(c).encode("gbk")
        except UnicodeEncodeError:
            continue
        wanted.add(c)
    return sorted(wanted)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(out: Path = SHIPPED_FONT, source: Path = SOURCE, expected_sha256: str = SOURCE_SHA256) -> Path:
    """Subset ``source`` into ``out`` (and its license files beside it); the same bytes every time."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    if not source.is_file():
        raise FontError(f"{source} is missing: install Debian's {SOURCE_PACKAGE} "
                        f"(make browser, or apt-get install {SOURCE_PACKAGE})")  # fmt: skip
    if expected_sha256 and _sha256(source) != expected_sha256:
        raise FontError(f"{source} is not the pinned {SOURCE_PACKAGE} 0.2.0-beta-3.1 (SHA-256 differs): a "
                        "different font would change every poster; update SOURCE_SHA256 after checking it")  # fmt: skip
    font = TTFont(str(source), fontNumber=0, recalcTimestamp=False)  # 0: Micro Hei (1 is the Mono face)
    have = font.getBestCmap()
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and license records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = ["*"]
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: nothing draws with them
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for c in charset() if c in have])
    subsetter.subset(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    font.save(str(tmp))
    tmp.replace(out)
    for src, name in LICENSE_FILES.items():
        if src.is_file():
            shutil.copyfile(src, out.parent / name)
    (out.parent / "NOTICE.txt").write_text(NOTICE, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.poster_font", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--out", default=str(SHIPPED_FONT))
    args = parser.parse_args(argv)
    try:
        out = build(Path(args.out))
    except FontError as exc:
        print(f"poster font: {exc}", file=sys.stderr)
        return 1
    print(f"poster font: {out} ({out.stat().st_size // 1024} KiB, sha256 {_sha256(out)[:16]}…)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
