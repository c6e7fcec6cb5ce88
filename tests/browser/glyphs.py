"""Which characters the served web fonts can draw: the USWDS fonts' own character maps (read from the
TrueType files in node_modules) plus the code points dashboard/assets/servicestat.css adds to a family
with a ``unicode-range`` face. A character outside them falls back to whatever font the reader's
system has, or shows as a missing-glyph box ("awaiting review" showed one for ⧗).
"""

from __future__ import annotations

import re
import struct
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FONTS = REPO_ROOT / "node_modules" / "@uswds" / "uswds" / "dist" / "fonts"
SITE_CSS = REPO_ROOT / "dashboard" / "assets" / "servicestat.css"
#: family (as CSS names it) -> the TrueType files of its served faces
FAMILIES: dict[str, tuple[str, ...]] = {
    "Source Sans Pro Web": ("source-sans-pro/sourcesanspro-regular-webfont.ttf",
                            "source-sans-pro/sourcesanspro-bold-webfont.ttf"),
    "Merriweather Web": ("merriweather/Latin-Merriweather-Regular.ttf",
                         "merriweather/Latin-Merriweather-Bold.ttf"),
    "Roboto Mono Web": ("roboto-mono/roboto-mono-v5-latin-regular.ttf",),
}


def cmap(path: Path) -> frozenset[int]:
    """The code points a TrueType font maps to glyphs (its Unicode cmap, format 4 or 12)."""
    data = path.read_bytes()
    tables = {data[12 + 16 * i:16 + 16 * i]: struct.unpack(">II", data[20 + 16 * i:28 + 16 * i])
              for i in range(struct.unpack(">H", data[4:6])[0])}
    base = tables[b"cmap"][0]
    count = struct.unpack(">H", data[base + 2:base + 4])[0]
    subtables = [struct.unpack(">HHI", data[base + 4 + 8 * i:base + 12 + 8 * i]) for i in range(count)]
    points: set[int] = set()
    for platform, encoding, offset in subtables:
        if (platform, encoding) not in ((3, 1), (3, 10), (0, 3), (0, 4)):
            continue
        at = base + offset
        fmt = struct.unpack(">H", data[at:at + 2])[0]
        if fmt == 4:
            segs = struct.unpack(">H", data[at + 6:at + 8])[0] // 2
            ends = struct.unpack(f">{segs}H", data[at + 14:at + 14 + 2 * segs])
            starts_at = at + 16 + 2 * segs
            starts = struct.unpack(f">{segs}H", data[starts_at:starts_at + 2 * segs])
            deltas = struct.unpack(f">{segs}h", data[starts_at + 2 * segs:starts_at + 4 * segs])
            ranges_at = starts_at + 4 * segs
            range_offsets = struct.unpack(f">{segs}H", data[ranges_at:ranges_at + 2 * segs])
            for i in range(segs):
                for code in range(starts[i], ends[i] + 1):
                    if code == 0xFFFF:
                        continue
                    if range_offsets[i] == 0:
                        glyph = (code + deltas[i]) & 0xFFFF
                    else:
                        where = ranges_at + 2 * i + range_offsets[i] + 2 * (code - starts[i])
                        glyph = struct.unpack(">H", data[where:where + 2])[0]
                        glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
                    if glyph:
                        points.add(code)
        elif fmt == 12:
            groups = struct.unpack(">I", data[at + 12:at + 16])[0]
            for g in range(groups):
                start, end, _ = struct.unpack(">III", data[at + 16 + 12 * g:at + 28 + 12 * g])
                points.update(range(start, end + 1))
    return frozenset(points)


def _css_ranges(family: str) -> set[int]:
    """Code points the site's CSS adds to ``family`` (its ``unicode-range`` faces)."""
    points: set[int] = set()
    css = SITE_CSS.read_text(encoding="utf-8")
    for face in re.findall(r"@font-face\s*{([^}]*)}", css):
        if f'"{family}"' not in face:
            continue
        found = re.search(r"unicode-range:\s*([^;]+);", face)
        for part in (found.group(1).split(",") if found else []):
            low, _, high = part.strip().removeprefix("U+").partition("-")
            points.update(range(int(low, 16), int(high or low, 16) + 1))
    return points


@cache
def drawable(family: str) -> frozenset[int]:
    """What every served face of ``family`` can draw (the intersection: bold must draw it too)."""
    maps = [cmap(FONTS / f) for f in FAMILIES[family]]
    return frozenset(set.intersection(*map(set, maps)) | _css_ranges(family))


def missing(text_by_family: dict[str, str]) -> dict[str, str]:
    """Per served family, the characters of its text that none of its faces can draw."""
    out = {}
    for family, text in text_by_family.items():
        if family not in FAMILIES:
            continue
        lacking = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in drawable(family)})
        if lacking:
            out[family] = "".join(lacking)
    return out
