"""Invoice numbers: the tenant's format rendered with a gapless sequence per series (per year when
the format shows the year), counted in one counter item per tenant."""

from __future__ import annotations

import re
from datetime import date

from pydantic import Field

from chalicelib.domain.base import DomainModel

DEFAULT_FORMAT = "INV-{YYYY}-{SEQ:04}"
CREDIT_NOTE_FORMAT = "CN-{YYYY}-{SEQ:04}"  # credit notes' own series (domain/credit_notes.py)
_TOKEN = re.compile(r"\{(YYYY|YY|MM|SEQ)(?::0([1-9]))?\}")
_LITERAL = re.compile(r"[A-Za-z0-9 ._/#-]*")
_YEARLESS_SERIES = "ALL"


class InvoiceCounter(DomainModel):
    """The last number issued in each series of a tenant; written in the same transaction as the
    invoice that takes the next number, so numbers never repeat and never skip."""

    last: dict[str, int] = Field(default_factory=dict)
    version: int = 0


def format_problem(number_format: str) -> str | None:
    """Why a numbering format cannot be used, or None when it can."""
    if not 1 <= len(number_format) <= 64:
        return "must be 1 to 64 characters"
    tokens = _TOKEN.findall(number_format)
    if [name for name, _ in tokens].count("SEQ") != 1:
        return "must contain {SEQ} exactly once, for example INV-{YYYY}-{SEQ:04}"
    if not _LITERAL.fullmatch(_TOKEN.sub("", number_format)):
        return "may hold {YYYY}, {YY}, {MM}, {SEQ} or {SEQ:0N}, letters, digits and . _ / # - space"
    if any(width and name != "SEQ" for name, width in tokens):
        return "only {SEQ} takes a width, as in {SEQ:04}"
    return None


def series_of(number_format: str, invoice_date: date) -> str:
    """Numbering restarts each year when the format shows the year; otherwise it never does."""
    shows_year = any(name in ("YYYY", "YY") for name, _ in _TOKEN.findall(number_format))
    return str(invoice_date.year) if shows_year else _YEARLESS_SERIES


def render(number_format: str, invoice_date: date, sequence: int) -> str:
    def token(match: re.Match[str]) -> str:
        name, width = match.group(1), match.group(2)
        if name == "SEQ":
            return str(sequence).zfill(int(width or 1))
        return {
            "YYYY": f"{invoice_date.year:04d}",
            "YY": f"{invoice_date.year % 100:02d}",
            "MM": f"{invoice_date.month:02d}",
        }[name]

    return _TOKEN.sub(token, number_format)


def next_number(
    counter: InvoiceCounter, number_format: str, invoice_date: date
) -> tuple[str, InvoiceCounter]:
    """The number the next issued invoice takes, and the counter that records it."""
    series = series_of(number_format, invoice_date)
    sequence = counter.last.get(series, 0) + 1
    advanced = counter.model_copy(update={"last": {**counter.last, series: sequence}})
    return render(number_format, invoice_date, sequence), advanced
