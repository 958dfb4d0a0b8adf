"""The invoice PDF's fonts, parsed once per process rather than once per document.

fpdf2's `add_font` reads the whole TTF (character map, widths, glyph ids) for every document,
and writing the document subsets the font's fontTools object in place and closes it. So each
style is parsed once into a template `TTFFont`, and each document gets a copy that shares the
template's read-only parts (character map, glyph ids) and owns what fpdf2 changes: a fontTools
font read lazily from the file's bytes in memory, the subset map, the widths map (a defaultdict
that grows on lookups), the font descriptor (given the document's object ids when written)
and the list of missing glyphs.

This leans on fpdf2's TTFFont attributes (the ones its own `__deepcopy__` handles); the tests
render documents one after the other and check each embeds exactly its own glyphs."""

from __future__ import annotations

import copy
import functools
import io
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT_DIR = Path(__file__).parent / "fonts"
FAMILY = "InvoiceSans"
FILES = {"": "InvoiceSans-Regular.ttf", "B": "InvoiceSans-Bold.ttf"}


def add_invoice_fonts(pdf: FPDF) -> None:
    """Make the regular and bold invoice fonts available to `pdf` under FAMILY."""
    for style in FILES:
        template = _template(style)
        font = copy.copy(template)
        font.i = len(pdf.fonts) + 1
        font.ttfont = TTFont(
            io.BytesIO(_font_bytes(style)),
            lazy=True,
            recalcBBoxes=False,  # the subset keeps the glyphs' own boxes: nothing to recompute
            recalcTimestamp=False,
        )
        font.cw = copy.copy(template.cw)
        font.desc = copy.copy(template.desc)  # writing the document sets its object id and file
        font.missing_glyphs = []
        font.subset = SubsetMap(font)
        pdf.fonts[template.fontkey] = font


@functools.cache
def _template(style: str) -> TTFFont:
    pdf = FPDF()
    pdf.add_font(FAMILY, style, FONT_DIR / FILES[style])
    font = pdf.fonts[f"{FAMILY.lower()}{style}"]
    assert isinstance(font, TTFFont)
    return font


@functools.cache
def _font_bytes(style: str) -> bytes:
    return (FONT_DIR / FILES[style]).read_bytes()


def characters(style: str = "") -> frozenset[str]:
    """The characters the invoice font can print."""
    return frozenset(map(chr, _template(style).cmap))
