"""Invoices and credit notes as CSV: RFC 4180 (comma, double quotes, CRLF), a header row and one
row per record, amounts exact in the currency's minor units, and every text cell neutralised
against spreadsheet formula injection (OWASP ASVS 5.0, V1.2.10), whatever separator the
spreadsheet splits on."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from chalicelib.domain.credit_notes import CreditNote
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

R = TypeVar("R")
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


CREDIT_NOTE_COLUMNS: tuple[tuple[str, Callable[[CreditNote], Cell]], ...] = (
    ("id", lambda note: note.id),
    ("creditNoteNumber", lambda note: note.credit_note_number),
    ("creditNoteDate", lambda note: note.credit_note_date),
    ("invoiceId", lambda note: note.invoice_id),
    ("invoiceNumber", lambda note: note.invoice_number),
    ("invoiceDate", lambda note: note.invoice_date),
    ("clientId", lambda note: note.client_id),
    ("clientName", lambda note: note.client.name if note.client else None),
    ("currency", lambda note: note.currency),
    ("taxInclusive", lambda note: note.tax_inclusive),
    # What it credits, as positive amounts, as the credit note states them.
    ("totalExcludingTax", lambda note: note.total_excluding_tax),
    ("totalTax", lambda note: note.total_tax),
    ("totalWithTax", lambda note: note.total_with_tax),
    ("reason", lambda note: note.reason),
    ("cancelsInvoice", lambda note: note.cancels_invoice),
    ("created", lambda note: note.created),
    ("createdBy", lambda note: note.created_by),
)


class CsvTable(Generic[R]):
    """Rows are added as records arrive, so a long export never holds every record at once."""

    def __init__(self, columns: Sequence[tuple[str, Callable[[R], Cell]]]) -> None:
        self._columns = columns
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._writer.writerow([name for name, _ in columns])
        self.rows = 0

    def add(self, records: Iterable[R]) -> None:
        for record in records:
            self._writer.writerow([cell_text(value(record)) for _, value in self._columns])
            self.rows += 1

    @property
    def text(self) -> str:
        return self._buffer.getvalue()


class InvoiceCsv(CsvTable[Invoice]):
    def __init__(self) -> None:
        super().__init__(COLUMNS)


class CreditNoteCsv(CsvTable[CreditNote]):
    def __init__(self) -> None:
        super().__init__(CREDIT_NOTE_COLUMNS)


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
