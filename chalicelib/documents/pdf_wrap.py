"""Line breaking for the invoice PDF, linear in the length of the text.

fpdf2's multi_cell measures the whole line again for every character it adds, which cost
about a quarter of a millisecond per printed line; here each word is measured once."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

Measure = Callable[[str], float]


def wrap(text: str, width: float, measure: Measure) -> list[str]:
    """The lines that `text` takes in `width`: its own line breaks kept, words moved to the next
    line when they do not fit, and a word wider than a line cut between characters."""
    text = unicodedata.normalize("NFC", text).replace("\t", " ")
    if "\n" not in text and "\r" not in text and measure(text) <= width:
        return [text]  # most cells: one measure, no splitting
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += _wrap_paragraph(paragraph, width, measure)
    return lines


def _wrap_paragraph(paragraph: str, width: float, measure: Measure) -> list[str]:
    space = measure(" ")
    lines: list[str] = []
    line, line_width = "", 0.0
    for word in paragraph.split(" "):
        word_width = measure(word)
        if line and line_width + space + word_width <= width:
            line, line_width = f"{line} {word}", line_width + space + word_width
            continue
        if line:
            lines.append(line)
        pieces = _cut(word, width, measure) if word_width > width else [word]
        lines += pieces[:-1]
        line, line_width = pieces[-1], measure(pieces[-1])
    lines.append(line)
    return lines


def _cut(word: str, width: float, measure: Measure) -> list[str]:
    """A word too wide for a line (an IBAN, a URL) in pieces that fit, at least a character
    each."""
    pieces, piece = [], ""
    for character in word:
        if piece and measure(piece + character) > width:
            pieces.append(piece)
            piece = ""
        piece += character
    return [*pieces, piece]
