"""Make the invoice PDF's fonts (chalicelib/documents/fonts/InvoiceSans-*.ttf) from DejaVu Sans:
keep the scripts invoices are written in, drop what fpdf2 never uses, and rename the family.

A dev tool, run by hand when the character set changes; its output is committed. From the
repository root: `.venv/bin/python -m bench.trim_font` (needs the system's DejaVu fonts, such as
Debian's fonts-dejavu-core). The same DejaVu release gives the same bytes on every run."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

SOURCE_DIR = Path("/usr/share/fonts/truetype/dejavu")
TARGET_DIR = Path(__file__).resolve().parent.parent / "chalicelib" / "documents" / "fonts"
FAMILY = "InvoiceSans"
SOURCES = {"Regular": "DejaVuSans.ttf", "Bold": "DejaVuSans-Bold.ttf"}

# Inclusive ranges of code points to keep (those DejaVu Sans has a glyph for). fpdf2 reads the
# whole font to subset it for each document, so every glyph kept costs each render time: the
# blocks no invoice language needs (IPA, Vietnamese, combining marks, number forms, 630 glyphs)
# cost about 7 ms per render. The renderer composes text (NFC), so it needs no combining marks.
KEPT_RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement, with the no-break space Babel puts in amounts
    (0x0100, 0x017F),  # Latin Extended-A: Polish, Czech, Turkish, Baltic, Maltese
    (0x0180, 0x024F),  # Latin Extended-B: Romanian comma-below letters, Croatian digraphs
    (0x0259, 0x0259),  # Schwa, for Azerbaijani
    (0x02BB, 0x02BC),  # Modifier apostrophes: Uzbek, Ukrainian
    (0x02C6, 0x02C7),  # Circumflex and caron standing alone
    (0x02D8, 0x02DD),  # Breve, dot, ring, ogonek, tilde, double acute standing alone
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x2000, 0x206F),  # General punctuation: dashes, quotes, ellipsis, thin and narrow spaces
    (0x20A0, 0x20CF),  # Currency symbols: € ₹ ₽ ₺ ₴ ₸ ₼ ₾
    (0x2116, 0x2116),  # Numero sign, on Cyrillic invoices
    (0x2122, 0x2122),  # Trade mark sign
    (0x2212, 0x2212),  # Minus sign, in Babel's negative numbers for sv, fi, nb and others
    (0x2215, 0x2215),  # Division slash
    (0xFFFD, 0xFFFD),  # Replacement character
)

# Tables fpdf2 neither reads nor embeds (it writes no shaped text, so no kerning or layout).
DROPPED_TABLES = ("kern", "GSUB", "GPOS", "GDEF", "MATH", "FFTM")


def kept_code_points() -> list[int]:
    return [code for first, last in KEPT_RANGES for code in range(first, last + 1)]


def trim(source: Path, target: Path, style: str) -> None:
    font = TTFont(source, recalcTimestamp=False)
    options = subset.Options()
    options.drop_tables += list(DROPPED_TABLES)
    options.layout_features = []
    options.hinting = False  # PDF viewers render without TrueType hints; they are half the file
    options.glyph_names = True
    options.notdef_outline = True
    options.recommended_glyphs = True
    options.name_IDs = ["*"]  # keep the copyright and license records; renamed below
    options.name_languages = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=kept_code_points())
    subsetter.subset(font)
    # One character map is enough (Windows, Unicode BMP); each further one is read per document.
    cmap = font["cmap"]
    cmap.tables = [table for table in cmap.tables if (table.platformID, table.platEncID) == (3, 1)]
    rename(font, style)
    font.save(target)


def rename(font: TTFont, style: str) -> None:
    """A trimmed font is not DejaVu Sans: give it its own family name. The license only forbids
    "Bitstream", "Vera", "Arev" and "Tavmjong Bah" in a modified font's name; the copyright (0)
    and license (13, 14) records stay as they are."""
    name = font["name"]
    version = name.getDebugName(5) or ""
    for name_id in (1, 2, 3, 4, 6, 16, 17):
        name.removeNames(nameID=name_id)
    full_name = FAMILY if style == "Regular" else f"{FAMILY} {style}"
    name.setName(FAMILY, 1, 3, 1, 0x409)
    name.setName(style, 2, 3, 1, 0x409)
    name.setName(f"{FAMILY}-{style}; {version}", 3, 3, 1, 0x409)
    name.setName(full_name, 4, 3, 1, 0x409)
    name.setName(f"{FAMILY}-{style}", 6, 3, 1, 0x409)
    name.setName("DejaVu Sans trimmed to Latin, Greek and Cyrillic for invoices", 10, 3, 1, 0x409)
    # Records for the Macintosh platform are left out: no reader of our PDFs needs them.
    name.names = [record for record in name.names if record.platformID == 3]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.trim_font", description=__doc__)
    parser.add_argument("--source-dir", type=Path, default=SOURCE_DIR)
    parser.add_argument("--target-dir", type=Path, default=TARGET_DIR)
    args = parser.parse_args(argv)
    for style, file_name in SOURCES.items():
        target = args.target_dir / f"{FAMILY}-{style}.ttf"
        trim(args.source_dir / file_name, target, style)
        print(f"{target}: {target.stat().st_size / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
