"""Whether a tenant's own numbering could still give a number. A number brought from elsewhere
(an import) that one of the tenant's formats renders, at a sequence its series has not reached,
would one day be given by the series again: it is refused before it is taken, so the series never
runs into it (decision 0057). One the series gave already is refused by the number's own item."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from chalicelib.domain.credit_notes import SERIES_PREFIX
from chalicelib.domain.numbering import InvoiceCounter, series_of
from chalicelib.domain.settings import TenantSettings
from chalicelib.domain.values import EARLIEST_DATE, LATEST_DATE

_TOKEN = re.compile(r"\{(YYYY|YY|MM|SEQ)(?::0([1-9]))?\}")
_DIGITS = re.compile(r"[0-9]+")
_WIDTH = {"YYYY": 4, "YY": 2, "MM": 2}  # {SEQ} is as wide as its sequence needs
_YEARS = range(EARLIEST_DATE.year, LATEST_DATE.year + 1)  # the years an invoice may be dated


@dataclass(frozen=True, order=True)
class Position:
    """A place in the tenant's numbering: a series of the counter ("2026", "ALL", "CN:2026")
    and a sequence in it."""

    series: str
    sequence: int


def positions(number: str, number_format: str) -> tuple[Position, ...]:
    """Every place at which `number_format` renders `number` (numbering.render), none when it
    does not. Only {SEQ} varies in width, so the number's length fixes where each token is; a
    two-digit year names a year of every century an invoice may be dated in."""
    read = _read(number, _parts(number_format))
    if read is None:
        return ()
    if "YYYY" in read:
        years = [read["YYYY"]] if read["YYYY"] in _YEARS else []
    elif "YY" in read:
        years = [year for year in _YEARS if year % 100 == read["YY"]]
    else:
        years = [LATEST_DATE.year]  # any: a format without a year has one series
    series = dict.fromkeys(series_of(number_format, date(year, 1, 1)) for year in years)
    return tuple(Position(name, read["SEQ"]) for name in series)


def _parts(number_format: str) -> list[tuple[str | None, str]]:
    """The format as literal text (None, text) and tokens (name, the width {SEQ:0N} gives)."""
    parts: list[tuple[str | None, str]] = []
    at = 0
    for match in _TOKEN.finditer(number_format):
        if match.start() > at:
            parts.append((None, number_format[at : match.start()]))
        parts.append((match.group(1), match.group(2) or "1"))
        at = match.end()
    if at < len(number_format):
        parts.append((None, number_format[at:]))
    return parts


def _read(number: str, parts: list[tuple[str | None, str]]) -> dict[str, int] | None:
    """The tokens' values as the format renders `number`, or None when it never does."""
    fixed = sum(len(value) if name is None else _WIDTH.get(name, 0) for name, value in parts)
    sequence_width = len(number) - fixed
    read: dict[str, int] = {}
    at = 0
    for name, value in parts:
        if name is None:
            if not number.startswith(value, at):
                return None
            at += len(value)
            continue
        width = sequence_width if name == "SEQ" else _WIDTH[name]
        text = number[at : at + width]
        if width < 1 or not _DIGITS.fullmatch(text):
            return None
        if name == "SEQ" and str(int(text)).zfill(int(value)) != text:
            return None  # not as the series writes it: "007" where it writes "7", or "0000"
        if read.setdefault(name, int(text)) != int(text):
            return None  # one token shown twice, with two values
        at += width
    return read if at == len(number) and _possible(read) else None


def _possible(read: dict[str, int]) -> bool:
    year, short = read.get("YYYY"), read.get("YY")
    agree = year is None or short is None or year % 100 == short
    return read["SEQ"] >= 1 and 1 <= read.get("MM", 1) <= 12 and agree


@dataclass(frozen=True)
class NumberFormats:
    """The tenant's two series: its invoices' and its credit notes' (counted under "CN:")."""

    invoice: str
    credit_note: str

    @classmethod
    def of(cls, settings: TenantSettings) -> NumberFormats:
        return cls(settings.numbering_format, settings.credit_note_numbering_format)

    def positions(self, number: str) -> tuple[Position, ...]:
        """Every place of either series at which the tenant's numbering gives `number`."""
        notes = (
            Position(SERIES_PREFIX + p.series, p.sequence)
            for p in positions(number, self.credit_note)
        )
        return (*positions(number, self.invoice), *notes)

    def could_still_give(self, number: str, counter: InvoiceCounter) -> bool:
        """Whether the series could give `number` later: a place of it the counter has not
        reached yet."""
        return any(counter.last.get(p.series, 0) < p.sequence for p in self.positions(number))
