"""Invoices as CSV: RFC 4180 (comma, double quotes, CRLF), a header row and one row per invoice,
amounts exact in the currency's minor units, and every text cell neutralised against spreadsheet
formula injection (OWASP ASVS 5.0, V1.2.10), whatever separator the spreadsheet splits on."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal

from chalicelib.domain.invoice import Invoice
from chalicelib.domain.values import format_timestamp

# A spreadsheet reads a cell starting with one of these as a formula (or as the start of one).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet may split a line on, whatever this file says: German and French Excel split
# on ";", others on tab or "|", and a reader that ignores quotes on line breaks too. Each piece
# is a cell of its own there, so a trigger after any of them starts a formula.
SEPARATORS = (",", ";", "\t", "|", "\r", "\n")
_TRIGGER_AFTER_SEPARATOR = re.compile(
    f"([{re.escape(''.join(SEPARATORS))}])(?=[{re.escape(''.join(FORMULA_TRIGGERS))}])"
)

Cell = str | Decimal | date | datetime | bool | int | None

COLUMNS: tuple[tuple[str, Callable[[Invoice], Cell]], ...] = (
    ("id", lambda invoice: invoice.id),
    ("invoiceNumber", lambda invoice: invoice.invoice_number),
    ("type", lambda invoice: invoice.type),
    ("status", lambda invoice: invoice.status),
    ("currency", lambda invoice: invoice.currency),
    ("invoiceDate", lambda invoice: invoice.invoice_date),
    ("dueDate", lambda invoice: invoice.due_date),
    ("paymentTermDays", lambda invoice: invoice.payment_term_days),
    ("clientId", lambda invoice: invoice.client_id),
    ("contactEmail", lambda invoice: invoice.contact_email),
    ("opportunityId", lambda invoice: invoice.opportunity_id),
    ("paymentReference", lambda invoice: invoice.payment_reference),
    ("note", lambda invoice: invoice.note),
    ("taxInclusive", lambda invoice: invoice.tax_inclusive),
    ("totalDiscount", lambda invoice: invoice.total_discount),
    ("totalExcludingTax", lambda invoice: invoice.total_excluding_tax),
    ("totalTax", lambda invoice: invoice.total_tax),
    ("total", lambda invoice: invoice.total),
    ("paid", lambda invoice: invoice.paid),
    ("datePaid", lambda invoice: invoice.date_paid),
    ("created", lambda invoice: invoice.created),
    ("updated", lambda invoice: invoice.updated),
)
HEADER = tuple(name for name, _ in COLUMNS)


class InvoiceCsv:
    """Rows are added as invoices arrive, so a long export never holds every invoice at once."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._writer.writerow(HEADER)
        self.rows = 0

    def add(self, invoices: Iterable[Invoice]) -> None:
        for invoice in invoices:
            self._writer.writerow([cell_text(value(invoice)) for _, value in COLUMNS])
            self.rows += 1

    @property
    def text(self) -> str:
        return self._buffer.getvalue()


def cell_text(value: Cell) -> str:
    """Amounts as exact plain numbers (a number is never a formula, a negative one included);
    dates as ISO days; timestamps as on the wire; text neutralised."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return neutralised(str(value))


def neutralised(text: str) -> str:
    """A leading apostrophe makes a spreadsheet show the cell as text instead of evaluating it:
    at the start of the text, and after each separator that a trigger follows, so no piece of
    it, split on any separator, starts a formula (x;=1+1 is written x;'=1+1)."""
    guarded = _TRIGGER_AFTER_SEPARATOR.sub(r"\1'", text)
    return f"'{guarded}" if guarded.startswith(FORMULA_TRIGGERS) else guarded
