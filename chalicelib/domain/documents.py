"""What a document about an invoice or a credit note (its PDF, its emails) is made from: the
invoice or the note, who sells and who buys, and the language to write it in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.credit_notes import CreditNote
from chalicelib.domain.invoice import EventType, Invoice, InvoiceStatus
from chalicelib.domain.parties import PartyDetails, SellerDetails

DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class InvoiceDocument:
    invoice: Invoice
    seller: SellerDetails
    client: PartyDetails | None
    locale: str  # BCP 47, such as de-DE: dates, numbers, amounts and wording
    logo: bytes | None = None  # PNG or JPEG

    @property
    def dated(self) -> datetime:
        """When the document was made: when the invoice was issued, else its last change. An
        issued invoice renders the same, byte for byte, however often it is rendered."""
        return issued_at(self.invoice) or self.invoice.updated

    @property
    def payment_reference(self) -> str | None:
        """What the payer writes on the transfer: the invoice's reference, else its number."""
        return self.invoice.payment_reference or self.invoice.invoice_number


def document_of(
    invoice: Invoice,
    *,
    seller: SellerDetails,
    client: PartyDetails | None,
    logo: bytes | None = None,
) -> InvoiceDocument:
    """An issued invoice speaks with the parties it was issued with; a draft with today's."""
    seller = invoice.seller or seller
    client = invoice.client or client
    locale = locale_of(seller, client)
    return InvoiceDocument(invoice=invoice, seller=seller, client=client, locale=locale, logo=logo)


@dataclass(frozen=True)
class CreditNoteDocument:
    """A credit note as its PDF and email say it: in the client's locale, as its invoice's."""

    note: CreditNote
    seller: SellerDetails
    client: PartyDetails | None
    locale: str
    logo: bytes | None = None

    @property
    def dated(self) -> datetime:
        """When it was issued: it never changes, so neither do its PDF's bytes."""
        return self.note.created


def credit_note_document_of(
    note: CreditNote,
    *,
    seller: SellerDetails,
    client: PartyDetails | None,
    logo: bytes | None = None,
) -> CreditNoteDocument:
    """The note speaks with the parties its invoice was issued with; `seller` and `client` are
    today's, for a note whose invoice copied none."""
    seller = note.seller or seller
    client = note.client or client
    locale = locale_of(seller, client)
    return CreditNoteDocument(note=note, seller=seller, client=client, locale=locale, logo=logo)


def locale_of(seller: SellerDetails, client: PartyDetails | None) -> str:
    """The client's locale, else the seller's, else English."""
    return (client.locale if client else None) or seller.locale or DEFAULT_LOCALE


_ISSUING_EVENTS = frozenset({EventType.MARKED_AS_SENT, EventType.SCHEDULED, EventType.SENT})


def issued_at(invoice: Invoice) -> datetime | None:
    """When the invoice last left DRAFT (None while it is a draft)."""
    if invoice.status == InvoiceStatus.DRAFT:
        return None
    issued = None
    for event in invoice.events:
        if event.type == EventType.UNSCHEDULED:
            issued = None
        elif event.type in _ISSUING_EVENTS and issued is None:
            issued = event.date
    return issued
