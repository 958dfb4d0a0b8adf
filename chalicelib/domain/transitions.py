"""Moving an invoice through its lifecycle: issuing it (with its number) and cancelling it."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.events import record
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus
from chalicelib.domain.lifecycle import Action, ensure_allowed
from chalicelib.domain.numbering import InvoiceCounter, next_number
from chalicelib.domain.values import Actor


def number_for_issue(
    invoice: Invoice, counter: InvoiceCounter, number_format: str
) -> tuple[str, InvoiceCounter | None]:
    """An invoice keeps the number it has; one leaving DRAFT for the first time takes the next."""
    if invoice.invoice_number is not None:
        return invoice.invoice_number, None
    return next_number(counter, number_format, invoice.invoice_date)


def mark_as_sent(
    invoice: Invoice,
    counter: InvoiceCounter,
    number_format: str,
    *,
    actor: Actor,
    now: datetime,
) -> tuple[Invoice, InvoiceCounter | None]:
    """SENT without emailing it (it went out another way); returns the advanced counter, if any."""
    ensure_allowed(invoice, Action.MARK_AS_SENT)
    number, advanced = number_for_issue(invoice, counter, number_format)
    sent = record(
        invoice,
        EventType.MARKED_AS_SENT,
        f"Marked as sent as {number}",
        actor=actor,
        now=now,
        status=InvoiceStatus.SENT,
        invoice_number=number,
    )
    return sent, advanced


def cancel(invoice: Invoice, *, actor: Actor, now: datetime) -> Invoice:
    """CANCELLED is final; an issued invoice keeps its number, so the series shows no gap."""
    ensure_allowed(invoice, Action.CANCEL)
    return record(
        invoice,
        EventType.CANCELLED,
        "Cancelled",
        actor=actor,
        now=now,
        status=InvoiceStatus.CANCELLED,
    )
