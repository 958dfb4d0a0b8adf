"""Credit notes (issue 21): issue one on an issued invoice, numbered in the tenant's credit note
series and written in one transaction with the counter and the invoice it credits; read one, and
an invoice's. Within a retryable request the note is named after the request, so a retry finds
the note its first try issued instead of issuing a second."""

from __future__ import annotations

from chalicelib.domain import payments
from chalicelib.domain.credit_notes import (
    CreditNote,
    CreditNoteInput,
    credit_note_date,
    issue_credit_note,
    next_credit_note_number,
)
from chalicelib.domain.derived_ids import made_by_request
from chalicelib.domain.errors import CreditNoteNotFoundError, InvoiceNotFoundError
from chalicelib.domain.values import Actor, new_id
from chalicelib.ports import InvoicePorts
from chalicelib.services.changes import read
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
        context = ports.repo.get_for_credit(actor.tenant_id, invoice_id, note_id=named)
        if context is None:
            raise InvoiceNotFoundError([invoice_id])
        if context.made is not None:  # an earlier try of this very request issued it
            return context.made
        invoice, now = context.invoice, ports.clock.now()
        number, counter = next_credit_note_number(
            context.counter,
            context.settings.credit_note_numbering_format,
            credit_note_date(invoice, now),
        )
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
