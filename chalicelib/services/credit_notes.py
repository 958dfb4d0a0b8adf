"""Credit notes (issue 21): issue one on an issued invoice, numbered in the tenant's credit note
series and written in one transaction with the counter and the invoice it credits; cancel an
invoice, an issued one by the credit note for all it had open; read one, and an invoice's. Within
a retryable request the note is named after the request, so a retry finds the note its first try
issued instead of issuing a second."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import payments, transitions
from chalicelib.domain.credit_notes import (
    CANCELLABLE,
    CreditNote,
    CreditNoteInput,
    credit_note_date,
    full_credit_for_cancellation,
    issue_credit_note,
    next_credit_note_number,
)
from chalicelib.domain.derived_ids import made_by_request
from chalicelib.domain.errors import CreditNoteNotFoundError, InvoiceNotFoundError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.numbering import InvoiceCounter
from chalicelib.domain.values import Actor, new_id
from chalicelib.ports import CreditContext, InvoicePorts
from chalicelib.services.changes import check_precondition, read
from chalicelib.services.metrics import CREDIT_NOTES_ISSUED
from chalicelib.services.optimistic import until_written

CREDIT_NOTE = "creditNote"  # what derived_ids names a request's credit note after


def create_credit_note(
    invoice_id: str, request: CreditNoteInput, *, actor: Actor, ports: InvoicePorts
) -> CreditNote:
    """The credit note `request` asks for on the invoice: one read (the invoice, the counter,
    the settings, and the note a retry names) and one transaction, tried again from a new read
    when another writer moved the invoice or the counter first."""
    named = made_by_request(actor, CREDIT_NOTE)

    def attempt() -> CreditNote:
        context = _read_for_credit(invoice_id, named, actor=actor, ports=ports)
        if context.made is not None:  # an earlier try of this very request issued it
            return context.made
        invoice, now = context.invoice, ports.clock.now()
        number, counter = _next_number(context, now)
        note, summary = issue_credit_note(
            invoice,
            request,
            summary=invoice.credited,
            number=number,
            note_id=named or new_id(),
            actor=actor,
            now=now,
        )
        credited = payments.credited(invoice, note.reference(), summary, actor=actor, now=now)
        ports.repo.save_credited(
            credited.as_written_by(actor.request), previous=invoice, counter=counter, note=note
        )
        ports.metrics.count(CREDIT_NOTES_ISSUED)
        return note

    return until_written(attempt, retry=ports.retry, name=("Invoice", invoice_id))


def cancel_invoice(
    invoice_id: str,
    *,
    reason: str | None = None,
    actor: Actor,
    ports: InvoicePorts,
    expected_version: int | None = None,
) -> Invoice:
    """Cancel the invoice. An issued one (SENT, OVERDUE) is cancelled by a credit note for all
    that is neither paid nor credited, numbered in the credit note series and written in one
    transaction with it; one with no number given to anyone yet (a draft, a scheduled one) is
    just CANCELLED. Either way one read and one write, tried again from a new read when another
    writer moved the invoice or the counter first."""
    named = made_by_request(actor, CREDIT_NOTE)

    def attempt() -> Invoice:
        context = _read_for_credit(invoice_id, None, actor=actor, ports=ports)
        invoice, now = context.invoice, ports.clock.now()
        if invoice.is_written_by(actor.request):  # an earlier try of this very request did it
            return invoice
        check_precondition(invoice, expected_version)
        number, counter = _next_number(context, now)
        credit = invoice.status in CANCELLABLE and full_credit_for_cancellation(
            invoice,
            invoice.credited,
            number=number,
            note_id=named or new_id(),
            actor=actor,
            now=now,
            reason=reason,
        )
        if not credit:  # nothing issued to anyone, or nothing open to credit
            cancelled = transitions.cancel(invoice, actor=actor, now=now)
            return ports.repo.save(cancelled.as_written_by(actor.request), previous=invoice)
        note, summary = credit
        cancelled = transitions.cancel_by_credit_note(
            invoice, note.reference(), summary, actor=actor, now=now
        )
        stored = ports.repo.save_credited(
            cancelled.as_written_by(actor.request), previous=invoice, counter=counter, note=note
        )
        ports.metrics.count(CREDIT_NOTES_ISSUED)
        return stored

    return until_written(attempt, retry=ports.retry, name=("Invoice", invoice_id))


def _read_for_credit(
    invoice_id: str, note_id: str | None, *, actor: Actor, ports: InvoicePorts
) -> CreditContext:
    context = ports.repo.get_for_credit(actor.tenant_id, invoice_id, note_id=note_id)
    if context is None:
        raise InvoiceNotFoundError([invoice_id])
    return context


def _next_number(context: CreditContext, now: datetime) -> tuple[str, InvoiceCounter]:
    """The next number of the tenant's credit note series, as of the credit note's own day."""
    return next_credit_note_number(
        context.counter,
        context.settings.credit_note_numbering_format,
        credit_note_date(context.invoice, now),
    )


def get_credit_note(note_id: str, *, actor: Actor, ports: InvoicePorts) -> CreditNote:
    note = ports.repo.get_credit_note(actor.tenant_id, note_id)
    if note is None:
        raise CreditNoteNotFoundError(note_id)
    return note


def credit_notes_of(invoice_id: str, *, actor: Actor, ports: InvoicePorts) -> list[CreditNote]:
    """The invoice's credit notes in the order they were issued: the ones its summary lists."""
    invoice = read(invoice_id, actor=actor, ports=ports)
    listed = [reference.id for reference in invoice.credited.credit_notes]
    return ports.repo.get_credit_notes(actor.tenant_id, listed) if listed else []
